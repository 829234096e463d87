import { preparedRows, type TenantTx } from '@libs/db';
import { Box, boxWithinTenantAreaSql } from '@libs/geo/box';
import { cellDegrees, MAX_COUNTED_LEVEL, MIN_COUNTED_LEVEL } from './map-grid';

/**
 * The SQL of the map, in one place. Both shapes read only public listings, the box first cut to the tenant's area
 * (libs/geo/box.ts), and sort nothing:
 *   clusters (low zoom)  → listing_map_cells, counts kept per cell (migration 1732300032000):   listing_map_cells_pkey
 *                          the box's whole cells at a level finer than the clusters', summed;
 *                          app_listing_cells_edge(): the listings of the band along the box's     listings_public_geo,
 *                          edges point by point, minus the interior's listings past their date    listings_expiry
 *                          (finer than the counted levels, app_listing_cells_in_box(): every point of the box)
 *   points (zoomed in)   → app_listing_points_in_box(): at most N ids, then rows by primary key   listings_public_geo,
 *                                                                                                  listings_pkey
 * So a cluster request reads a number of cells bounded by the box's size on the screen, and only the points of a
 * band one counted cell wide, whatever the number of listings in the box: at a million listings, zoom 12 read about
 * 25,000 points of a commune before. Cells are counted in PostgreSQL rather than by a clustering library in the
 * process: the answer is the same on every instance and needs no copy of the tenant's points in memory. Each
 * statement is prepared once per connection (preparedRows): its plan does not depend on the box.
 */
export interface MapFilters {
  kind?: 'offer' | 'request';
  categoryId?: string;
}

export interface MapPoint {
  id: string;
  kind: 'offer' | 'request';
  title: string;
  category: string;
  neighbourhood: string | null;
  lng: number;
  lat: number;
}

/** Listings of one kind in one grid cell: `cx`, `cy` are floor(lng / cell), floor(lat / cell). */
export interface MapCell {
  cx: string;
  cy: string;
  kind: 'offer' | 'request';
  n: number;
  lng: number;
  lat: number;
}

/** The counted cells read are this many levels finer than the clusters (4 × 4 per cluster): the band stays thin. */
const FINER_LEVELS = 2;
/** category_id of the counted rows of every category. */
const EVERY_CATEGORY = '00000000-0000-0000-0000-000000000000';
/** Inside the box by more than rounding: the interior's cells hold no point outside the box. */
const INSIDE = 1e-9;

const CUT_BOX = boxWithinTenantAreaSql('$1', '$2', '$3', '$4', '$5');

/** The cut box and the range of whole cells of side `cell` (a parameter) inside it: ix0..ix1, iy0..iy1. */
const interiorSql = (cell: string) => `
  SELECT b.*, ceil((b.min_lng + ${INSIDE}) / ${cell}::float8)::bigint AS ix0,
         ceil((b.min_lat + ${INSIDE}) / ${cell}::float8)::bigint AS iy0,
         floor((b.max_lng - ${INSIDE}) / ${cell}::float8)::bigint - 1 AS ix1,
         floor((b.max_lat - ${INSIDE}) / ${cell}::float8)::bigint - 1 AS iy1
  FROM (${CUT_BOX}) b`;

/**
 * Counts of public listings per cell of grid `level` (cellDegrees) and kind, in the box, each placed at the mean of
 * its listings' public points.
 */
