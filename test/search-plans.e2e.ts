import type { Database, TenantTx } from '@libs/db';
import { parseTenantId } from '@libs/tenancy';
import {
  COUNT_CAP,
  countListings,
  searchListings,
  SearchCursor,
  SearchFilters,
  searchNearestAlone,
} from '@src/listings/listings.search';
import { Client } from 'pg';
import { pgUrl, TEST_PG } from './support/env';
import { categoryId } from './support/factories';
import { connectAsApp, createTestDatabase, TestDatabase } from './support/test-db';

/**
 * Each search shape must be served by an index on a realistic table, not a sequential scan.
 * The SQL is taken from the same functions the API runs, then EXPLAINed as the application role.
 */
describe('search query plans', () => {
  let db: TestDatabase;
  let meylan: string;
  let courses: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    meylan = await db.tenantId('meylan');
    courses = await categoryId(db, 'meylan', 'courses');
    // 40 000 listings over every tenant and category, a tenth of them not public.
    await db.admin.query(`
      INSERT INTO accounts (tenant_id, email, display_name) SELECT id, 'seed@' || slug || '.example', 'Voisin S.' FROM
        tenants;
      INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location,
        public_location, radius_m, status, created_at)
      SELECT a.tenant_id, a.id, CASE WHEN g % 2 = 0 THEN 'offer' ELSE 'request' END, tc.category_id,
             'Annonce ' || g || CASE WHEN g % 97 = 0 THEN ' bricolage' ELSE ' jardinage' END,
             'Description de l''annonce numéro ' || g, 'in_person', p, p, 2000,
             CASE WHEN g % 10 = 0 THEN 'closed' ELSE 'published' END, now() - make_interval(mins => g)
      FROM generate_series(1, 40000) g
      JOIN LATERAL (SELECT tenant_id, id FROM accounts ORDER BY email OFFSET g % 5 LIMIT 1) a ON true
      JOIN LATERAL (SELECT category_id FROM tenant_categories WHERE tenant_id = a.tenant_id ORDER BY position OFFSET g
        % 4 LIMIT 1) tc ON true
      JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(ST_X(c) + (g % 100) * 0.0003, ST_Y(c) + (g % 77) * 0.0003),
        4326)::geography AS p
                    FROM (SELECT ST_Centroid(outline::geometry) AS c FROM tenant_areas WHERE tenant_id = a.tenant_id)
                      x) pt ON true;
      ANALYZE listings; ANALYZE accounts;
    `);
  });
  afterAll(() => db.drop());

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    'Index Cond'?: string;
    Plans?: PlanNode[];
  }
  const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];

  /**
   * The plans PostgreSQL runs for `statement` as the application role, nested statements included (the
   * nearest-first search is a plpgsql function: its plans are those of the statements inside), read with
   * auto_explain. The statement runs a few times first, so that a function's plans are the ones the server
   * connection keeps (plpgsql may switch to a generic plan after five runs).
   */
  async function plansOf(statement: { sql: string; params: unknown[] }): Promise<PlanNode[]> {
    const c = new Client({ connectionString: pgUrl('superuser', db.name) });
    await c.connect();
    const logged: string[] = [];
    c.on('notice', (n) => logged.push(n.message ?? ''));
    try {
      await c.query(`LOAD 'auto_explain'`);
      await c.query(
        `SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; ` +
          `SET auto_explain.log_format = json; SET client_min_messages = log; SET ROLE ${TEST_PG.app.user}`,
      );
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [meylan]);
      for (let run = 0; run < 7; run++) {
        logged.length = 0;
        await c.query(statement.sql, statement.params);
      }
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
    const plans = logged.filter((m) => m.includes('"Plan"')).map((m) => JSON.parse(m.slice(m.indexOf('{'))));
    expect(plans.length).toBeGreaterThan(0);
    return plans.flatMap((p: { Plan: PlanNode }) => flatten(p.Plan));
  }

  /** The indexes the plans read listings through; fails if one reads listings sequentially. */
  async function planOf(build: (tx: TenantTx) => Promise<unknown>): Promise<string[]> {
    const nodes = await plansOf(await captured(build));
    expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'listings')).toEqual([]);
    return nodes
      .filter((n) => n['Relation Name'] === 'listings' || n['Index Name']?.startsWith('listings'))
      .map((n) => n['Index Name'] ?? n['Node Type']);
  }

  /** The statement `build` sends, from a transaction that only records it (rows() goes through its query runner). */
  async function captured(build: (tx: TenantTx) => Promise<unknown>): Promise<{ sql: string; params: unknown[] }> {
    let statement: { sql: string; params: unknown[] } | undefined;
    const capture = {
      tenantId: meylan,
      queryRunner: {
        query: async (sql: string, params: unknown[]) => ((statement = { sql, params }), { records: [] }),
      },
    } as unknown as TenantTx;
    await build(capture);
    return statement!;
  }
  const shape = (f: SearchFilters) => planOf((tx) => searchListings(tx, f, undefined, 21));

  /**
   * `work` on a connection of the application role inside a transaction scoped to Meylan (rolled back), with a
   * TenantTx over it: the search's statements on a real connection under RLS, through the same rows() door.
   */
  async function asApp(work: (c: Awaited<ReturnType<typeof connectAsApp>>, tx: TenantTx) => Promise<void>) {
    const c = await connectAsApp(db);
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [meylan]);
      const tx = {
        tenantId: meylan,
        queryRunner: {
          query: async (sql: string, params: unknown[]) => ({ records: (await c.query(sql, params)).rows }),
        },
      } as unknown as TenantTx;
      await work(c, tx);
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  }

  it('category near a point: one KNN scan of listings_public_category_geo, planned once a connection', async () => {
    const f = { categoryId: courses, near: { lat: 45.21, lng: 5.78 }, radiusM: 2000 };
    expect(await shape(f)).toContain('listings_public_category_geo');
    // The plan app_nearest_listings keeps is the generic one (its conditions name parameters, not this search's
    // values): a pooler that forgets named statements does not make PostgreSQL plan each search again.
    const nodes = await plansOf(await captured((tx) => searchListings(tx, f, undefined, 21)));
    const knn = nodes.filter((n) => n['Index Name'] === 'listings_public_category_geo');
    expect(knn.map((n) => n['Index Cond'])).toEqual(['((tenant_id = $1) AND (category_id = $2))']);
  });

  it("reads only listings: authors' names are on the listing, categories and neighbourhoods from memory", async () => {
    for (const f of [{ categoryId: courses, near: { lat: 45.21, lng: 5.78 }, radiusM: 2000 }, {}, { q: 'jardinage' }]) {
      const nodes = await plansOf(await captured((tx) => searchListings(tx, f, undefined, 21)));
      expect(new Set(nodes.flatMap((n) => n['Relation Name'] ?? []))).toEqual(new Set(['listings']));
    }
  });

  it('pages nearest-first through ties longer than the read headroom, in (distance, id) order', async () => {
    // 30 published listings of one category share one public point: every page ends inside the tie.
    const point = { lat: 45.2101, lng: 5.7801 };
    await db.admin.query(
      `UPDATE listings SET public_location = ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography WHERE id IN (
         SELECT id FROM listings WHERE tenant_id = $1 AND category_id = $2 AND status = 'published' ORDER BY id DESC
         LIMIT 30)`,
      [meylan, courses, point.lng, point.lat],
    );
    await asApp(async (c, tx) => {
      const filters = { categoryId: courses, near: point, radiusM: 2000 };
      const paged: string[] = [];
      let cursor: SearchCursor | undefined;
      for (let page = 0; page < 8; page++) {
        const found = await searchListings(tx, filters, cursor, 5);
        paged.push(...found.map((r) => r.id));
        const last = found[found.length - 1];
        cursor = { o: 'distance', d: last.sortDistance!, id: last.id };
      }
      const { rows: expected } = await c.query<{ id: string }>(
        `SELECT id FROM listings WHERE tenant_id = $1 AND category_id = $2 AND status = 'published' AND expires_at >
           now() ORDER BY public_location <-> ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography, id LIMIT 40`,
        [meylan, courses, point.lng, point.lat],
      );
      expect(paged).toEqual(expected.map((r) => r.id));
    });
  });

  it('the count of a search near a point: the nearest COUNT_CAP + 1 by the KNN index, then the radius', async () => {
    const f = { categoryId: courses, near: { lat: 45.21, lng: 5.78 }, radiusM: 2000 };
    expect(await planOf((tx) => countListings(tx, f))).toContain('listings_public_category_geo');
    await asApp(async (c, tx) => {
      const { rows } = await c.query<{ n: number }>(
        `SELECT least(count(*), $5)::int AS n FROM listings WHERE tenant_id = $1 AND category_id = $2 AND status =
           'published' AND expires_at > now() AND public_location <-> ST_SetSRID(ST_MakePoint($3, $4),
           4326)::geography <= 2000`,
        [meylan, courses, f.near.lng, f.near.lat, COUNT_CAP + 1],
      );
      expect(await countListings(tx, f)).toBe(rows[0].n);
      expect(await countListings(tx, { ...f, radiusM: 50 })).toBeLessThan(rows[0].n);
    });
  });

  it('the first page near a point with its count: one read, the same rows and count as read apart', async () => {
    const f = { categoryId: courses, near: { lat: 45.21, lng: 5.78 }, radiusM: 2000 };
    const tenant = parseTenantId(meylan);
    const beyond = { o: 'distance', d: 1e7, id: '00000000-0000-0000-0000-000000000000' } as const;
    const knnReads = async (cursor?: SearchCursor) => {
      let statement: { sql: string; params: unknown[] } | undefined;
      const recorder = {
        readAlone: async (sql: string, params: unknown[]) => ((statement = { sql, params }), []),
      } as unknown as Database;
      await searchNearestAlone(recorder, tenant, f, cursor, 21, true);
      const nodes = await plansOf(statement!);
      const listingReads = nodes.filter((n) => n['Relation Name'] === 'listings');
      expect(listingReads.map((n) => n['Node Type'])).not.toContain('Seq Scan');
      return nodes.filter((n) => n['Index Name'] === 'listings_public_category_geo').map((n) => n['Index Cond']);
    };
    // The first page and its count: the nearest rows read once (app_nearest_listings_counted).
    expect(await knnReads()).toEqual(['((tenant_id = $1) AND (category_id = $2))']);
    // Past a cursor (the count still the first page's): the count's read, then the page's.
    expect(await knnReads(beyond)).toEqual([
      '((tenant_id = $1) AND (category_id = $2))',
      '((tenant_id = $1) AND (category_id = $2))',
    ]);
    await asApp(async (c, tx) => {
      const db = { readAlone: async (sql: string, params: unknown[]) => (await c.query(sql, params)).rows };
      const alone = db as unknown as Database;
      const counted = await searchNearestAlone(alone, tenant, f, undefined, 21, true);
      const apart = await searchNearestAlone(alone, tenant, f, undefined, 21);
      expect(counted.hits.length).toBe(21);
      expect(counted.hits).toEqual(apart.hits);
      expect(apart.total).toBeUndefined();
      expect(counted.total).toBe(await countListings(tx, f));
      expect(counted.total).toBeGreaterThan(21);
      // Nothing within 2 km of Paris on Meylan's site: no listing, and a count of none.
      const paris = { ...f, near: { lat: 48.8566, lng: 2.3522 } };
      expect(await searchNearestAlone(alone, tenant, paris, undefined, 21, true)).toEqual({ hits: [], total: 0 });
      // Rows the read finds beyond the radius are not sent: only the page's rows cross the wire (a page of 60 reads
      // 64; 16 seeded listings lie within 1,350 m, 46 once the ties test has moved 30 next to the point).
      const sent: unknown[] = [];
      const watched = {
        readAlone: async (sql: string, params: unknown[]) => {
          const rows = (await c.query(sql, params)).rows;
          sent.push(...rows);
          return rows;
        },
      } as unknown as Database;
      const partial = await searchNearestAlone(watched, tenant, { ...f, radiusM: 1350 }, undefined, 60);
      expect(partial.hits.length).toBeGreaterThan(0);
      expect(partial.hits.length).toBeLessThan(60);
      expect(sent.length).toBe(partial.hits.length);
      // The same with its count: the one read sends the page's rows only, each with the count.
      sent.length = 0;
      const counted1350 = await searchNearestAlone(watched, tenant, { ...f, radiusM: 1350 }, undefined, 60, true);
      expect(counted1350.hits).toEqual(partial.hits);
      expect(sent.length).toBe(partial.hits.length);
      expect(counted1350.total).toBe(await countListings(tx, { ...f, radiusM: 1350 }));
      // A full read (the page and headroom for ties): only a page's worth of rows come written as JSON, in every read
      // (the ties moved next to the point can make the first too short: read again with more headroom), first page or
      // past a cursor, with its count or without.
      const reads: Array<Array<{ id: string | null; json: string | null }>> = [];
      const perRead = {
        readAlone: async (sql: string, params: unknown[]) => {
          const rows = (await c.query(sql, params)).rows;
          reads.push(rows);
          return rows;
        },
      } as unknown as Database;
      const tenth = apart.hits[9];
      for (const cursor of [undefined, { o: 'distance', d: tenth.sortDistance!, id: tenth.id } as const]) {
        for (const withCount of [false, true]) {
          reads.length = 0;
          const page = await searchNearestAlone(perRead, tenant, f, cursor, 21, withCount);
          expect(page.hits.length).toBe(21);
          if (cursor) expect(page.hits[0].id).toBe(apart.hits[10].id);
          const written = reads.map((rows) => rows.filter((r) => r.id !== null && r.json !== null).map((r) => r.id));
          for (const [i, rows] of reads.entries()) {
            expect(rows.filter((r) => r.id !== null).length).toBeGreaterThan(21);
            expect(written[i].length).toBeLessThanOrEqual(21);
          }
          // The page comes from the last read (a first read cut inside the tie holds some of the tied rows only).
          expect(written[written.length - 1].sort()).toEqual(page.hits.map((h) => h.id).sort());
        }
      }
      // The function itself: the nearest p_read rows within the radius (none beyond it), the count up to p_cap.
      const { rows: five } = await c.query<{ id: string; total: number }>(
        `SELECT id, total FROM app_nearest_listings_counted($1, $2, NULL, ARRAY['offer', 'request'], $3, $4, NULL, 5,
           $5)`,
        [meylan, courses, f.near.lng, f.near.lat, COUNT_CAP + 1],
      );
      expect(five.map((r) => r.total)).toEqual(Array(5).fill(COUNT_CAP + 1));
      // A cursor beyond every listing: the page reads no row, and the count still comes (on a row without a listing).
      expect(await searchNearestAlone(alone, tenant, f, beyond, 21, true)).toEqual({ hits: [], total: counted.total });
      // A page longer than the count's cap (no radius: every listing of the category): the read covers the page, the
      // count stops at its cap.
      const everywhere = { categoryId: courses, near: f.near };
      const long = await searchNearestAlone(alone, tenant, everywhere, undefined, COUNT_CAP + 10, true);
      expect(long.hits.length).toBe(COUNT_CAP + 10);
      expect(long.hits).toEqual((await searchNearestAlone(alone, tenant, everywhere, undefined, COUNT_CAP + 10)).hits);
      expect(long.total).toBe(COUNT_CAP + 1);
      expect(long.total).toBe(await countListings(tx, everywhere));
    });
  });

  it('near a point in any category: listings_public_geo', async () => {
    expect(await shape({ near: { lat: 45.21, lng: 5.78 } })).toContain('listings_public_geo');
  });

  it('newest first: listings_public_recent', async () => {
    expect(await shape({ kind: 'offer' })).toContain('listings_public_recent');
  });

  /**
   * The plans of an owner function's statements (a SQL body, or each RETURN QUERY of a PL/pgSQL one); it runs as the
   * owner, so RLS does not hide its operators.
   */
  async function functionPlans(name: string, args: unknown[]): Promise<string[][]> {
    const { rows } = await db.admin.query(`SELECT prosrc, proargnames FROM pg_proc WHERE proname = $1`, [name]);
    const names: string[] = rows[0].proargnames;
    const body = rows[0].prosrc as string;
    const statements = body.includes('RETURN QUERY')
      ? [...body.matchAll(/RETURN QUERY (SELECT[\s\S]*?);/g)].map((m) => m[1])
      : [body];
    const c = await db.admin.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [meylan]);
      const plans: string[][] = [];
      for (const statement of statements) {
        const sql = names.reduce((acc, arg, i) => acc.replace(new RegExp(`\\b${arg}\\b`, 'g'), `$${i + 1}`), statement);
        const { rows: plan } = await c.query(`EXPLAIN (FORMAT JSON) ${sql}`, args);
        plans.push(flatten(plan[0]['QUERY PLAN'][0].Plan).map((n) => n['Index Name'] ?? n['Node Type']));
      }
      return plans;
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  }

  it("text: the tenant's words, then its titles' trigrams only when no word matched; rows by primary key", async () => {
    expect(await shape({ q: 'bricolage' })).toContain('listings_pkey');
    const [words, trigrams] = await functionPlans('app_listing_text_matches', ['bricolage']);
    expect(words).toContain('listings_public_tenant_search');
    expect(trigrams).toContain('listings_public_tenant_title_trgm');
    expect([...words, ...trigrams]).not.toContain('Seq Scan');
  });

  it('newest first in a category: listings_public_category_recent', async () => {
    expect(await shape({ categoryId: courses })).toContain('listings_public_category_recent');
  });
});
