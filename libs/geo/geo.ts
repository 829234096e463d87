import { firstRow, type Tx } from '@libs/db';
import { fuzzPoint } from './fuzz';
import type { LatLng, MultiPolygon } from './types';

/** SQL for a WGS 84 point as geography, from two numeric parameters (lng first, as PostGIS wants). */
export const pointSql = (lngParam: string, latParam: string) =>
  `ST_SetSRID(ST_MakePoint(${lngParam}, ${latParam}), 4326)::geography`;

/** Whether the point lies inside the tenant's outline (tenant_areas, under the caller's RLS context). */
export async function insideTenantArea(tx: Tx, tenantId: string, p: LatLng): Promise<boolean> {
  const row = await firstRow<{ inside: boolean }>(
    tx,
    `SELECT ST_Covers(outline, ${pointSql('$2', '$3')}) AS inside FROM tenant_areas WHERE tenant_id = $1`,
    [tenantId, p.lng, p.lat],
  );
  return row?.inside === true;
}

/** The tenant's outline as GeoJSON MultiPolygon coordinates, or null when it has none. */
export async function tenantOutline(tx: Tx, tenantId: string): Promise<MultiPolygon | null> {
  const row = await firstRow<{ outline: { coordinates: MultiPolygon } }>(
    tx,
    `SELECT ST_AsGeoJSON(outline)::json AS outline FROM tenant_areas WHERE tenant_id = $1`,
    [tenantId],
  );
  return row?.outline.coordinates ?? null;
}

/** The public point of an exact one for the row `seed` of the tenant: fuzzPoint, kept inside the tenant's outline. */
export async function publicPointOf(tx: Tx, tenantId: string, p: LatLng, seed: string): Promise<LatLng> {
  return fuzzPoint(p, seed, await tenantOutline(tx, tenantId));
}
