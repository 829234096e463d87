import { rows, type TenantTx } from '@libs/db';
import { Box, boxWithinTenantAreaSql } from '@libs/geo/box';

/**
 * The SQL of the map, in one place. Both shapes read only public listings through an owner function pinned to the
 * tenant (migration 1732300020000), the box first cut to the tenant's area (libs/geo/box.ts), and sort nothing:
 *   clusters (low zoom)  → app_listing_cells_in_box(): counts per grid cell and kind   listings_public_geo
 *   points (zoomed in)   → app_listing_points_in_box(): at most N ids, then rows by    listings_public_geo,
 *                          primary key                                                 listings_pkey
 * (listings_public_category_geo instead of listings_public_geo when a category is given.)
 * Cells are aggregated in PostgreSQL rather than by a clustering library in the process: the answer is the same on
 * every instance, needs no copy of the tenant's points in memory and no invalidation when a listing is published.
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

const CUT_BOX = boxWithinTenantAreaSql('$1', '$2', '$3', '$4', '$5');

/** Counts of public listings per cell of `cell` degrees and kind, in the box. */
export function listingCellsInBox(tx: TenantTx, box: Box, f: MapFilters, cell: number): Promise<MapCell[]> {
  return rows<MapCell>(
    tx,
    `SELECT g.cx::text AS cx, g.cy::text AS cy, g.kind, g.n, g.lng, g.lat
     FROM (${CUT_BOX}) b, app_listing_cells_in_box(b.min_lng, b.min_lat, b.max_lng, b.max_lat, $6, $7, $8) g`,
    [tx.tenantId, ...box, cell, f.kind ?? null, f.categoryId ?? null],
  );
}

/** At most `cap` public listings in the box, in no particular order (the caller asks for one more than it shows). */
export function listingPointsInBox(tx: TenantTx, box: Box, f: MapFilters, cap: number): Promise<MapPoint[]> {
  return rows<MapPoint>(
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
