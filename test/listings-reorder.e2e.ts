import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { LISTINGS_DISK_ORDER } from '@src/listings/listings-reorder';
import { runNode } from './support/commands';
import { pgUrl } from './support/env';
import { categoryId } from './support/factories';
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
    courses = await categoryId(db, 'meylan', 'courses');
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

  /** The command, run as an operator would, in a process of its own. */
  function reorder(args: string[] = []) {
    const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli.js'), 'listings:reorder', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_SUPERUSER_URL: pgUrl('superuser', db.name) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    return { child, done };
  }

  /** Whether pg_repack's trigger is on listings (from its first lock until the swap). */
  const repacking = async () =>
    (
      await db.admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'listings'::regclass AND tgname = 'repack_trigger'`,
      )
    ).rows[0].n > 0;

  it('rewrites the table in search order while listings are written, and loses or changes nothing', async () => {
    const found = await nearest();
    expect(found.ids).toHaveLength(25);
    // As written, each of the nearest listings is on a page of its own.
    expect(found.pages).toBeGreaterThanOrEqual(20);
    expect(await outOfOrder()).toBeGreaterThan(1000);
    const rulesBefore = await rules();

    const run = reorder();
    let finished = false;
    void run.done.then(() => (finished = true)).catch(() => (finished = true));
    // The site goes on writing during the copy: a new listing and an edit, each committed while pg_repack's trigger
    // is on the table (the rows it copies are then a moment old).
    const [author] = (await db.admin.query(`SELECT id FROM accounts WHERE tenant_id = $1`, [meylan])).rows;
    let written = 0;
    try {
      while (!finished) {
        if (!(await repacking())) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        await db.admin.query(
          `INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location,
             public_location, radius_m, status)
           VALUES ($1, $2, 'offer', $3, $4, 'Pendant la réorganisation', 'in_person', $5::geography, $5::geography,
             1000, 'published')`,
          [meylan, author.id, courses, `Écrite pendant la réorganisation ${written}`, 'SRID=4326;POINT(5.9 45.3)'],
        );
        await db.admin.query(
          `UPDATE listings SET title = title || ' (modifiée)' WHERE tenant_id = $1 AND id = (SELECT id FROM listings
             WHERE tenant_id = $1 AND title NOT LIKE '%(modifiée)%' ORDER BY id LIMIT 1)`,
          [meylan],
        );
        written++;
      }
    } finally {
      run.child.kill('SIGINT');
    }
    expect(written).toBeGreaterThan(0);
    const res = await run.done;
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
    const second = await reorder().done;
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

  it('names what it lacks or what is wrong in its settings, and stops at once (exit 2)', () => {
    const run = (args: string[], url: string) =>
      runNode('dist/src/cli.js', ['listings:reorder', ...args], { DATABASE_SUPERUSER_URL: url });
    const superuser = pgUrl('superuser', db.name);
    for (const [args, url, said] of [
      [[], '', /needs DATABASE_SUPERUSER_URL/],
      [[], 'not a url', /DATABASE_SUPERUSER_URL: a postgres:\/\/ URL/],
      [['--wait-timeout', 'soon'], superuser, /--wait-timeout: a whole number of seconds/],
      [['--wait-timeout', '1e3'], superuser, /--wait-timeout: a whole number of seconds/],
      [['--deadline', '0'], superuser, /--deadline: a whole number of seconds/],
      [['--quickly'], superuser, /Unknown option '--quickly'[\s\S]*usage: npm run cli -- listings:reorder/],
    ] as const) {
      const res = run([...args], url);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(said);
    }
  });

  it('gives up without cancelling anyone when its lock cannot be had in time, and leaves nothing behind', async () => {
    const before = await contents();
    // A transaction that read listings holds a lock pg_repack's first exclusive lock must wait for.
    const reader = await connectAsApp(db);
    try {
      await reader.query('BEGIN');
      await reader.query("SELECT set_config('app.tenant_id', $1, true)", [meylan]);
      await reader.query('SELECT count(*) FROM listings');
      const res = await reorder(['--wait-timeout', '1']).done;
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^listings:reorder failed: pg_repack failed \(exit 0\): WARNING: /);
      // The reader was not cancelled: its transaction goes on.
      expect((await reader.query('SELECT count(*)::int AS n FROM listings')).rows[0].n).toBeGreaterThan(0);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    expect(await repacking()).toBe(false);
    expect(await contents()).toEqual(before);
  });

  it('stops at its deadline while it waits for an older transaction; pg_repack removes what it made', async () => {
    const before = await contents();
    // A transaction older than the run, on another table: pg_repack waits for it to end before the swap.
    const older = await connectAsApp(db);
    try {
      await older.query('BEGIN');
      await older.query('SELECT txid_current()');
      const res = await reorder(['--deadline', '3']).done;
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^listings:reorder failed: pg_repack failed \(.*\): still running after 3 s/);
    } finally {
      await older.query('ROLLBACK');
      await older.end();
    }
    expect(await repacking()).toBe(false);
    expect(await contents()).toEqual(before);
    // Nothing of the interrupted run is left in the way of the next one.
    expect((await reorder().done).code).toBe(0);
    expect(await outOfOrder()).toBe(0);
  });

  it('refuses to start while an interrupted run’s trigger is still on listings, and names the remedy', async () => {
    const su = new Client({ connectionString: pgUrl('superuser', db.name) });
    await su.connect();
    try {
      // What a run killed outright leaves: a trigger of that name on listings (its function does not matter here).
      await su.query(
        `CREATE TRIGGER repack_trigger AFTER INSERT ON listings FOR EACH ROW EXECUTE FUNCTION listings_author_fill()`,
      );
      const res = await reorder().done;
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/interrupted pg_repack run: remove it with `DROP EXTENSION pg_repack CASCADE;/);
    } finally {
      await su.query('DROP TRIGGER IF EXISTS repack_trigger ON listings');
      await su.end();
    }
  });

  it('fails with pg_repack’s reason when the database lacks its extension; the table stays as it was', async () => {
    const before = await contents();
    const su = new Client({ connectionString: pgUrl('superuser', db.name) });
    await su.connect();
    try {
      await su.query('DROP EXTENSION pg_repack');
      const res = await reorder().done;
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
