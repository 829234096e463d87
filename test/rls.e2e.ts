import { Client } from 'pg';
import { connectAsApp, createTestDatabase, TestDatabase } from './support/test-db';

/**
 * Rows for tenant tables that the migrated template leaves empty (the application fills them
 * at run time), inserted as the owner for Grenoble and Meylan so every check below has rows
 * to hide. `$1` is the tenant id. A new such table adds its line here.
 */
const id = (name: string) => `md5($1::uuid::text || '${name}')::uuid`;
const FIXTURES: Record<string, string> = {
  accounts: `INSERT INTO accounts (tenant_id, id, email, display_name) VALUES
    ($1::uuid, ${id('author')}, 'rls-author@example.org', 'Rls A.'), ($1::uuid, ${id('neighbour')},
      'rls-neighbour@example.org', 'Rls N.') ON CONFLICT DO NOTHING`,
  sessions:
    `INSERT INTO sessions (tenant_id, account_id, token_hash, expires_at) VALUES ($1::uuid, ` +
    `${id('author')}, decode(md5($1::uuid::text), 'hex'), now() + interval '1 day') ON CONFLICT DO NOTHING`,
  account_tokens:
    `INSERT INTO account_tokens (tenant_id, account_id, purpose, token_hash, expires_at) VALUES ` +
    `($1::uuid, ${id('author')}, 'verify', decode(md5($1::uuid::text || 't'), 'hex'), now() + interval '1 day') ` +
    `ON CONFLICT DO NOTHING`,
  listings: `INSERT INTO listings (tenant_id, id, author_id, kind, category_id, title, description, mode, location,
    public_location, radius_m, status)
    SELECT $1::uuid, ${id('listing')}, ${id('author')}, 'offer', tc.category_id, 'Annonce témoin',
      'Une annonce pour le test d''isolation.', 'in_person',
           ST_PointOnSurface(ta.outline::geometry)::geography, ST_PointOnSurface(ta.outline::geometry)::geography,
             1000, 'published'
    FROM tenant_categories tc JOIN tenant_areas ta ON ta.tenant_id = tc.tenant_id WHERE tc.tenant_id = $1::uuid LIMIT
      1 ON CONFLICT DO NOTHING`,
  domain_events:
    `INSERT INTO domain_events (tenant_id, type, aggregate_id) VALUES ($1::uuid, 'Fixture', ` + `${id('listing')})`,
  listing_reports:
    `INSERT INTO listing_reports (tenant_id, listing_id, reporter_id, reason) VALUES ($1::uuid, ` +
    `${id('listing')}, ${id('neighbour')}, 'spam') ON CONFLICT DO NOTHING`,
  conversations:
    `INSERT INTO conversations (tenant_id, id, listing_id, author_id, starter_id) VALUES ($1::uuid, ` +
    `${id('conversation')}, ${id('listing')}, ${id('author')}, ${id('neighbour')}) ON CONFLICT DO NOTHING`,
  match_notifications:
    `INSERT INTO match_notifications (tenant_id, listing_id, recipient_id, reason, distance_m, ` +
    `delivery) VALUES ($1::uuid, ${id('listing')}, ${id('neighbour')}, 'alert', 100, 'immediate') ON CONFLICT DO ` +
    `NOTHING`,
  audit_log:
    `INSERT INTO audit_log (tenant_id, actor_role, action, target_type, reason) VALUES ($1::uuid, ` +
    `'moderator', 'listing.approve', 'listing', 'témoin')`,
  messages:
    `INSERT INTO messages (tenant_id, conversation_id, sender_id, body) VALUES ($1::uuid, ` +
    `${id('conversation')}, ${id('neighbour')}, 'Bonjour')`,
  relayed_residents: `WITH a AS (INSERT INTO accounts (tenant_id, id, display_name, relayed) VALUES ($1::uuid,
    ${id('relayed')}, 'Relayée R.', true) ON CONFLICT DO NOTHING RETURNING id)
    INSERT INTO relayed_residents (tenant_id, account_id, phone, consent_method, consent_agent_id) SELECT $1::uuid,
      a.id, '0476000000', 'phone', ${id('author')} FROM a`,
  staff_inbox_items:
    `INSERT INTO staff_inbox_items (tenant_id, dedupe_key, kind, resident_id, listing_id) VALUES ` +
    `($1::uuid, 'rls-fixture', 'reminder', ${id('author')}, ${id('listing')}) ON CONFLICT DO NOTHING`,
  listing_reminders:
    `INSERT INTO listing_reminders (tenant_id, listing_id, recipient_id) VALUES ($1::uuid, ` +
    `${id('listing')}, ${id('author')}) ON CONFLICT DO NOTHING`,
  listing_feedback:
    `INSERT INTO listing_feedback (tenant_id, listing_id, author_id, ok) VALUES ($1::uuid, ` +
    `${id('listing')}, ${id('neighbour')}, false) ON CONFLICT DO NOTHING`,
  organisations: `INSERT INTO organisations (tenant_id, id, name, kind, description, status, created_by) VALUES
    ($1::uuid, ${id('organisation')}, 'Association témoin', 'association',
      'Une association pour le test d''isolation.', 'published', ${id('author')}) ON CONFLICT DO NOTHING`,
  organisation_managers:
    `INSERT INTO organisation_managers (tenant_id, organisation_id, account_id, role) VALUES ` +
    `($1::uuid, ${id('organisation')}, ${id('author')}, 'owner') ON CONFLICT DO NOTHING`,
  projects: `INSERT INTO projects (tenant_id, id, organisation_id, title, description, category_id, location,
    public_location, ongoing, status, created_by)
    SELECT $1::uuid, ${id('project')}, ${id('organisation')}, 'Projet témoin', 'Un projet pour le test d''isolation.',
      tc.category_id,
           ST_PointOnSurface(ta.outline::geometry)::geography, ST_PointOnSurface(ta.outline::geometry)::geography,
             true, 'published', ${id('author')}
    FROM tenant_categories tc JOIN tenant_areas ta ON ta.tenant_id = tc.tenant_id WHERE tc.tenant_id = $1::uuid LIMIT
      1 ON CONFLICT DO NOTHING`,
  missions: `INSERT INTO missions (tenant_id, id, project_id, title, when_text, volunteers_needed, volunteer_count,
    created_by) VALUES
    ($1::uuid, ${id('mission')}, ${id('project')}, 'Mission témoin', 'Samedi', 3, 1, ${id('author')}) ON CONFLICT DO
      NOTHING`,
  mission_volunteers:
    `INSERT INTO mission_volunteers (tenant_id, mission_id, account_id) VALUES ($1::uuid, ` +
    `${id('mission')}, ${id('neighbour')}) ON CONFLICT DO NOTHING`,
  organisation_messages:
    `INSERT INTO organisation_messages (tenant_id, organisation_id, sender_id, body) VALUES ` +
    `($1::uuid, ${id('organisation')}, ${id('neighbour')}, 'Bonjour')`,
  mission_notifications:
    `INSERT INTO mission_notifications (tenant_id, mission_id, recipient_id, distance_m, ` +
    `delivery) VALUES ($1::uuid, ${id('mission')}, ${id('neighbour')}, 100, 'immediate') ON CONFLICT DO NOTHING`,
  calendar_feeds:
    `INSERT INTO calendar_feeds (tenant_id, account_id) VALUES ($1::uuid, ${id('neighbour')}) ` +
    `ON CONFLICT DO NOTHING`,
  mission_reminders:
    `INSERT INTO mission_reminders (tenant_id, mission_id, account_id) VALUES ($1::uuid, ${id('mission')}, ` +
    `${id('neighbour')}) ON CONFLICT DO NOTHING`,
  idempotency_keys:
    `INSERT INTO idempotency_keys (tenant_id, account_id, key, request_hash, status, response) ` +
    `VALUES ($1::uuid, ${id('author')}, 'rls-fixture', 'h', 201, '{}') ON CONFLICT DO NOTHING`,
  outbox_emails:
    `INSERT INTO outbox_emails (tenant_id, recipient, template, dedupe_key) VALUES ($1, ` +
    `'fixture@example.org', 'account-verification', 'rls-fixture') ON CONFLICT DO NOTHING`,
  message_reports:
    `INSERT INTO message_reports (tenant_id, message_id, reporter_id, reason) SELECT $1::uuid, id, ` +
    `${id('author')}, 'spam' FROM messages WHERE tenant_id = $1::uuid LIMIT 1 ON CONFLICT DO NOTHING`,
  account_blocks:
    `INSERT INTO account_blocks (tenant_id, blocker_id, blocked_id) VALUES ($1::uuid, ${id('author')}, ` +
    `${id('neighbour')}) ON CONFLICT DO NOTHING`,
  external_identities:
    `INSERT INTO external_identities (tenant_id, issuer, subject, account_id, provider) VALUES ($1::uuid, ` +
    `'https://idp.example', 'rls-fixture', ${id('author')}, 'fc') ON CONFLICT DO NOTHING`,
  staff_requests:
    `INSERT INTO staff_requests (tenant_id, account_id, provider, role) VALUES ($1::uuid, ${id('author')}, 'pc', ` +
    `'moderator') ON CONFLICT DO NOTHING`,
  commune_opening_requests:
    `INSERT INTO commune_opening_requests (tenant_id, issuer, subject, email, siret) VALUES ($1::uuid, ` +
    `'https://pc.example', 'rls-fixture', 'agent@example.org', '21380229100017') ON CONFLICT DO NOTHING`,
};

