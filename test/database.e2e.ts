import { createDataSource, Database, inline, preparedRows, rows, type TenantTx } from '@libs/db';
import type { TenantId } from '@libs/tenancy';
import { createTestDatabase, TestDatabase } from './support/test-db';

/**
 * The application's door to PostgreSQL, as the application role: a unit of work sees its own
 * tenant only, and the worker's multi-tenant batches keep each statement to its own tenant.
 */
describe('Database', () => {
  let t: TestDatabase;
  let db: Database;
  let meylan: TenantId;
  let grenoble: TenantId;
  const categoriesOf = async (tenantId: string) =>
    Number(
      (await t.admin.query('SELECT count(*) AS n FROM tenant_categories WHERE tenant_id = $1', [tenantId])).rows[0].n,
    );

  beforeAll(async () => {
    t = await createTestDatabase();
    const ds = createDataSource(t.appUrl, { poolSize: 2 });
    await ds.initialize();
    db = new Database(ds, true);
    meylan = await t.tenantId('meylan');
    grenoble = await t.tenantId('grenoble');
  });
  afterAll(async () => {
    await db.close();
    await t.drop();
  });

  it('scopes withTenant to its tenant and refuses anything but a tenant id', async () => {
    const seen = await db.withTenant(meylan, (tx) => tx.query('SELECT DISTINCT tenant_id FROM tenant_categories'));
    expect(seen).toEqual([{ tenant_id: meylan }]);
    // @ts-expect-error not a TenantId: refused by the compiler, and at run time whatever the types said
    await expect(db.withTenant(`${meylan}'; SELECT 1; --`, async () => 1)).rejects.toThrow(/not a tenant id/);
  });

  it('runs a hot statement as a named prepared statement under RLS, or plain when the setting is off', async () => {
    const sql = 'SELECT tenant_id AS "tenantId", count(*)::int AS n FROM tenant_categories GROUP BY tenant_id';
    const named = (tx: TenantTx) =>
      rows<{ name: string }>(tx, `SELECT name FROM pg_prepared_statements WHERE statement LIKE '%tenant_categories%'`);
    const ds = createDataSource(t.appUrl, { poolSize: 1 });
    await ds.initialize();
    const off = new Database(ds, false);
    try {
      for (const [database, prepared] of [
        [db, true],
        [off, false],
      ] as const) {
        for (const tenant of [meylan, grenoble]) {
          const [found, names] = await database.withTenant(tenant, async (tx) => [
            await preparedRows<{ tenantId: string; n: number }>(tx, sql),
            await named(tx),
          ]);
          // The plan is kept, the tenant is not: each transaction sees its own rows only.
          expect(found).toEqual([{ tenantId: tenant, n: await categoriesOf(tenant) }]);
          expect(names.length > 0).toBe(prepared);
        }
      }
    } finally {
      await off.close();
    }
  });

  it('rolls a failed unit of work back and leaves the connection usable', async () => {
    const before = await categoriesOf(meylan);
    await expect(
      db.withTenant(meylan, async (tx) => {
        await tx.query('DELETE FROM tenant_categories WHERE tenant_id = $1', [meylan]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await categoriesOf(meylan)).toBe(before);
    // Both pooled connections still work, outside any transaction and without a tenant.
    for (let i = 0; i < 3; i++)
      expect(await db.withoutTenant((tx) => tx.query('SELECT count(*)::int AS n FROM tenant_categories'))).toEqual([
        { n: 0 },
      ]);
  });

  it('runs each statement of a multi-tenant batch under its own tenant', async () => {
    const count =
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE tenant_id <> $1::uuid)::int AS foreign FROM tenant_categories';
    const [m, g] = await db.inTenants([
      { tenantId: meylan, sql: count, params: [meylan] },
      { tenantId: grenoble, sql: count, params: [grenoble] },
    ]);
    expect(m).toEqual([{ n: await categoriesOf(meylan), foreign: 0 }]);
    expect(g).toEqual([{ n: await categoriesOf(grenoble), foreign: 0 }]);
  });

  it("cannot reach another tenant's rows from a batch statement, even by naming them", async () => {
    const before = await categoriesOf(grenoble);
    const [deleted] = await db.inTenants([
      {
        tenantId: meylan,
        sql: 'DELETE FROM tenant_categories WHERE tenant_id = $1::uuid RETURNING 1',
        params: [grenoble],
      },
    ]);
    expect(deleted).toEqual([]);
    await expect(
      db.inTenants([
        {
          tenantId: meylan,
          sql: 'UPDATE tenant_categories SET tenant_id = $1::uuid WHERE tenant_id = $2::uuid',
          params: [grenoble, meylan],
        },
      ]),
    ).rejects.toThrow(/row-level security/);
    expect(await categoriesOf(grenoble)).toBe(before);
  });

  it('commits all of a batch or nothing', async () => {
    const [m, g] = [await categoriesOf(meylan), await categoriesOf(grenoble)];
    await expect(
      db.inTenants([
        { tenantId: meylan, sql: 'DELETE FROM tenant_categories WHERE tenant_id = $1::uuid', params: [meylan] },
        { tenantId: grenoble, sql: 'SELECT 1 / $1::int', params: [0] },
      ]),
    ).rejects.toThrow(/division by zero/);
    expect([await categoriesOf(meylan), await categoriesOf(grenoble)]).toEqual([m, g]);
    // The connection went back to the pool clean.
    expect(await db.inTenants([{ tenantId: meylan, sql: 'SELECT $1::int AS one', params: [1] }])).toEqual([
      [{ one: 1 }],
    ]);
  });

  it(
    'prepares a named statement once per connection and runs it in later batches, ' + 'also after a failed one',
    async () => {
      const count = {
        sql: 'SELECT count(*)::int AS n FROM tenant_categories WHERE tenant_id = $1::uuid',
        name: 'test_count_categories',
      };
      const expected = [[{ n: await categoriesOf(meylan) }], [{ n: await categoriesOf(grenoble) }]];
      const batch = () =>
        db.inTenants([
          { tenantId: meylan, params: [meylan], ...count },
          { tenantId: grenoble, params: [grenoble], ...count },
        ]);
      // More runs than pooled connections, so each connection prepares it and then reuses it.
      for (let i = 0; i < 4; i++) expect(await batch()).toEqual(expected);
      await expect(
        db.inTenants([{ tenantId: meylan, sql: 'SELECT 1 / $1::int', params: [0], name: 'test_divide' }]),
      ).rejects.toThrow(/division by zero/);
      for (let i = 0; i < 4; i++) expect(await batch()).toEqual(expected);
      await expect(
        db.inTenants([{ tenantId: meylan, sql: 'SELECT 1', params: [], name: 'Bad-Name; DROP' }]),
      ).rejects.toThrow(/not a statement name/);
    },
  );

  it('passes values as escaped literals: quotes, backslashes, arrays, NULL and JSON come back intact', async () => {
    const nasty = `O'Brien \\ "x"'); DROP TABLE tenants; --`;
    const [[row]] = await db.inTenants([
      {
        tenantId: meylan,
        sql: 'SELECT $1::text AS s, $2::text[] AS a, $3::text AS n, $4::jsonb AS j',
        params: [nasty, [nasty, 'b'], null, { k: nasty }],
      },
    ]);
    expect(row).toEqual({ s: nasty, a: [nasty, 'b'], n: null, j: { k: nasty } });
    expect(() => inline('SELECT $2', [1])).toThrow(/no value for \$2/);
    expect(Number((await t.admin.query('SELECT count(*) AS n FROM tenants')).rows[0].n)).toBeGreaterThan(0);
  });
});