export function listingCellsInBox(tx: TenantTx, box: Box, f: MapFilters, level: number): Promise<MapCell[]> {
  if (level > MAX_COUNTED_LEVEL)
    return preparedRows<MapCell>(
      tx,
      `SELECT g.cx::text AS cx, g.cy::text AS cy, g.kind, g.n, g.lng, g.lat
       FROM (${CUT_BOX}) b, app_listing_cells_in_box(b.min_lng, b.min_lat, b.max_lng, b.max_lat, $6, $7, $8) g`,
      [tx.tenantId, ...box, cellDegrees(level), f.kind ?? null, f.categoryId ?? null],
    );
  const counted = Math.min(MAX_COUNTED_LEVEL, Math.max(MIN_COUNTED_LEVEL, level + FINER_LEVELS));
  return preparedRows<MapCell>(
    tx,
    `WITH i AS (${interiorSql('$7')})
     SELECT (c.cx >> $8::int)::text AS cx, (c.cy >> $8::int)::text AS cy, c.kind, sum(c.n)::int AS n,
            sum(c.sum_lng) / sum(c.n) / 1e6 AS lng, sum(c.sum_lat) / sum(c.n) / 1e6 AS lat
     FROM i, LATERAL (
       SELECT m.cx::bigint AS cx, m.cy::bigint AS cy, m.kind, m.n, m.sum_lng::float8, m.sum_lat::float8
       FROM listing_map_cells m
       WHERE m.tenant_id = $1 AND m.level = $6 AND m.category_id = $10 AND m.cx BETWEEN i.ix0 AND i.ix1
         AND m.cy BETWEEN i.iy0 AND i.iy1 AND ($9::text IS NULL OR m.kind = $9)
       UNION ALL
       SELECT e.cx, e.cy, e.kind, e.n, e.sum_lng, e.sum_lat
       FROM app_listing_cells_edge(i.min_lng, i.min_lat, i.max_lng, i.max_lat, $6, i.ix0, i.iy0, i.ix1, i.iy1, $9,
                                   $11) e) c
     GROUP BY 1, 2, 3
     HAVING sum(c.n) > 0`,
    [
      tx.tenantId,
      ...box,
      counted,
      cellDegrees(counted),
      counted - level,
      f.kind ?? null,
      f.categoryId ?? EVERY_CATEGORY,
      f.categoryId ?? null,
    ],
  );
}

/**
 * How many listings the box's whole cells of the finest counted level hold: at least those of the box but for the
 * few past their date not yet swept, read from the counts alone (to tell a street too full for points).
 */
export async function listingsCountedInside(tx: TenantTx, box: Box, f: MapFilters): Promise<number> {
  const [found] = await preparedRows<{ n: number }>(
    tx,
    `WITH i AS (${interiorSql('$7')})
     SELECT coalesce(sum(m.n), 0)::int AS n
     FROM i, listing_map_cells m
     WHERE m.tenant_id = $1 AND m.level = $6 AND m.category_id = $9 AND m.cx BETWEEN i.ix0 AND i.ix1
       AND m.cy BETWEEN i.iy0 AND i.iy1 AND ($8::text IS NULL OR m.kind = $8)`,
    [
      tx.tenantId,
      ...box,
      MAX_COUNTED_LEVEL,
      cellDegrees(MAX_COUNTED_LEVEL),
      f.kind ?? null,
      f.categoryId ?? EVERY_CATEGORY,
    ],
  );
  return found?.n ?? 0;
}

/** At most `cap` public listings in the box, in no particular order (the caller asks for one more than it shows). */
export function listingPointsInBox(tx: TenantTx, box: Box, f: MapFilters, cap: number): Promise<MapPoint[]> {
  return preparedRows<MapPoint>(
    tx,
    `SELECT l.id, l.kind, l.title, c.slug AS category, n.name AS neighbourhood,
            ST_X(l.public_location::geometry) AS lng, ST_Y(l.public_location::geometry) AS lat
     FROM listings l JOIN categories c ON c.id = l.category_id
     LEFT JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND n.id = l.neighbourhood_id
     WHERE l.tenant_id = $1
       AND l.id = ANY(ARRAY(SELECT app_listing_points_in_box(b.min_lng, b.min_lat, b.max_lng, b.max_lat, $6, $7, $8)
                            FROM (${CUT_BOX}) b))`,
    [tx.tenantId, ...box, f.kind ?? null, f.categoryId ?? null, cap],
  );
}
