import { type Database, preparedRows, type TenantTx } from '@libs/db';
import type { TenantId } from '@libs/tenancy';
import { LatLng, pointSql } from '@libs/geo';

/**
 * The SQL of public search, in one place. Every shape reads only published rows, through
 * a partial index (migration 1732300003000):
 *   near P [+ category C]  → KNN `public_location <-> P`  listings_public_category_geo / listings_public_geo,
 *                            in app_nearest_listings() (migration 1732300033000: plans kept by the server
 *                            connection, also behind a pooler); the first page with its count in one read
 *                            (app_nearest_listings_counted, migration 1732300034000); with words, the same read in SQL
 *   newest first           → (tenant_id, created_at DESC, id DESC)  listings_public_recent
 *     in a category        → (tenant_id, category_id, created_at DESC, id DESC)  listings_public_category_recent
 *   q (text)               → app_listing_text_matches(): `search @@ query`, or when no word matches
 *                            the title's trigrams, listings_public_tenant_search then
 *                            listings_public_tenant_title_trgm (GIN led by tenant_id), then listings_pkey
 *   the map                → listings.map.ts
 * Text lookups go through owner functions because RLS forbids non-leakproof
 * operators as index conditions (see migration). Distances are measured on the public
 * (fuzzed) point, never on the private location, on the sphere as the KNN index orders them (`<->`), and the
 * radius on that same distance. A hit's author name is read from the listing (author_name, kept by triggers:
 * migration 1732300035000), not joined from accounts.
 */
export interface SearchFilters {
  kind?: 'offer' | 'request';
  categoryId?: string;
  neighbourhoodId?: string;
  q?: string;
  near?: LatLng;
  radiusM?: number;
}

export type SearchCursor =
  | { o: 'distance'; d: number; id: string }
  | { o: 'rank'; r: number; id: string }
  | { o: 'recent'; t: string; id: string };

/** A public listing read on its own (LISTING_VIEW_COLUMNS): a search reads hits instead (SearchHit). */
export interface ListingViewRow {
  id: string;
  kind: 'offer' | 'request';
  title: string;
  description: string;
  mode: string;
  category: { id: string; slug: string; name: string };
  neighbourhood: { id: string; slug: string; name: string } | null;
  publicLocation: LatLng;
  authorName: string;
  /** The author is a resident relayed by the town hall (no e-mail; answers come from the staff). */
  relayed: boolean;
  createdAt: Date;
  expiresAt: Date;
}

export const LISTING_VIEW_COLUMNS = `
  l.id, l.kind, l.title, l.description, l.mode, l.created_at AS "createdAt", l.expires_at AS "expiresAt",
  json_build_object('id', c.id, 'slug', c.slug, 'name', c.name) AS category,
  CASE WHEN n.id IS NULL THEN NULL ELSE json_build_object('id', n.id, 'slug', n.slug, 'name', n.name) END AS
    neighbourhood,
  json_build_object('lat', ST_Y(l.public_location::geometry), 'lng', ST_X(l.public_location::geometry)) AS
    "publicLocation",
  l.author_name AS "authorName", l.author_relayed AS relayed`;

/**
 * A public listing as search reads it: the public fields PostgreSQL writes as one JSON object (`json`, see hitJson),
 * and what the page is cut and named by: its category and neighbourhood by id only, named by the caller from the
 * tenant's catalogue in memory (ListingsService), and its sort key. Joining them cost every search a scan of the
 * neighbourhoods of every commune (a few hundred rows, growing with the platform) and three JSON objects a row.
 */
export interface SearchHit {
  id: string;
  categoryId: string;
  neighbourhoodId: string | null;
  /** `{"id":…,"kind":…,"title":…,"description":…,"mode":…,"publicLocation":…,"author":…,"relayed":…,…}` */
  json: string;
  sortDistance?: number;
  sortRank?: number;
  sortTime?: string;
}

/**
 * A timestamp as JSON.stringify writes a Date (UTC, milliseconds, truncated as postgres-date truncates them): at 20
 * rows a page, parsing two Dates a row and serialising them back was a tenth of the API's CPU per search.
 */
const isoTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The fields hitJson writes, named as app_nearest_listings names its columns. */
const HIT_FIELDS = [
  'id',
  'kind',
  'title',
  'description',
  'mode',
  'lat',
  'lng',
  'authorName',
  'relayed',
  'createdAt',
  'expiresAt',
] as const;
/** hitJson's fields as SQL expressions over the row a search reads. */
type HitSource = Record<(typeof HIT_FIELDS)[number], string>;

