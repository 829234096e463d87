import type { LatLng, MultiPolygon } from './types';

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
