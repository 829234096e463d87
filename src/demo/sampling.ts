import type { LatLng } from '../../libs/geo';
import type { Random } from './random';

/** GeoJSON MultiPolygon coordinates: polygons → rings → [lng, lat]. */
export type MultiPolygon = number[][][][];

/** Points closer than this to an edge are drawn again: geography (great-circle) and geometry edges differ by under a metre. */
const EDGE_MARGIN_M = 15;
const METRES_PER_DEG_LAT = 111_320;

/** Even-odd ray casting over every ring, so holes are respected. */
export function contains(shape: MultiPolygon, p: LatLng): boolean {
  let inside = false;
  for (const polygon of shape)
    for (const ring of polygon)
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > p.lat !== yj > p.lat && p.lng < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
  return inside;
}

/** Distance in metres from `p` to the nearest edge of `shape` (local equirectangular projection). */
export function distanceToEdgeM(shape: MultiPolygon, p: LatLng): number {
  const kx = METRES_PER_DEG_LAT * Math.cos((p.lat * Math.PI) / 180);
  let best = Infinity;
  for (const polygon of shape)
    for (const ring of polygon)
      for (let i = 1; i < ring.length; i++) {
        const ax = (ring[i - 1][0] - p.lng) * kx;
        const ay = (ring[i - 1][1] - p.lat) * METRES_PER_DEG_LAT;
        const bx = (ring[i][0] - p.lng) * kx;
        const by = (ring[i][1] - p.lat) * METRES_PER_DEG_LAT;
        const dx = bx - ax;
        const dy = by - ay;
        const t = dx || dy ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy))) : 0;
        best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
      }
  return best;
}

/**
 * A point drawn uniformly inside `shape` (rejection sampling in its bounding box), kept clear
 * of its edges so it lies inside the neighbourhood, and so inside the commune, for PostGIS too.
 */
export function pointIn(shape: MultiPolygon, random: Random): LatLng {
  const all = shape.flat(2);
  const [minLng, maxLng] = [Math.min(...all.map((c) => c[0])), Math.max(...all.map((c) => c[0]))];
  const [minLat, maxLat] = [Math.min(...all.map((c) => c[1])), Math.max(...all.map((c) => c[1]))];
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const p = { lat: round(random.between(minLat, maxLat)), lng: round(random.between(minLng, maxLng)) };
    if (contains(shape, p) && distanceToEdgeM(shape, p) >= EDGE_MARGIN_M) return p;
  }
  throw new Error('no point found inside the polygon: is it empty or thinner than 30 m?');
}
