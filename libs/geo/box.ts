/** A map's bounding box in WGS 84 degrees: [minLng, minLat, maxLng, maxLat]. */
export type Box = [number, number, number, number];

/**
 * Public points lie within a few hundred metres of an exact point inside the outline: 0.02° (≈ 1.5–2 km) is room
 * enough.
 */
export const AREA_MARGIN_DEG = 0.02;

/**
 * SQL of one row (min_lng, min_lat, max_lng, max_lat): the requested box cut to the tenant's
 * outline's bounding box plus a margin, or no row when they do not meet. A geography envelope
 * 180° or more wide has antipodal edges PostGIS refuses (a whole-world map view was a 500), and
 * a commune never needs more than its own few kilometres. Parameters are SQL placeholders.
 */
export function boxWithinTenantAreaSql(
  tenantId: string,
  minLng: string,
  minLat: string,
  maxLng: string,
  maxLat: string,
): string {
  return `SELECT * FROM (
      SELECT GREATEST(${minLng}::float8, ST_XMin(a) - ${AREA_MARGIN_DEG}) AS min_lng, GREATEST(${minLat}::float8,
        ST_YMin(a) - ${AREA_MARGIN_DEG}) AS min_lat,
             LEAST(${maxLng}::float8, ST_XMax(a) + ${AREA_MARGIN_DEG}) AS max_lng, LEAST(${maxLat}::float8, ST_YMax(a)
               + ${AREA_MARGIN_DEG}) AS max_lat
      FROM tenant_areas, box2d(outline::geometry) AS a WHERE tenant_id = ${tenantId}) cut
    WHERE min_lng < max_lng AND min_lat < max_lat`;
}
