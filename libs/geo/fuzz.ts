import { createHash } from 'node:crypto';
import { contains, distanceToEdgeM } from './area';
import type { LatLng, MultiPolygon } from './types';

/** About 200 m of latitude: the grid cell is all a public point tells of a place. */
export const FUZZ_STEP_DEG = 0.0018;
/** A public point is at least this far from the exact point, for every row. */
export const PUBLIC_POINT_MIN_M = 100;

const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;
// Aimed a little beyond the guarantee: PostGIS measures on the spheroid (within 0.3 % of this
// sphere here) and the point is rounded to 1e-6° (0.1 m).
const CLEARANCE_M = PUBLIC_POINT_MIN_M + 5;
/** The points of one cell's rows spread over a band this deep rather than a single line. */
const SPREAD_M = 40;
const BEARINGS = 16;
/** When no bearing lands inside the commune, farther rings are tried, up to 3 km out. */
const RING_STEP_M = 50;
const RINGS = 60;
/**
 * Closer than this to the commune's edge is not "inside": PostGIS's great-circle edges differ from straight ones by
 * under a metre.
 */
const EDGE_MARGIN_M = 10;

/**
 * The public point of a private location (a home, a project's place), stable for `seed` (the
 * row's id) and at least PUBLIC_POINT_MIN_M from the exact point.
 *
 * It depends only on the ~200 m grid cell holding `p`, never on where `p` lies in it: it goes
 * from the cell's centre towards a bearing drawn from the seed, far enough that every spot of
 * the cell, the exact point included, stays PUBLIC_POINT_MIN_M away (so it is never in the
 * home's own cell either). As nothing finer than the cell enters it, averaging or intersecting
 * the public points of many listings from one home yields that cell and nothing closer.
 *
 * With `area` (the commune's outline) the point stays inside it: the other bearings, nearest
 * to the seed's first, then farther rings are tried in a fixed order. Only when none lands
 * inside (a commune narrower than the cell) does the point fall outside, still at the distance.
 */
export function fuzzPoint(p: LatLng, seed: string, area?: MultiPolygon | null): LatLng {
  const rad = Math.PI / 180;
  const cellLat = Math.floor(p.lat / FUZZ_STEP_DEG) * FUZZ_STEP_DEG;
  const centreLat = cellLat + FUZZ_STEP_DEG / 2;
  const cos = Math.cos(centreLat * rad);
  const stepLng = FUZZ_STEP_DEG / cos;
  const centreLng = Math.floor(p.lng / stepLng) * stepLng + stepLng / 2;
  // Half the cell's sides in metres; east-west at its edge nearer the equator, where it is widest.
  const halfY = (FUZZ_STEP_DEG / 2) * M_PER_DEG;
  const halfX = (halfY * Math.max(Math.cos(cellLat * rad), Math.cos((cellLat + FUZZ_STEP_DEG) * rad))) / cos;

  const h = createHash('sha256').update(seed).digest();
  const firstTurn = h.readUInt16BE(0) / 0x10000;
  const spread = SPREAD_M * (h.readUInt16BE(2) / 0xffff);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  const candidate = (turn: number, ring: number): LatLng => {
    const east = Math.sin(2 * Math.PI * turn);
    const north = Math.cos(2 * Math.PI * turn);
    // Every spot of the cell projects at most halfX·|east| + halfY·|north| along this bearing,
    // so going that far plus the clearance keeps the whole cell at least the clearance away.
    const d = halfX * Math.abs(east) + halfY * Math.abs(north) + CLEARANCE_M + spread + ring * RING_STEP_M;
    return { lat: round(centreLat + (north * d) / M_PER_DEG), lng: round(centreLng + (east * d) / (M_PER_DEG * cos)) };
  };
  if (!area?.length) return candidate(firstTurn, 0);
  for (let ring = 0; ring < RINGS; ring++)
    for (let k = 0; k < BEARINGS; k++) {
      const step = k % 2 ? (k + 1) / 2 : -k / 2; // 0, 1, -1, 2, -2, … sixteenths of a turn
      const q = candidate(firstTurn + step / BEARINGS, ring);
      if (contains(area, q) && distanceToEdgeM(area, q) >= EDGE_MARGIN_M) return q;
    }
  return candidate(firstTurn, 0);
}
