/** A WGS 84 point in degrees. */
export interface LatLng {
  lat: number;
  lng: number;
}

/** GeoJSON MultiPolygon coordinates: polygons → rings → [lng, lat]. */
export type MultiPolygon = number[][][][];
