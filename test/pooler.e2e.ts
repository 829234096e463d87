import { Client, Pool } from 'pg';
import { createDataSource, Database, rows, type TenantStatement } from '@libs/db';
import { parseTenantId, type TenantId } from '@libs/tenancy/tenant-id';
import { pgUrl, TEST_PG, templateName } from './support/env';
import { cloneDatabase, dropDatabase, withMaintenance } from './support/pg-admin';
import { startTestApp, type TestApp } from './support/test-app';
import type { TestDatabase } from './support/test-db';

/**
 * The application through PgBouncer in transaction mode (scripts/services.d/20-pgbouncer.sh), the
 * way production runs it: DATABASE_URL through the pooler with DB_PREPARED_STATEMENTS=off,
 * DATABASE_DIRECT_URL to the primary. The pooler's `entraide_test_pool2` entry has two server
 * connections for database `entraide_pooler_test`, which this file creates from the run's
 * template (one run of this file at a time): every transaction of many clients goes through
 * those two sessions, so anything a transaction left in its session would reach another.
 */
const POOLER_HOST = process.env.TEST_PGBOUNCER_HOST ?? '127.0.0.1';
const POOLER_PORT = Number(process.env.TEST_PGBOUNCER_PORT ?? 6432);
const POOL2 = 'entraide_test_pool2';
const DATABASE = 'entraide_pooler_test';
const SLUGS = ['grenoble', 'lyon', 'metropole', 'meylan', 'seyssins'];

function poolerUrl(role: 'owner' | 'app', database: string): string {
  const r = TEST_PG[role];
  return `postgres://${r.user}:${encodeURIComponent(r.password)}@${POOLER_HOST}:${POOLER_PORT}/${database}`;
}

