import { createHash } from 'node:crypto';
import type { LatLng } from './geo';

/** About 200 m of latitude. */
export const FUZZ_STEP_DEG = 0.0018;

/**
 * The public point of a private location: the ~200 m grid cell that holds it, and inside
 * that cell a spot derived from `seed` (the listing id). The same listing keeps the same
 * point; nothing finer than the cell can be learnt from it, or from distances to it.
 */
export function fuzzPoint(p: LatLng, seed: string): LatLng {
  const cellLat = Math.floor(p.lat / FUZZ_STEP_DEG) * FUZZ_STEP_DEG;
  const stepLng = FUZZ_STEP_DEG / Math.cos(((cellLat + FUZZ_STEP_DEG / 2) * Math.PI) / 180);
  const cellLng = Math.floor(p.lng / stepLng) * stepLng;
  const h = createHash('sha256').update(seed).digest();
  const fy = 0.15 + 0.7 * (h.readUInt16BE(0) / 0xffff);
  const fx = 0.15 + 0.7 * (h.readUInt16BE(2) / 0xffff);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return { lat: round(cellLat + fy * FUZZ_STEP_DEG), lng: round(cellLng + fx * stepLng) };
}