/**
 * A hit's public fields as PostgreSQL writes them, one JSON object a row: `row_to_json` of a search_item row (migration
 * 1732300036000: its fields' names are the keys; no spaces, strings escaped as JSON.stringify escapes them, numbers in
 * their shortest exact form, timestamps as isoTime). At 20 rows a page, each field a value of its own in the wire
 * protocol, then a JavaScript object, then JSON again cost the API 87,000 instructions an item (50,000 since:
 * docs/PERFORMANCE.md). The caller adds the category, the neighbourhood and the distance.
 */
function hitJson(c: HitSource): string {
  return `row_to_json(ROW(${c.id}, ${c.kind}, ${c.title}, ${c.description}, ${c.mode},
    ROW(${c.lat}, ${c.lng})::search_item_location, ROW(${c.authorName})::search_item_author, ${c.relayed},
    ${isoTime(c.createdAt)}, ${isoTime(c.expiresAt)})::search_item)::text`;
}

/** A hit read from the listings table itself. */
const HIT_COLUMNS = `l.id, l.category_id AS "categoryId", l.neighbourhood_id AS "neighbourhoodId",
  ${hitJson({
    id: 'l.id',
    kind: 'l.kind',
    title: 'l.title',
    description: 'l.description',
    mode: 'l.mode',
    lat: 'ST_Y(l.public_location::geometry)',
    lng: 'ST_X(l.public_location::geometry)',
    authorName: 'l.author_name',
    relayed: 'l.author_relayed',
    createdAt: 'l.created_at',
    expiresAt: 'l.expires_at',
  })} AS json`;

export const LISTING_VIEW_JOINS = `
  JOIN categories c ON c.id = l.category_id
  LEFT JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND n.id = l.neighbourhood_id`;

/**
 * What every public search and its count start from: the tenant's published, unexpired listings
 * matching the filters, and the statement's parameters so far (`p` adds one; `text` is the words'
 * parameter, for ranking).
 */
function publicListings(tx: { tenantId: TenantId }, f: SearchFilters) {
  const params: unknown[] = [tx.tenantId];
  const p = (v: unknown) => `$${params.push(v)}`;
  const where = [`l.tenant_id = $1`, `l.status = 'published'`, `l.expires_at > now()`];
  if (f.kind) where.push(`l.kind = ${p(f.kind)}`);
  if (f.categoryId) where.push(`l.category_id = ${p(f.categoryId)}`);
  if (f.neighbourhoodId) where.push(`l.neighbourhood_id = ${p(f.neighbourhoodId)}`);
  const text = f.q ? p(f.q) : undefined;
  if (text) where.push(`l.id = ANY(ARRAY(SELECT app_listing_text_matches(${text})))`);
  return { params, p, where, text };
}

/**
 * Rows the nearest-first query reads beyond the page, for ties on the page's last distance (the
 * index orders by distance alone; the page by distance then id). Fuzzed points rarely share a
 * distance, so a few suffice; when they do not (the read is full and its farthest row could still
 * belong to the page), the query runs again with KNN_HEADROOM_RETRY. Each row read is a heap page: at a
 * million listings they are what a search costs, so the page reads 25 rows, not 71.
 */
const KNN_HEADROOM = 4;
const KNN_HEADROOM_RETRY = 500;

export async function searchListings(
  tx: TenantTx,
  f: SearchFilters,
  cursor: SearchCursor | undefined,
  limit: number,
): Promise<SearchHit[]> {
  if (f.near) {
    const read: NearestReader = {
      tenantId: tx.tenantId,
      rows: (sql, params) => preparedRows<NearestRow>(tx, sql, params),
    };
    return (await nearest(read, { ...f, near: f.near }, cursor, limit)).hits;
  }
  const { params, p, where, text: q } = publicListings(tx, f);
  const query = q
    ? `(ts_rank(l.search, websearch_to_tsquery('french_unaccent', ${q}))::float8 + ` +
      `similarity(immutable_unaccent(lower(l.title)), immutable_unaccent(lower(${q})))::float8)`
    : '';

  let order: string;
  let extra = '';
  if (f.q) {
    if (cursor?.o === 'rank')
      where.push(
        `(${query} < ${p(cursor.r)}::float8 OR (${query} = $${params.length}::float8 AND l.id > ` +
          `${p(cursor.id)}::uuid))`,
      );
    extra = `, ${query} AS "sortRank"`;
    order = `${query} DESC, l.id`;
  } else {
    if (cursor?.o === 'recent')
      where.push(`(l.created_at, l.id) < (${p(cursor.t)}::timestamptz, ${p(cursor.id)}::uuid)`);
    extra = `, l.created_at::text AS "sortTime"`;
    order = `l.created_at DESC, l.id DESC`;
  }

  return preparedRows<SearchHit>(
    tx,
    `SELECT ${HIT_COLUMNS}${extra}
     FROM listings l
     WHERE ${where.join(' AND ')}
     ORDER BY ${order}
     LIMIT ${p(limit)}`,
    params,
  );
}

