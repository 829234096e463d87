import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { Pool, PoolClient } from 'pg';
import { reorderListings } from '@src/listings/listings-reorder';

/**
 * Seeding for the search benchmark, set-based and run as the owner role (it bypasses RLS).
 * Tenants beyond the synced five are copies of Grenoble and Lyon, their outlines shifted
 * apart; listings sit in the neighbourhoods of their tenant, so each commune is dense. Only open
 * tenants count: dormant communes (communes:import) have no listings.
 */
const TENANT_SOURCES = ['grenoble', 'lyon'];
const LISTINGS_PER_AUTHOR = 50;
const CHUNK = 50_000;
/** Same grid as libs/geo/fuzz.ts (FUZZ_STEP_DEG); the in-cell spot is random instead of hashed. */
const FUZZ_STEP_DEG = 0.0018;

async function addBenchTenants(pool: Pool, total: number): Promise<void> {
  await inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenants WHERE status = 'open'`);
    const missing = total - rows[0].n;
    if (missing <= 0) return;
    // Copy k takes source k % 2 and a cell (col, row) of a grid of 0.2° × 0.15° steps:
    // row starts at 1, so no copy overlaps its source, and no two copies share a cell.
    await c.query(
      `CREATE TEMP TABLE bench_copies ON COMMIT DROP AS
       SELECT k, src.id AS source_id, gen_random_uuid() AS id, format('bench%s', lpad(k::text, 2, '0')) AS slug,
              0.2 * ((k / 2) % 6) AS dx, 0.15 * ((k / 2) / 6 + 1) AS dy
       FROM generate_series(1, $1::int) k
       JOIN tenants src ON src.slug = ($2::text[])[1 + k % 2]`,
      [missing, TENANT_SOURCES],
    );
    await c.query(`
      INSERT INTO tenants (id, slug, federation_id, name, site_name, settings)
        SELECT b.id, b.slug, t.federation_id, t.name || ' (banc ' || b.k || ')', t.site_name, t.settings
        FROM bench_copies b JOIN tenants t ON t.id = b.source_id;
      INSERT INTO tenant_domains (tenant_id, domain, is_primary) SELECT id, slug || '.localhost', true FROM
        bench_copies;
      INSERT INTO tenant_areas (tenant_id, outline, note)
        SELECT b.id, ST_Translate(a.outline::geometry, b.dx, b.dy)::geography, 'benchmark copy'
        FROM bench_copies b JOIN tenant_areas a ON a.tenant_id = b.source_id;
      INSERT INTO neighbourhoods (tenant_id, slug, name, outline, position)
        SELECT b.id, n.slug, n.name, ST_Translate(n.outline::geometry, b.dx, b.dy)::geography, n.position
        FROM bench_copies b JOIN neighbourhoods n ON n.tenant_id = b.source_id;
      INSERT INTO tenant_categories (tenant_id, category_id, enabled, position)
        SELECT b.id, tc.category_id, tc.enabled, tc.position
        FROM bench_copies b JOIN tenant_categories tc ON tc.tenant_id = b.source_id;
    `);
  });
}

export interface SeedReport {
  seconds: number;
  phases: Array<[string, number]>;
  /** PostgreSQL's buffers as the sides run on them (postgresMemory). */
  memory: string;
}

/**
 * `tenants` tenants in all, then `count` published listings spread evenly over them, one
 * author per ~50 listings. The listings indexes are dropped around the bulk insert and
 * rebuilt from the definitions PostgreSQL reports (pg_get_indexdef, i.e. the migration's):
 * building them once, two at a time, beats maintaining the GiST and GIN indexes row by row
 * (300,000 rows on 2 cores: 35 s into the indexed table; 12 s, then 9 s of index builds).
 *
 * The rows are written in the order a platform receives them (communes interleaved); with `reorderUrl` (a superuser
 * connection), `listings:reorder` then rewrites them in search order, as its nightly run leaves a platform.
 */
export async function seedSearchData(
  ownerUrl: string,
  tenants: number,
  count: number,
  log: (line: string) => void,
  opts: { reorderUrl?: string } = {},
): Promise<SeedReport> {
  const parallel = Math.max(2, cpus().length);
  const pool = new Pool({
    connectionString: ownerUrl,
    max: parallel,
    application_name: 'entraide-bench-seed',
    options: '-c synchronous_commit=off -c maintenance_work_mem=512MB -c work_mem=64MB',
  });
  const phases: Array<[string, number]> = [];
  const started = process.hrtime.bigint();
  const phase = async (name: string, work: () => Promise<unknown>) => {
    const t0 = process.hrtime.bigint();
    await work();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    phases.push([name, s]);
    log(`  ${name}: ${s.toFixed(1)} s`);
  };
  try {
    await phase(`${tenants} tenants`, () => addBenchTenants(pool, tenants));
    await phase('lookup tables and authors', () => prepareLookups(pool, count));
    const { rows: indexes } = await pool.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
       WHERE schemaname = 'public' AND tablename = 'listings' AND indexname <> 'listings_pkey' ORDER BY indexname`,
    );
    await pool.query(indexes.map((i) => `DROP INDEX ${i.name};`).join('\n'));
    try {
      const chunks: Array<[number, number]> = [];
      for (let lo = 1; lo <= count; lo += CHUNK) chunks.push([lo, Math.min(count, lo + CHUNK - 1)]);
      let done = 0;
      await phase(`insert ${count.toLocaleString('en')} listings (${parallel} connections)`, () =>
        inParallel(chunks, parallel, async ([lo, hi]) => {
          await pool.query(INSERT_LISTINGS, [lo, hi]);
          done += hi - lo + 1;
          if (chunks.length > 4 && done % (CHUNK * 4) === 0) log(`    ${done.toLocaleString('en')} rows`);
        }),
      );
    } finally {
      // Rebuilt even when the insert failed, so a kept database still has its indexes.
      await phase(`rebuild ${indexes.length} listings indexes`, () =>
        inParallel(indexes, parallel, (i) => pool.query(i.def)),
      );
    }
    const { rows: seeded } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM listings WHERE status = 'published'`,
    );
    if (seeded[0].n !== count)
      throw new Error(`seeding produced ${seeded[0].n} published listings instead of ${count}`);
    await phase('drop lookup tables, VACUUM ANALYZE', async () => {
      await pool.query(`DROP TABLE bench_tenants, bench_categories, bench_neighbourhoods, bench_authors`);
      await pool.query(`VACUUM (ANALYZE) listings`);
      await pool.query(`VACUUM (ANALYZE) accounts`);
      await pool.query(`ANALYZE`);
    });
    const reorderUrl = opts.reorderUrl;
    if (reorderUrl) await phase('listings in search order (listings:reorder)', () => reorderListings(reorderUrl));
    await phase('listings, authors and map cells into shared_buffers (pg_prewarm)', () => prewarm(pool, log));
    const memory = await postgresMemory(pool);
    log(`  PostgreSQL: ${memory}`);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, phases, memory };
  } finally {
    await pool.end();
  }
}

/**
 * A freshly seeded table is in the kernel's page cache, not in PostgreSQL's buffers: the sides measured first would
 * pay a read for every buffer they touch and the later ones not (at 1,000,000 listings, the same SQL through the
 * pooler measured last answered 1.75 times as fast as directly, first). Loading the tables the searches and the map
 * read, and their indexes, measures every side as a site that has been running does. Needs the pg_prewarm extension
 * (scripts/services.sh creates it); without it, the run goes on with a warning.
 */
export async function prewarm(pool: Pool, log: (line: string) => void): Promise<void> {
  const { rows } = await pool.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_prewarm') AS ok`,
  );
  if (!rows[0].ok) {
    log('  WARNING: no pg_prewarm extension (run scripts/services.sh): the first sides measured read from disk cache');
    return;
  }
  await pool.query(`
    SELECT pg_prewarm(c.oid) FROM pg_class c
    WHERE c.oid IN ('listings'::regclass, 'accounts'::regclass, 'listing_map_cells'::regclass)
       OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('listings'::regclass, 'accounts'::regclass,
            'listing_map_cells'::regclass))`);
}

