import type { Tx } from '../db';

export interface LatLng {
  lat: number;
  lng: number;
}

/** SQL for a WGS 84 point as geography, from two numeric parameters (lng first, as PostGIS wants). */
export const pointSql = (lngParam: string, latParam: string) => `ST_SetSRID(ST_MakePoint(${lngParam}, ${latParam}), 4326)::geography`;

/** Whether the point lies inside the tenant's outline (tenant_areas, under the caller's RLS context). */
export async function insideTenantArea(tx: Tx, tenantId: string, p: LatLng): Promise<boolean> {
  const rows = await tx.query(`SELECT ST_Covers(outline, ${pointSql('$2', '$3')}) AS inside FROM tenant_areas WHERE tenant_id = $1`, [tenantId, p.lng, p.lat]);
  return rows[0]?.inside === true;
}