/**
 * Counts above this are told as "more than": a count reads a heap page for each row it counts, so
 * it stops here whatever the size of the commune (a count up to 1,000 took 77 ms a page at a
 * million listings).
 */
export const COUNT_CAP = 100;

/**
 * How many public listings match the filters (the results page announces it), at most COUNT_CAP + 1.
 * Same filters as searchListings; `near` counts only within `radiusM` (all of them without it),
 * among the nearest COUNT_CAP + 1 rows read by the KNN index, as the search reads them (under RLS
 * the radius cannot be an index condition).
 */
export async function countListings(tx: TenantTx, f: SearchFilters): Promise<number> {
  if (f.near && !f.q) {
    const [r] = await preparedRows<{ n: number }>(tx, NEAREST_COUNT, nearestCountParams(tx.tenantId, f, f.near));
    return r?.n ?? 0;
  }
  const { params, p, where } = publicListings(tx, f);
  let sql: string;
  if (f.near) {
    const distance = `l.public_location <-> ${pointSql(p(f.near.lng), p(f.near.lat))}`;
    const within = f.radiusM ? `WHERE nearest.d <= ${p(f.radiusM)}` : '';
    sql =
      `SELECT count(*)::int AS n FROM (SELECT ${distance} AS d FROM listings l WHERE ${where.join(' AND ')} ` +
      `ORDER BY ${distance} LIMIT ${p(COUNT_CAP + 1)}) nearest ${within}`;
  } else {
    sql =
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM listings l WHERE ${where.join(' AND ')} ` +
      `LIMIT ${p(COUNT_CAP + 1)}) x`;
  }
  const [r] = await preparedRows<{ n: number }>(tx, sql, params);
  return r?.n ?? 0;
}

/**
 * A row of the nearest-first read: a hit, its distance and whether it lies within the radius; its JSON only when it is
 * one of the page's rows (nearestColumns).
 */
type NearestRow = Omit<SearchHit, 'json'> & { json: string | null; sortDistance: number; inRadius: boolean };
type Near = SearchFilters & { near: LatLng };

/** The filters of app_nearest_listings and app_nearest_listings_count, in their order (migration 1732300033000). */
const NEAREST_FILTERS = `$1::uuid, $2::uuid, $3::uuid, $4::text[], $5::float8, $6::float8`;
const BOTH_KINDS = ['offer', 'request'];
function nearestFilters(tenantId: TenantId, f: Near): unknown[] {
  const kinds = f.kind ? [f.kind] : BOTH_KINDS;
  return [tenantId, f.categoryId ?? null, f.neighbourhoodId ?? null, kinds, f.near.lng, f.near.lat];
}

/** Where a nearest-first page is cut: its size, and the id of the cursor's row (at the read's distance `after`). */
interface PageCut {
  size: number;
  cursorId: string | null;
}

/**
 * The columns of app_nearest_listings' rows as hits, the JSON written (hitJson: the function's output columns bear its
 * field names) for the page's rows only: the first `size` rows past the cursor (`cursorId`, at the distance `after`:
 * a read starts at the cursor's distance, ties included) in the page's order, distance then id (nearestFirst). The
 * rows read beyond them, headroom for ties (KNN_HEADROOM, KNN_HEADROOM_RETRY), come without: at a million listings
 * every read is full, and 4 of the 25 rows a page of 20 reads were written as JSON, sent and decoded for nothing.
 */
function nearestColumns(size: string, after: string, cursorId: string | null): string {
  const past = cursorId ? `(l."sortDistance" > ${after} OR l.id > ${cursorId}::uuid) IS NOT FALSE` : 'true';
  const json = hitJson(Object.fromEntries(HIT_FIELDS.map((f) => [f, `l."${f}"`])) as HitSource);
  return `l.id, l."categoryId", l."neighbourhoodId", l."sortDistance", l."inRadius",
    CASE WHEN ${past} AND row_number() OVER (ORDER BY ${past} DESC, l."sortDistance", l.id) <= ${size}
      THEN ${json} END AS json`;
}

/** The nearest rows within the radius from a distance (`$7`), the JSON of the page (`$10` rows past `$11`) only. */
const NEAREST_IN_RADIUS = `SELECT ${nearestColumns('$10::int', '$7::float8', '$11')}
  FROM app_nearest_listings(${NEAREST_FILTERS}, $7::float8, $8::float8, $9::int) l WHERE l."inRadius"`;

/** The count of app_nearest_listings_count, capped at COUNT_CAP + 1. */
const NEAREST_COUNT = `SELECT app_nearest_listings_count(${NEAREST_FILTERS}, $7::float8, $8::int) AS n`;
function nearestCountParams(tenantId: TenantId, f: SearchFilters, near: LatLng): unknown[] {
  return [...nearestFilters(tenantId, { ...f, near }), f.radiusM ?? null, COUNT_CAP + 1];
}

/**
 * The nearest `count` rows at or beyond the cursor's distance, in no particular order. Without words, a call of
 * app_nearest_listings: PostgreSQL keeps its plans in the server connection, so a search through a pooler that
 * forgets named statements is not planned again each time, and only the rows within the radius are sent; with words,
 * the same read in SQL (text matches first), every row read sent with its `inRadius`.
 */
function nearestRows(read: NearestReader, f: Near, after: number, count: number, cut: PageCut): Promise<NearestRow[]> {
  if (!f.q) {
    // Rows beyond the radius are read (the KNN read cannot stop at it) but never sent: no page can hold them, and a
    // read that sends fewer rows than it was allowed has reached the radius or the end, as readTooShort expects.
    const params = [...nearestFilters(read.tenantId, f), after, f.radiusM ?? null, count, cut.size, cut.cursorId];
    return read.rows(NEAREST_IN_RADIUS, params);
  }
  const { params, p, where } = publicListings(read, f);
  const point = pointSql(p(f.near.lng), p(f.near.lat));
  const distance = `(l.public_location <-> ${point})`;
  where.push(`${distance} >= ${p(after)}::float8`);
  const inRadius = f.radiusM ? `${distance} <= ${p(f.radiusM)}` : 'true';
  return read.rows(
    `SELECT ${HIT_COLUMNS}, ${distance} AS "sortDistance", ${inRadius} AS "inRadius"
     FROM listings l
     WHERE ${where.join(' AND ')}
     ORDER BY ${distance}
     LIMIT ${p(count)}`,
    params,
  );
}

/**
 * The first page near a point and its count in one read of the KNN index (app_nearest_listings_counted, migration
 * 1732300034000): the nearest COUNT_CAP + 1 rows are read once, those within the radius counted, and the nearest
 * `count` of them within the radius sent. A search that finds nothing still gets its count, on a row without a listing.
 */
const NEAREST_FIRST_COUNTED = `SELECT ${nearestColumns('$10::int', '0', null)}, l.total
  FROM app_nearest_listings_counted(${NEAREST_FILTERS}, $7::float8, $8::int, $9::int) l`;

/**
 * Past a cursor, the rows and the count of app_nearest_listings_count as one statement (the count is the first
 * page's, from the point itself): one round trip and one pooled connection rather than two.
 */
const NEAREST_COUNTED = `SELECT c.n AS total, l.*
  FROM (SELECT app_nearest_listings_count(${NEAREST_FILTERS}, $8::float8, $12::int) AS n) c
  LEFT JOIN LATERAL (${NEAREST_IN_RADIUS}) l ON true`;

async function countedRows(
  read: NearestReader,
  f: Near,
  after: number,
  count: number,
  cut: PageCut,
): Promise<{ rows: NearestRow[]; total: number }> {
  if (f.q) throw new Error('a search with words is counted in its transaction (countListings)');
  const filters = nearestFilters(read.tenantId, f);
  const radius = f.radiusM ?? null;
  // Without a cursor the read starts at the point (after = 0): the first page, read with its count in one statement.
  const rows = (await (cut.cursorId === null
    ? read.rows(NEAREST_FIRST_COUNTED, [...filters, radius, count, COUNT_CAP + 1, cut.size])
    : read.rows(NEAREST_COUNTED, [...filters, after, radius, count, cut.size, cut.cursorId, COUNT_CAP + 1]))) as Array<
    NearestRow & { total: number }
  >;
  return { rows: rows.filter((r) => r.id !== null), total: rows[0]?.total ?? 0 };
}

/** Where the nearest-first read runs: a tenant's transaction, or alone (searchNearestAlone). */
interface NearestReader {
  tenantId: TenantId;
  rows(sql: string, params: unknown[]): Promise<NearestRow[]>;
}

/**
 * searchListings near a point without words, as one statement sent alone (Database.readAlone: a transaction of its
 * own, one round trip instead of three), for a search that needs nothing else from the database.
 */
export function searchNearestAlone(
  db: Database,
  tenantId: TenantId,
  f: Omit<Near, 'q'>,
  cursor: SearchCursor | undefined,
  limit: number,
  count = false,
): Promise<{ hits: SearchHit[]; total?: number }> {
  const read: NearestReader = { tenantId, rows: (sql, params) => db.readAlone<NearestRow>(sql, params) };
  return nearest(read, f, cursor, limit, count);
}

/**
 * Nearest first, by (distance, id). A KNN index scan orders by distance alone (a tie-breaker in the same ORDER BY
 * would sort the whole tenant), so the read takes the nearest rows with headroom for ties, and the page is cut
 * here: within the radius (checked on the rows read only: as an index condition its selectivity is misjudged at
 * scale, a tenant being a place), after the cursor, in (distance, id) order.
 */
async function nearest(
  reader: NearestReader,
  f: Near,
  cursor: SearchCursor | undefined,
  limit: number,
  count = false,
): Promise<{ hits: SearchHit[]; total?: number }> {
  const after = cursor?.o === 'distance' ? cursor : undefined;
  const inPage = (r: NearestRow) =>
    r.inRadius && (!after || r.sortDistance > after.d || (r.sortDistance === after.d && r.id > after.id));
  const pageOf = (rows: NearestRow[]) => rows.filter(inPage).sort(nearestFirst);
  const cut: PageCut = { size: limit, cursorId: after?.id ?? null };
  let read = limit + KNN_HEADROOM;
  const first = count
    ? await countedRows(reader, f, after?.d ?? 0, read, cut)
    : { rows: await nearestRows(reader, f, after?.d ?? 0, read, cut), total: undefined };
  let rows = first.rows;
  let page = pageOf(rows);
  if (readTooShort(rows, page, read, limit, f.radiusM)) {
    read = limit + KNN_HEADROOM_RETRY;
    rows = await nearestRows(reader, f, after?.d ?? 0, read, cut);
    page = pageOf(rows);
  }
  // Object literals, not `({ inRadius, ...hit }) => hit`: V8 copies a rest with excluded keys in its runtime, one
  // property at a time.
  const hits = page.slice(0, limit).map((r): SearchHit => ({
    id: r.id,
    categoryId: r.categoryId,
    neighbourhoodId: r.neighbourhoodId,
    json: r.json ?? pageRowWithoutJson(r),
    sortDistance: r.sortDistance,
  }));
  return { hits, total: first.total };
}

/** The page cut here and in SQL (nearestColumns) are the same rows: one without its JSON is a defect, not a hit. */
function pageRowWithoutJson(r: NearestRow): never {
  throw new Error(`nearest-first: the page's row ${r.id} at ${r.sortDistance} m came without its JSON`);
}

/** The order of a nearest-first page: by distance, then by id (as PostgreSQL orders uuids). */
export function nearestFirst(a: { sortDistance: number; id: string }, b: { sortDistance: number; id: string }): number {
  return a.sortDistance - b.sortDistance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Whether rows the nearest-first read did not take could belong to the page: only when it read as many rows as it
 * was allowed to, and either the page is full and its last row is as far as the farthest row read (a tie may have
 * been cut), or the page is short and unread rows may still pass its filters (no radius, or a radius beyond the
 * farthest row read).
 */
function readTooShort(rows: NearestRow[], page: NearestRow[], allowed: number, limit: number, radiusM?: number) {
  if (rows.length < allowed) return false;
  const farthest = Math.max(...rows.map((r) => r.sortDistance));
  if (page.length >= limit) return page[limit - 1].sortDistance >= farthest;
  return radiusM === undefined || farthest <= radiusM;
}
