import { contains, distanceToEdgeM, type LatLng, type MultiPolygon } from '@libs/geo';
import type { Random } from './random';

export { contains };
export type { MultiPolygon };

/**
 * Points closer than this to an edge are drawn again: geography (great-circle) and geometry edges differ by under a
 * metre.
 */
const EDGE_MARGIN_M = 15;

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