/**
 * shared_buffers, and whether the server maps them in huge pages (read from a backend's /proc maps, which the bench
 * can read when it runs as root or as the postgres user): at a million listings, searches on 4 kB pages cost
 * PostgreSQL about twice the CPU on the machines measured (docs/OPERATIONS.md, scripts/services.d/40-huge-pages.sh).
 */
export async function postgresMemory(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ buffers: string; pid: number }>(
    `SELECT current_setting('shared_buffers') AS buffers, pg_backend_pid() AS pid`,
  );
  const maps = await readFile(`/proc/${rows[0].pid}/maps`, 'utf8').catch(() => undefined);
  const pages =
    maps === undefined ? 'pages unknown' : maps.includes('anon_hugepage') ? 'in huge pages' : 'in 4 kB pages';
  return `shared_buffers ${rows[0].buffers}, ${pages}`;
}

/** Numbered tenants, categories, neighbourhoods and authors, so the insert picks them by joins on integers. */
async function prepareLookups(pool: Pool, count: number): Promise<void> {
  await pool.query(`
    CREATE TABLE bench_tenants AS
      SELECT (row_number() OVER (ORDER BY t.slug))::int - 1 AS idx, t.id, t.slug,
             (SELECT count(*) FROM tenant_categories tc WHERE tc.tenant_id = t.id AND tc.enabled)::int AS ncat,
             (SELECT count(*) FROM neighbourhoods n WHERE n.tenant_id = t.id)::int AS nnb,
             0 AS nauthors
      FROM tenants t WHERE t.status = 'open';
    CREATE TABLE bench_categories AS
      SELECT b.idx AS tidx, (row_number() OVER (PARTITION BY b.idx ORDER BY tc.position, c.slug))::int - 1 AS idx,
             c.id AS category_id, c.remote
      FROM bench_tenants b JOIN tenant_categories tc ON tc.tenant_id = b.id AND tc.enabled JOIN categories c ON c.id =
        tc.category_id;
    CREATE TABLE bench_neighbourhoods AS
      SELECT b.idx AS tidx, (row_number() OVER (PARTITION BY b.idx ORDER BY n.slug))::int - 1 AS idx, n.id, n.name,
             ST_XMin(e) AS min_lng, ST_YMin(e) AS min_lat, ST_XMax(e) AS max_lng, ST_YMax(e) AS max_lat
      FROM bench_tenants b JOIN neighbourhoods n ON n.tenant_id = b.id
      CROSS JOIN LATERAL (SELECT ST_Envelope(n.outline::geometry) AS e) env;
  `);
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_tenants`);
  const perTenant = Math.ceil(count / rows[0].n);
  await pool.query(`UPDATE bench_tenants SET nauthors = $1`, [Math.max(1, Math.ceil(perTenant / LISTINGS_PER_AUTHOR))]);
  await pool.query(`
    INSERT INTO accounts (tenant_id, email, email_verified_at, display_name, terms_accepted_at, created_at)
      SELECT b.id, format('voisin%s@%s.example', a, b.slug), now(), (${sqlArray(FIRST_NAMES)})[1 + a %
        ${FIRST_NAMES.length}] || ' ' || chr(65 + a % 26) || '.',
             now(), now() - interval '90 days'
      FROM bench_tenants b CROSS JOIN LATERAL generate_series(0, b.nauthors - 1) a;
    CREATE TABLE bench_authors AS
      SELECT b.idx AS tidx, substring(a.email FROM '^voisin([0-9]+)@')::int AS idx, a.id
      FROM accounts a JOIN bench_tenants b ON b.id = a.tenant_id WHERE a.email LIKE 'voisin%@%.example';
    CREATE INDEX ON bench_authors (tidx, idx);
    ANALYZE bench_tenants, bench_categories, bench_neighbourhoods, bench_authors;
  `);
}

const FIRST_NAMES = [
  'Camille',
  'Louis',
  'Nadia',
  'Hugo',
  'Chantal',
  'Karim',
  'Léa',
  'Bernard',
  'Inès',
  'Yves',
  'Sophie',
  'Mamadou',
  'Jeanne',
  'Paul',
  'Fatima',
  'Marc',
];
const OFFER_OPENINGS = ['Je propose', 'Disponible pour', 'Je peux aider :', 'Coup de main :'];
const REQUEST_OPENINGS = ['Cherche de l’aide :', 'Besoin d’un coup de main :', 'Qui pourrait m’aider ?', 'Demande :'];
const ACTIVITIES = [
  'courses du samedi',
  'monter un meuble',
  'promener le chien',
  'aide aux devoirs de maths',
  'arroser les plantes',
  'accompagner chez le médecin',
  'réparer un vélo',
  'porter des cartons',
  'garder un chat',
  'lecture à voix haute',
  'conversation en anglais',
  'changer une ampoule',
  'tondre la pelouse',
  'trajet vers la gare',
  'recette de gâteau',
  'démarches administratives',
  'installer une imprimante',
  'cours de tricot',
  'déménagement léger',
  'visite de courtoisie',
];
const DETAILS = [
  'Plutôt en fin de journée, en semaine.',
  'Le week-end de préférence.',
  'Une heure environ, quand cela vous arrange.',
  'Je suis à la retraite et souvent disponible.',
  'Pas de matériel à prévoir.',
  'Merci d’avance pour votre aide !',
];

function sqlArray(items: string[]): string {
  return `ARRAY[${items.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')}]::text[]`;
}

/**
 * Rows $1..$2. Tenant = g mod #tenants; category and neighbourhood drawn at random in the
 * tenant; the point leans to the neighbourhood's middle (mean of two uniforms); the public
 * point is the ~200 m cell of the point with a random spot inside, like fuzzPoint().
 */
const INSERT_LISTINGS = `
  INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location, public_location,
                        neighbourhood_id, radius_m, status, created_at, updated_at, published_at, expires_at)
  SELECT t.id, a.id, s.kind, c.category_id,
         CASE s.kind WHEN 'offer' THEN (${sqlArray(OFFER_OPENINGS)})[1 + s.g % ${OFFER_OPENINGS.length}]
                     ELSE (${sqlArray(REQUEST_OPENINGS)})[1 + s.g % ${REQUEST_OPENINGS.length}] END
           || ' ' || (${sqlArray(ACTIVITIES)})[1 + floor(s.r_text * ${ACTIVITIES.length})::int],
         'Quartier ' || n.name || '. ' || (${sqlArray(DETAILS)})[1 + s.g % ${DETAILS.length}]
           || ' Annonce n° ' || s.g || '.',
         m.mode, ST_SetSRID(ST_MakePoint(xy.lng, xy.lat), 4326)::geography,
         ST_SetSRID(ST_MakePoint(floor(xy.lng / cell.step_lng) * cell.step_lng + (0.15 + 0.7 * s.r_fx) * cell.step_lng,
                                 cell.lat0 + (0.15 + 0.7 * s.r_fy) * ${FUZZ_STEP_DEG}), 4326)::geography,
         n.id, CASE WHEN m.mode = 'remote' THEN NULL ELSE (ARRAY[500, 1000, 2000, 2000, 3000, 5000])[1 + s.g % 6] END,
         'published', s.created, s.created, s.created, s.created + interval '60 days'
  FROM (
    SELECT g, g % (SELECT count(*) FROM bench_tenants)::int AS tidx,
           CASE WHEN random() < 0.55 THEN 'offer' ELSE 'request' END AS kind,
           random() AS r_cat, random() AS r_nb, random() AS r_text, random() AS r_mode,
           random() AS r_x1, random() AS r_x2, random() AS r_y1, random() AS r_y2, random() AS r_fx, random() AS r_fy,
           now() - random() * interval '55 days' AS created
    FROM generate_series($1::int, $2::int) g
  ) s
  JOIN bench_tenants t ON t.idx = s.tidx
  JOIN bench_categories c ON c.tidx = s.tidx AND c.idx = floor(s.r_cat * t.ncat)::int
  JOIN bench_neighbourhoods n ON n.tidx = s.tidx AND n.idx = floor(s.r_nb * t.nnb)::int
  JOIN bench_authors a ON a.tidx = s.tidx AND a.idx = (s.g / (SELECT count(*) FROM bench_tenants)::int) % t.nauthors
  CROSS JOIN LATERAL (SELECT n.min_lng + (n.max_lng - n.min_lng) * (s.r_x1 + s.r_x2) / 2 AS lng,
                             n.min_lat + (n.max_lat - n.min_lat) * (s.r_y1 + s.r_y2) / 2 AS lat) xy
  CROSS JOIN LATERAL (SELECT floor(xy.lat / ${FUZZ_STEP_DEG}) * ${FUZZ_STEP_DEG} AS lat0,
                             ${FUZZ_STEP_DEG} / cos(radians(floor(xy.lat / ${FUZZ_STEP_DEG}) * ${FUZZ_STEP_DEG} +
                               ${FUZZ_STEP_DEG / 2})) AS step_lng) cell
  CROSS JOIN LATERAL (SELECT CASE WHEN c.remote THEN 'remote' WHEN s.r_mode < 0.75 THEN 'in_person' WHEN s.r_mode <
    0.95 THEN 'both' ELSE 'remote' END AS mode) m`;

async function inTransaction(pool: Pool, work: (c: PoolClient) => Promise<void>): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await work(c);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** Runs `work` over `items` with at most `width` at a time; the first failure is rethrown after the others settle. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: Error | undefined;
  const lane = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      await work(item).catch((err: Error) => (failure ??= err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  if (failure !== undefined) throw failure;
}