/** PgBouncer's admin console (as the owner role, see scripts/services.d/20-pgbouncer.sh); fails without PgBouncer. */
async function poolerConsole(): Promise<Client> {
  const c = new Client({ connectionString: poolerUrl('owner', 'pgbouncer'), connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(
      `PgBouncer does not answer on ${POOLER_HOST}:${POOLER_PORT} (${(err as Error).message}): ` +
        'run scripts/services.sh, which sets it up and starts it',
    );
  }
  return c;
}

/** Closes the pooler's server connections to the test database (so that it can be dropped). */
async function closePoolerConnections(): Promise<void> {
  const c = await poolerConsole();
  try {
    await c.query(`KILL ${POOL2}`);
    await c.query(`RESUME ${POOL2}`);
  } finally {
    await c.end();
  }
}

/** A published listing whose title names its commune, and its author, for tenant `$1`. */
const SEED = [
  `INSERT INTO accounts (tenant_id, id, email, display_name) VALUES
     ($1::uuid, md5($1::uuid::text || 'author')::uuid, 'pooler-author@example.org', 'Pooler A.')`,
  `INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location, public_location,
     radius_m, status, published_at)
   SELECT $1::uuid, md5($1::uuid::text || 'author')::uuid, 'offer', tc.category_id, 'Annonce ' || $2 || ' ' || n,
     'Une annonce pour le test du pooler.', 'in_person', ST_PointOnSurface(ta.outline::geometry)::geography,
     ST_PointOnSurface(ta.outline::geometry)::geography, 1000, 'published', now()
   FROM generate_series(1, 3) n,
     LATERAL (SELECT category_id FROM tenant_categories WHERE tenant_id = $1::uuid LIMIT 1) tc,
     LATERAL (SELECT outline FROM tenant_areas WHERE tenant_id = $1::uuid LIMIT 1) ta`,
  `INSERT INTO domain_events (tenant_id, type, aggregate_id) VALUES ($1::uuid, 'PoolerSeed', gen_random_uuid())`,
];

describe('the application through PgBouncer in transaction mode (pool of 2)', () => {
  let owner: Pool;
  let t: TestApp;
  let db: Database;
  const tenants = new Map<string, TenantId>();
  let tenantTables: string[];
  const neighbourhoods = new Map<TenantId, string[]>();

  beforeAll(async () => {
    await closePoolerConnections(); // fails the file, saying what to run, without the pooler
    await withMaintenance(async (c) => {
      await dropDatabase(c, DATABASE);
      await cloneDatabase(c, DATABASE, templateName());
    });
    owner = new Pool({ connectionString: pgUrl('owner', DATABASE), max: 2 });
    const found = await owner.query<{ id: string; slug: string }>('SELECT id, slug FROM tenants WHERE slug = ANY($1)', [
      SLUGS,
    ]);
    for (const r of found.rows) tenants.set(r.slug, parseTenantId(r.id));
    expect([...tenants.keys()].sort()).toEqual(SLUGS);
    for (const [slug, id] of tenants) {
      for (const sql of SEED) await owner.query(sql, sql.includes('$2') ? [id, slug] : [id]);
      const n = await owner.query<{ id: string }>('SELECT id FROM neighbourhoods WHERE tenant_id = $1 ORDER BY id', [
        id,
      ]);
      neighbourhoods.set(
        id,
        n.rows.map((r) => r.id),
      );
    }
    const tables = await owner.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' ORDER BY 1`,
    );
    tenantTables = tables.rows.map((r) => r.table_name);

    const testDb: TestDatabase = {
      name: DATABASE,
      appUrl: pgUrl('app', DATABASE),
      adminUrl: pgUrl('owner', DATABASE),
      admin: owner,
      tenantId: (slug) => Promise.resolve(tenants.get(slug)!),
      drop: () => Promise.resolve(),
    };
    t = await startTestApp({
      db: testDb,
      env: {
        DATABASE_URL: poolerUrl('app', POOL2),
        DATABASE_DIRECT_URL: pgUrl('app', DATABASE),
        DB_PREPARED_STATEMENTS: 'off',
        DB_POOL_SIZE: '8',
      },
    });
    db = t.app.get(Database);
  });

  afterAll(async () => {
    await t?.close();
    await owner?.end();
    await closePoolerConnections();
    await withMaintenance((c) => dropDatabase(c, DATABASE));
  });

  it('reaches the database through the pooler, two server sessions for many clients', async () => {
    expect(t.config.databaseUrl).toContain(`:${POOLER_PORT}/${POOL2}`);
    expect(t.config.dbPreparedStatements).toBe(false);
    // Many transactions at once, fewer sessions: the backends seen are the pool's two.
    const pids = await Promise.all(
      Array.from({ length: 20 }, () =>
        db.withoutTenant(async (tx) => {
          const [r] = await rows<{ pid: number }>(tx, 'SELECT pg_backend_pid() AS pid, pg_sleep(0.01)');
          return r.pid;
        }),
      ),
    );
    expect(new Set(pids).size).toBeLessThanOrEqual(2);
  });

  it("never shows a commune another's rows: 20 concurrent requests of 5 tenants, over and over", async () => {
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, k) => {
          const slug = SLUGS[k % SLUGS.length];
          const tenantId = tenants.get(slug)!;
          if (k % 4 === 0) {
            const res = await t.request({ url: '/api/v1/listings', host: `${slug}.localhost` });
            expect(res.status).toBe(200);
            const body = res.json<{ items: Array<{ title: string }> }>();
            expect(body.items.map((i) => i.title).sort()).toEqual([1, 2, 3].map((n) => `Annonce ${slug} ${n}`));
          } else if (k % 4 === 1) {
            const res = await t.request({ url: '/api/v1/neighbourhoods', host: `${slug}.localhost` });
            expect(res.status).toBe(200);
            const got = res
              .json<Array<{ id: string }>>()
              .map((n) => n.id)
              .sort();
            expect({ slug, got }).toEqual({ slug, got: neighbourhoods.get(tenantId) });
          } else if (k % 4 === 2) {
            // The RLS matrix: every tenant table, with no WHERE, in one commune's transaction.
            const seen = await db.withTenant(tenantId, async (tx) => {
              const out: Array<{ table: string; tenant: string }> = [];
              for (const table of tenantTables)
                for (const r of await rows<{ tenant: string }>(
                  tx,
                  `SELECT DISTINCT tenant_id::text AS tenant FROM ${table}`,
                ))
                  out.push({ table, tenant: r.tenant });
              return out;
            });
            expect(seen.filter((s) => s.tenant !== tenantId)).toEqual([]);
            expect(seen.map((s) => s.table)).toEqual(expect.arrayContaining(['listings', 'neighbourhoods']));
          } else {
            // No tenant in this transaction: whatever session it lands on, no tenant row.
            const seen = await db.withoutTenant(async (tx) => {
              const out: string[] = [];
              for (const table of tenantTables)
                for (const r of await rows<{ tenant: string }>(
                  tx,
                  `SELECT DISTINCT tenant_id::text AS tenant FROM ${table}`,
                ))
                  out.push(`${table}: ${r.tenant}`);
              return out;
            });
            expect(seen).toEqual([]);
          }
        }),
      );
    }
  });

  it("runs the worker's group commits (inTenants) through the pooler, each statement in its own tenant", async () => {
    const batch = (): TenantStatement[] =>
      [...tenants.values()].flatMap((tenantId) => [
        {
          tenantId,
          name: 'pooler_event_insert',
          sql:
            `INSERT INTO domain_events (tenant_id, type, aggregate_id) VALUES ($1::uuid, 'PoolerBatch', ` +
            `gen_random_uuid()) RETURNING tenant_id::text AS tenant`,
          params: [tenantId],
        },
        {
          tenantId,
          name: 'pooler_listings',
          sql: 'SELECT tenant_id::text AS tenant FROM listings WHERE status = $1',
          params: ['published'],
        },
      ]);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Array.from({ length: 12 }, () => db.inTenants<{ tenant: string }>(batch())));
      for (const result of results) {
        const expected = [...tenants.values()].flatMap((id) => [
          [{ tenant: id }],
          [1, 2, 3].map(() => ({ tenant: id })),
        ]);
        expect(result).toEqual(expected);
      }
    }
    const { rows: counts } = await owner.query<{ tenant: string; n: number }>(
      `SELECT tenant_id::text AS tenant, count(*)::int AS n FROM domain_events WHERE type = 'PoolerBatch'
       GROUP BY 1 ORDER BY 1`,
    );
    expect(counts).toEqual([...tenants.values()].sort().map((tenant) => ({ tenant, n: 3 * 12 })));

    // Why DB_PREPARED_STATEMENTS must be off here: named statements prepared on one client
    // connection are found missing (or already there) on the pooler's other session.
    const prepared = new Database(
      createDataSource(poolerUrl('app', POOL2), { poolSize: 8, applicationName: 'entraide-pooler-test' }),
      true,
    );
    await prepared.dataSource.initialize();
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 24 }, () =>
          prepared.inTenants(batch()).then(
            () => 'ok',
            (e: Error) => e.message,
          ),
        ),
      );
      expect(outcomes.filter((o) => o !== 'ok')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/prepared statement "pooler_\w+" (does not exist|already exists)/),
        ]),
      );
    } finally {
      await prepared.close();
    }
  });

  it('sees no tenant row with app.tenant_id empty or unset, through the pooler as the application role', async () => {
    const app = new Client({ connectionString: poolerUrl('app', POOL2) });
    await app.connect();
    try {
      for (const setting of ['', null]) {
        await app.query('BEGIN');
        try {
          if (setting !== null) await app.query("SELECT set_config('app.tenant_id', $1, true)", [setting]);
          const { rows: current } = await app.query<{ none: boolean }>('SELECT app_current_tenant() IS NULL AS none');
          expect(current).toEqual([{ none: true }]);
          for (const table of tenantTables) {
            const { rows: seen } = await app.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
            expect({ table, setting, rows: seen[0].n }).toEqual({ table, setting, rows: 0 });
          }
        } finally {
          await app.query('ROLLBACK');
        }
      }
    } finally {
      await app.end();
    }
  });

  it('listens for tenant changes on the primary itself (DATABASE_DIRECT_URL), not through the pooler', async () => {
    expect(t.config.databaseDirectUrl).toBe(pgUrl('app', DATABASE));
    // As the application role, which may read its own sessions' statements.
    const direct = new Client({ connectionString: pgUrl('app', DATABASE) });
    await direct.connect();
    const { rows: listeners } = await direct
      .query<{ query: string }>(
        `SELECT query FROM pg_stat_activity WHERE datname = $1 AND application_name = 'entraide-tenant-listener'`,
        [DATABASE],
      )
      .finally(() => direct.end());
    expect(listeners).toEqual([{ query: expect.stringMatching(/^LISTEN /) }]);
    const c = await poolerConsole();
    try {
      const { rows: clients } = await c.query<{ application_name: string }>('SHOW CLIENTS');
      expect(clients.map((r) => r.application_name)).not.toContain('entraide-tenant-listener');
      expect(clients.map((r) => r.application_name)).toContain('entraide-app');
    } finally {
      await c.end();
    }
  });
});