/**
 * Tenant isolation is the database's job: these tests talk to PostgreSQL as the
 * application role, with plain SQL that forgets every tenant filter.
 */
describe('row-level security on every tenant-owned table', () => {
  let db: TestDatabase;
  let app: Client;
  let tenantTables: string[];
  let meylan: string;
  let grenoble: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await connectAsApp(db);
    meylan = await db.tenantId('meylan');
    grenoble = await db.tenantId('grenoble');
    const { rows } = await db.admin.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
       ORDER BY 1`,
    );
    tenantTables = rows.map((r) => r.table_name);
    for (const sql of Object.values(FIXTURES))
      for (const tenantId of [grenoble, meylan]) await db.admin.query(sql, [tenantId]);
  });
  afterAll(async () => {
    await app.end();
    await db.drop();
  });

  const asTenant = async <T>(tenantId: string | null, fn: () => Promise<T>): Promise<T> => {
    await app.query('BEGIN');
    try {
      if (tenantId) await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      return await fn();
    } finally {
      await app.query('ROLLBACK');
    }
  };

  it('finds the tenant tables of the foundation', () => {
    expect(tenantTables).toEqual(
      expect.arrayContaining(['neighbourhoods', 'tenant_areas', 'tenant_categories', 'tenant_domains']),
    );
  });

  it('has ENABLE and FORCE row-level security and a tenant policy on every table with a tenant_id column', async () => {
    const { rows } = await db.admin.query(
      `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid
                 AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app_current_tenant()%'
                 AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%app_current_tenant()%')::int AS policies
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname = ANY($1) ORDER BY 1`,
      [tenantTables],
    );
    expect(rows).toHaveLength(tenantTables.length);
    for (const r of rows)
      expect({ table: r.table, enabled: r.enabled, forced: r.forced, policies: r.policies }).toEqual({
        table: r.table,
        enabled: true,
        forced: true,
        policies: 1,
      });
  });

  it('leads every primary key and unique key of a tenant table with tenant_id', async () => {
    const { rows } = await db.admin.query(
      `SELECT c.relname AS table, i.indexrelid::regclass::text AS index, a.attname AS first_column
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
       WHERE (i.indisprimary OR i.indisunique) AND c.relname = ANY($1)`,
      [tenantTables],
    );
    expect(new Set(rows.map((r) => r.table))).toEqual(new Set(tenantTables));
    for (const r of rows) expect(`${r.index}: ${r.first_column}`).toBe(`${r.index}: tenant_id`);
  });

  it('gives the application role no table, no BYPASSRLS and no superuser', async () => {
    const { rows: role } = await db.admin.query(
      `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'entraide_app'`,
    );
    expect(role[0]).toEqual({ rolsuper: false, rolbypassrls: false });
    const { rows: owned } = await db.admin.query(
      `SELECT relname FROM pg_class WHERE relowner = 'entraide_app'::regrole`,
    );
    expect(owned).toEqual([]);
  });

  it("shows Meylan none of Grenoble's rows on a plain SELECT * without WHERE", async () => {
    for (const table of tenantTables) {
      const { rows: grenobleRows } = await db.admin.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`,
        [grenoble],
      );
      expect({ table, grenobleRowsExist: grenobleRows[0].n > 0 }).toEqual({ table, grenobleRowsExist: true });
      const rows = await asTenant(meylan, async () => (await app.query(`SELECT * FROM ${table}`)).rows);
      expect({ table, seen: rows.length > 0 }).toEqual({ table, seen: true });
      expect({ table, foreign: rows.filter((r) => r.tenant_id !== meylan).length }).toEqual({ table, foreign: 0 });
    }
  });

  it('returns nothing from any tenant table when app.tenant_id is unset', async () => {
    for (const table of tenantTables) {
      const rows = await asTenant(null, async () => (await app.query(`SELECT * FROM ${table}`)).rows);
      expect({ table, rows: rows.length }).toEqual({ table, rows: 0 });
    }
  });

  it('resets the tenant at the end of each transaction, so a pooled connection carries nothing over', async () => {
    await asTenant(meylan, async () => undefined);
    const { rows } = await app.query('SELECT count(*)::int AS n FROM neighbourhoods');
    expect(rows[0].n).toBe(0);
  });

  it("refuses, as Meylan, to insert a row of Grenoble's into any tenant table", async () => {
    for (const table of tenantTables) {
      const { rows } = await db.admin.query(`SELECT to_jsonb(x) AS row FROM ${table} x WHERE tenant_id = $1 LIMIT 1`, [
        grenoble,
      ]);
      const { rows: cols } = await db.admin.query(
        `SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS list FROM
          information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'`,
        [table],
      );
      const error = await asTenant(meylan, () =>
        app
          .query(
            `INSERT INTO ${table} (${cols[0].list}) SELECT ${cols[0].list} FROM ` +
              `jsonb_populate_record(NULL::${table}, $1)`,
            [rows[0].row],
          )
          .then(
            () => 'inserted',
            (e: Error) => e.message,
          ),
      );
      expect({ table, error }).toEqual({ table, error: expect.stringMatching(/row-level security|permission denied/) });
    }
  });

  it("neither updates nor deletes Grenoble's rows as Meylan, and cannot move a row to Grenoble", async () => {
    const updated = await asTenant(
      meylan,
      async () =>
        (await app.query('UPDATE tenant_categories SET position = position + 1 WHERE tenant_id = $1', [grenoble]))
          .rowCount,
    );
    expect(updated).toBe(0);
    const deleted = await asTenant(
      meylan,
      async () => (await app.query('DELETE FROM tenant_categories WHERE tenant_id = $1', [grenoble])).rowCount,
    );
    expect(deleted).toBe(0);
    const moved = await asTenant(meylan, () =>
      app.query('UPDATE tenant_categories SET tenant_id = $1', [grenoble]).then(
        () => 'moved',
        (e: Error) => e.message,
      ),
    );
    expect(moved).toMatch(/row-level security/);
    const { rows } = await db.admin.query('SELECT count(*)::int AS n FROM tenant_categories WHERE tenant_id = $1', [
      grenoble,
    ]);
    expect(rows[0].n).toBeGreaterThan(0);
  });

  it("finds the residents an alert reaches through the owner function for the caller's tenant only", async () => {
    const { rows: cat } = await db.admin.query(
      `SELECT category_id AS id FROM tenant_categories WHERE tenant_id = $1 LIMIT 1`,
      [meylan],
    );
    // Both neighbours live at the same point, in two communes, and follow the category within 1 km.
    await db.admin.query(
      `UPDATE accounts SET notify_mode = 'immediate', notify_category_ids = ARRAY[$2::uuid], notify_radius_m = 1000,
              location = ST_SetSRID(ST_MakePoint(5.78, 45.21), 4326)::geography
       WHERE tenant_id = ANY($1::uuid[]) AND email = 'rls-neighbour@example.org'`,
      [[meylan, grenoble], cat[0].id],
    );
    const reached = (lng: number) =>
      `SELECT id FROM app_alert_recipients($1, ST_SetSRID(ST_MakePoint(${lng}, 45.21), 4326)::geography)`;
    const asMeylan = await asTenant(meylan, async () => (await app.query(reached(5.785), [cat[0].id])).rows);
    const { rows: expected } = await db.admin.query(
      `SELECT id FROM accounts WHERE tenant_id = $1 AND email = 'rls-neighbour@example.org'`,
      [meylan],
    );
    expect(asMeylan).toEqual(expected);
    // About 2.3 km east: beyond the alert's radius.
    expect(await asTenant(meylan, async () => (await app.query(reached(5.81), [cat[0].id])).rows)).toEqual([]);
    expect(await asTenant(null, async () => (await app.query(reached(5.785), [cat[0].id])).rows)).toEqual([]);
  });

  it('scopes a nearest-first search sent alone to its own tenant, and to nothing after it', async () => {
    // Around Grenoble's listing, in no category, any distance: outside a transaction block the call is a
    // transaction of its own, scoped by app_scope_tenant to the tenant it names.
    const { rows: spot } = await db.admin.query<{ lng: number; lat: number }>(
      `SELECT ST_X(public_location::geometry) AS lng, ST_Y(public_location::geometry) AS lat FROM listings
        WHERE tenant_id = $1 LIMIT 1`,
      [grenoble],
    );
    const nearest = `SELECT id FROM app_nearest_listings($1::uuid, NULL, NULL, ARRAY['offer', 'request'], $2, $3, 0,
      NULL, 100)`;
    const { rows: expected } = await db.admin.query(
      `SELECT id FROM listings WHERE tenant_id = $1 AND status = 'published' ORDER BY id`,
      [meylan],
    );
    const { rows: alone } = await app.query(nearest, [meylan, spot[0].lng, spot[0].lat]);
    expect(alone.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id));
    expect(expected.length).toBeGreaterThan(0);
    // Nothing of Meylan stays on the connection once the statement is over.
    expect((await app.query('SELECT count(*)::int AS n FROM listings')).rows[0].n).toBe(0);
    // Inside a transaction of another tenant, it refuses rather than switch tenants.
    await expect(
      asTenant(grenoble, async () => app.query(nearest, [meylan, spot[0].lng, spot[0].lat])),
    ).rejects.toMatchObject({ code: '42501' });
    const inMeylan = await asTenant(meylan, async () => (await app.query(nearest, [meylan, 5.7, 45.2])).rows);
    expect(inMeylan.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id));
    // The first page with its count (the listings page): the same scope.
    const counted = `SELECT id, total FROM app_nearest_listings_counted($1::uuid, NULL, NULL, ARRAY['offer', 'request'],
      $2, $3, NULL, 100, 100)`;
    const { rows: countedAlone } = await app.query(counted, [meylan, spot[0].lng, spot[0].lat]);
    expect(countedAlone.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id));
    expect(countedAlone[0].total).toBe(Math.min(expected.length, 100));
    expect((await app.query('SELECT count(*)::int AS n FROM listings')).rows[0].n).toBe(0);
    await expect(
      asTenant(grenoble, async () => app.query(counted, [meylan, spot[0].lng, spot[0].lat])),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('lets the application resolve hosts only through the directory function', async () => {
    const rows = await asTenant(
      null,
      async () => (await app.query('SELECT domain, slug FROM app_tenant_directory()')).rows,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { domain: 'meylan.localhost', slug: 'meylan' },
        { domain: 'grenoble.localhost', slug: 'grenoble' },
      ]),
    );
    const direct = await asTenant(null, async () => (await app.query('SELECT * FROM tenant_domains')).rows);
    expect(direct).toEqual([]);
  });
});
