import { Pool } from 'pg';
import type { Database, TenantTx } from '@libs/db';
import { ListingsRepository } from '@src/listings/listings.repository';
import { searchNearestAlone } from '@src/listings/listings.search';
import { parseTenantId } from '@libs/tenancy/tenant-id';

/** The API's page size; ListingsService.search asks the SQL for one more row, to know if a next page exists. */
export const PAGE = 20;
export const RADIUS_M = 2000;

export interface Statement {
  sql: string;
  params: unknown[];
  /** Run as a named prepared statement (parsed and planned once per connection), as the limit side is. */
  name?: string;
  /** Scopes itself to its tenant (app_scope_tenant): sent alone, outside a transaction, as Database.readAlone. */
  alone?: boolean;
}

/** One search as both sides run it: the HTTP request, and the statements the API issues for it. */
export interface SearchRequest {
  host: string;
  path: string;
  tenantId: string;
  /** The category slug → id lookup ListingsService.search runs first, in the same transaction. */
  lookup: Statement;
  /** The API's statement for it (searchNearestAlone's, sent alone): the baseline. */
  search: Statement;
  /** The limit: the bare KNN query for the same page's ids (see limitStatement). */
  limit: Statement;
  /** The same search as a person makes it on the listings page (server-rendered HTML). */
  pagePath: string;
  /** The map around the same point: a commune's extent at zoom 12 (clusters), a few streets at zoom 17 (points). */
  mapLowPath: string;
  mapHighPath: string;
}

/** The map endpoint for a box of `halfDeg` degrees around a point, at `zoom`. */
function mapPath(lat: number, lng: number, halfDeg: number, zoom: number): string {
  const r = (v: number) => Math.round(v * 1e5) / 1e5;
  const bbox = [lng - halfDeg, lat - halfDeg, lng + halfDeg, lat + halfDeg].map(r).join(',');
  return `/api/v1/listings.geojson?bbox=${bbox}&zoom=${zoom}`;
}

/**
 * The limit side: the nearest listings' ids through the same index (listings_public_category_geo)
 * with the same filters, one prepared statement planned once per connection, no joins and no
 * columns but the id; the radius is tested on the page's rows' distance, as the API does. The best known way
 * to get the same page of ids from this schema.
 */
export function limitStatement(categoryId: string, near: { lat: number; lng: number }, radiusM: number): Statement {
  return {
    name: 'bench_search_limit',
    sql: `SELECT id FROM (
            SELECT id, public_location <-> ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography AS d
            FROM listings
            WHERE tenant_id = current_setting('app.tenant_id')::uuid AND status = 'published' AND expires_at > now()
              AND category_id = $1
            ORDER BY public_location <-> ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography
            LIMIT $2) nearest
          WHERE d <= $5 ORDER BY d, id`,
    params: [categoryId, PAGE + 1, near.lng, near.lat, radiusM],
  };
}

/** The statements `issue` sends, recorded by a transaction that runs nothing (as test/search-plans.e2e.ts does). */
async function capture(tenantId: string, issue: (tx: TenantTx) => Promise<unknown>): Promise<Statement> {
  const issued: Statement[] = [];
  // rows() goes through the transaction's query runner; its tenant is the one the statements name.
  const tx = {
    tenantId,
    queryRunner: {
      query: (sql: string, params: unknown[]) => {
        issued.push({ sql, params });
        return Promise.resolve({ records: [] });
      },
    },
  } as unknown as TenantTx;
  await issue(tx);
  if (issued.length !== 1) throw new Error(`expected one statement, captured ${issued.length}`);
  return issued[0];
}

/** The statement a search sent alone issues (ListingsService: near a point, no words, no count). */
async function captureAlone(issue: (db: Database) => Promise<unknown>): Promise<Statement> {
  const issued: Statement[] = [];
  const db = {
    readAlone: (sql: string, params: unknown[]) => (issued.push({ sql, params, alone: true }), Promise.resolve([])),
  } as unknown as Database;
  await issue(db);
  if (issued.length !== 1) throw new Error(`expected one statement, captured ${issued.length}`);
  return issued[0];
}

/**
 * Every tenant × enabled category × one point inside each of its neighbourhoods, in a fixed
 * shuffled order, so consecutive requests hit different tenants, categories and places.
 */
export async function buildSearchRequests(ownerUrl: string): Promise<SearchRequest[]> {
  const pool = new Pool({ connectionString: ownerUrl, max: 1 });
  try {
    const { rows } = await pool.query<{
      tenant_id: string;
      host: string;
      category_id: string;
      slug: string;
      lat: number;
      lng: number;
    }>(`
      SELECT t.id AS tenant_id, d.domain AS host, c.id AS category_id, c.slug,
             round(ST_Y(p)::numeric, 5)::float8 AS lat, round(ST_X(p)::numeric, 5)::float8 AS lng
      FROM tenants t
      JOIN LATERAL (SELECT domain FROM tenant_domains WHERE tenant_id = t.id AND domain LIKE '%.localhost' ORDER BY
        domain LIMIT 1) d ON true
      JOIN tenant_categories tc ON tc.tenant_id = t.id AND tc.enabled
      JOIN categories c ON c.id = tc.category_id AND c.archived_at IS NULL
      JOIN neighbourhoods n ON n.tenant_id = t.id
      CROSS JOIN LATERAL (SELECT ST_PointOnSurface(n.outline::geometry) AS p) pt
      ORDER BY t.slug, c.slug, n.slug`);
    const repo = new ListingsRepository();
    const requests: SearchRequest[] = [];
    for (const r of rows) {
      const filters = { categoryId: r.category_id, near: { lat: r.lat, lng: r.lng }, radiusM: RADIUS_M };
      requests.push({
        host: r.host,
        path: `/api/v1/listings?category=${r.slug}&near=${r.lat},${r.lng}&radius=${RADIUS_M}&limit=${PAGE}`,
        tenantId: r.tenant_id,
        lookup: await capture(r.tenant_id, (tx) => repo.categoryId(tx, r.slug)),
        search: await captureAlone((db) =>
          searchNearestAlone(db, parseTenantId(r.tenant_id), filters, undefined, PAGE + 1).then((found) => found.hits),
        ),
        limit: limitStatement(r.category_id, filters.near, RADIUS_M),
        pagePath: `/annonces?category=${r.slug}&lat=${r.lat}&lng=${r.lng}&rayon=${RADIUS_M}`,
        mapLowPath: mapPath(r.lat, r.lng, 0.08, 12),
        mapHighPath: mapPath(r.lat, r.lng, 0.004, 17),
      });
    }
    return shuffle(requests, 0x5eed);
  } finally {
    await pool.end();
  }
}

/** Fisher–Yates with a small seeded generator (mulberry32): the same order on every run. */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
