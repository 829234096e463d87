import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LISTINGS_DISK_ORDER } from '@src/listings/listings-reorder';
import { runNode } from './support/commands';
import { pgUrl } from './support/env';
import { connectAsApp, createTestDatabase, TestDatabase } from './support/test-db';

const ROOT = join(__dirname, '..');

/**
 * `npm run cli -- listings:reorder`: the listings table rewritten by pg_repack in search order (LISTINGS_DISK_ORDER)
 * while the site keeps writing, nothing lost or changed, its indexes, triggers and row-level security kept; the
 * nearest listings of a category then lie on a few heap pages instead of one page each.
 */
describe('listings:reorder', () => {
  let db: TestDatabase;
  let meylan: string;
  let courses: string;
  const point = { lng: 5.7785, lat: 45.2125 };

  beforeAll(async () => {
    db = await createTestDatabase();
    meylan = await db.tenantId('meylan');
    courses = (
      await db.admin.query(
        `SELECT c.id FROM categories c JOIN tenant_categories tc ON tc.category_id = c.id WHERE tc.tenant_id = $1 ` +
          `AND c.slug = 'courses'`,
        [meylan],
      )
    ).rows[0].id;
    // 12,000 listings written as a platform receives them: the communes and categories interleaved, a tenth closed.
    await db.admin.query(`
      INSERT INTO accounts (tenant_id, email, display_name) SELECT id, 'seed@' || slug || '.example', 'Voisin S.' FROM
        tenants WHERE status = 'open';
      INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location,
        public_location, radius_m, status, created_at)
      SELECT a.tenant_id, a.id, CASE WHEN g % 2 = 0 THEN 'offer' ELSE 'request' END, tc.category_id,
             'Annonce ' || g, 'Description de l''annonce numéro ' || g, 'in_person', p, p, 2000,
             CASE WHEN g % 10 = 0 THEN 'closed' ELSE 'published' END, now() - make_interval(mins => g)
      FROM generate_series(1, 12000) g
      JOIN LATERAL (SELECT tenant_id, id FROM accounts ORDER BY email OFFSET g % 5 LIMIT 1) a ON true
      JOIN LATERAL (SELECT category_id FROM tenant_categories WHERE tenant_id = a.tenant_id ORDER BY position
        OFFSET (g / 5) % 4 LIMIT 1) tc ON true
      JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(ST_X(c) + ((g * 37) % 101) * 0.0002,
                                                   ST_Y(c) + ((g * 53) % 89) * 0.0002), 4326)::geography AS p
                    FROM (SELECT ST_Centroid(outline::geometry) AS c FROM tenant_areas WHERE tenant_id = a.tenant_id)
                      x) pt ON true;
      ANALYZE listings;
    `);
  });
  afterAll(() => db.drop());

  /** Every row's columns, in id order, hashed; and how many. */
  const contents = async () =>
    (
      await db.admin.query<{ n: number; digest: string }>(
        `SELECT count(*)::int AS n, md5(string_agg(l::text, '|' ORDER BY l.id)) AS digest FROM listings l`,
      )
    ).rows[0];

  /** The nearest 25 published listings of Meylan's « courses » around `point`, as the application role reads them. */
  async function nearest() {
    const c = await connectAsApp(db);
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [meylan]);
      const { rows } = await c.query<{ id: string; page: string }>(
        `SELECT id, (l.ctid::text::point)[0]::text AS page FROM app_nearest_listings($1, $2, NULL, ARRAY['offer',
           'request'], $3, $4, 0, NULL, 25) n JOIN listings l USING (id)`,
        [meylan, courses, point.lng, point.lat],
      );
      return { ids: rows.map((r) => r.id), pages: new Set(rows.map((r) => r.page)).size };
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  }

  /** The table's indexes, triggers, policies and row-level security flags. */
  const rules = async () =>
    (
      await db.admin.query(
        `SELECT (SELECT array_agg(indexdef ORDER BY indexname) FROM pg_indexes WHERE tablename = 'listings') AS indexes,
                (SELECT array_agg(tgname ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'listings'::regclass AND NOT
                   tgisinternal) AS triggers,
                (SELECT array_agg(polname ORDER BY polname) FROM pg_policy WHERE polrelid = 'listings'::regclass) AS
                   policies,
                relrowsecurity, relforcerowsecurity
         FROM pg_class WHERE oid = 'listings'::regclass`,
      )
    ).rows[0];

  /** Rows whose key in LISTINGS_DISK_ORDER is lower than the row before them on disk. */
  const outOfOrder = async () =>
    (
      await db.admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT k, lag(k) OVER (ORDER BY ctid) AS prev FROM (SELECT ctid, ROW(${LISTINGS_DISK_ORDER}) AS k FROM
             listings) x) y
         WHERE k < prev`,
      )
    ).rows[0].n;

  function reorder(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli.js'), 'listings:reorder'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('rewrites the table in search order while listings are written, and loses or changes nothing', async () => {
    const found = await nearest();
    expect(found.ids).toHaveLength(25);
    // As written, each of the nearest listings is on a page of its own.
    expect(found.pages).toBeGreaterThanOrEqual(20);
    expect(await outOfOrder()).toBeGreaterThan(1000);
    const rulesBefore = await rules();

    const running = reorder({ DATABASE_SUPERUSER_URL: pgUrl('superuser', db.name) });
    // The site goes on writing during the copy: a new listing and an edit, committed while pg_repack runs.
    const [author] = (await db.admin.query(`SELECT id FROM accounts WHERE tenant_id = $1`, [meylan])).rows;
    let written = 0;
    let done = false;
    void running.then(() => (done = true));
    while (!done || written === 0) {
      await db.admin.query(
        `INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location,
           public_location, radius_m, status)
         VALUES ($1, $2, 'offer', $3, $4, 'Pendant la réorganisation', 'in_person', $5::geography, $5::geography,
           1000, 'published')`,
        [meylan, author.id, courses, `Écrite pendant la réorganisation ${written}`, 'SRID=4326;POINT(5.9 45.3)'],
      );
      await db.admin.query(
        `UPDATE listings SET title = title || ' (modifiée)' WHERE tenant_id = $1 AND id = (SELECT
        id FROM listings WHERE tenant_id = $1 AND title NOT LIKE '%(modifiée)%' ORDER BY id LIMIT 1)`,
        [meylan],
      );
      written++;
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await running;
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^listings:reorder: listings rewritten in search order in \d+\.\d s\n$/);

    const { rows: kept } = await db.admin.query(
      `SELECT count(*) FILTER (WHERE title LIKE 'Écrite pendant la réorganisation %')::int AS new,
              count(*) FILTER (WHERE title LIKE '%(modifiée)')::int AS edited, count(*)::int AS n FROM listings`,
    );
    expect(kept[0]).toEqual({ new: written, edited: written, n: 12000 + written });
    const after = await contents();
    const again = await nearest();
    expect(again.ids).toEqual(found.ids);
    // The nearest listings of a category now share a few pages; only the rows written during the copy (new, or moved
    // by their edit) are out of order.
    expect(again.pages).toBeLessThanOrEqual(8);
    expect(await outOfOrder()).toBeLessThanOrEqual(2 * written);
    expect(await rules()).toEqual(rulesBefore);
    // A second run finds the table as it left it: the same rows, in order.
    const second = await reorder({ DATABASE_SUPERUSER_URL: pgUrl('superuser', db.name) });
    expect(second.code).toBe(0);
    expect(await contents()).toEqual(after);
    expect(await outOfOrder()).toBe(0);

    // Row-level security still applies to the rewritten table: no tenant set, no listing.
    const app = await connectAsApp(db);
    try {
      expect((await app.query(`SELECT count(*)::int AS n FROM listings`)).rows[0].n).toBe(0);
    } finally {
      await app.end();
    }
  });

  it('names what it lacks: without a superuser connection it stops at once', () => {
    const res = runNode('dist/src/cli.js', ['listings:reorder'], { DATABASE_SUPERUSER_URL: '' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/DATABASE_SUPERUSER_URL/);
    const bad = runNode('dist/src/cli.js', ['listings:reorder', '--wait-timeout', 'soon'], {
      DATABASE_SUPERUSER_URL: pgUrl('superuser', db.name),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--wait-timeout/);
  });

  it('fails with pg_repack’s reason when the database lacks its extension; the table stays as it was', async () => {
    const before = await contents();
    const su = new (await import('pg')).Client({ connectionString: pgUrl('superuser', db.name) });
    await su.connect();
    try {
      await su.query('DROP EXTENSION pg_repack');
      const res = await reorder({ DATABASE_SUPERUSER_URL: pgUrl('superuser', db.name) });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(
        /^listings:reorder failed: pg_repack failed \(exit \d+\): .*not installed in the database/,
      );
      expect(await contents()).toEqual(before);
    } finally {
      await su.query('CREATE EXTENSION IF NOT EXISTS pg_repack');
      await su.end();
    }
  });
});
