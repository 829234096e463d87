import type { Box } from '@libs/geo/box';

/** From this zoom on, a box holding at most MAP_POINTS_CAP items is answered as points. */
export const MAP_POINTS_MIN_ZOOM = 15;
export const MAP_POINTS_CAP = 300;
/** A cluster stands for the items of a square about this many screen pixels wide. */
const CELL_PX = 64;
/** However large the box, at most this many cells across it (so at most ~17 × 17 clusters). */
const MAX_CELLS_ACROSS = 16;

/**
 * Grid levels whose cells PostgreSQL keeps counted (listing_map_cells, migration 1732300032000, which holds the same
 * two numbers): clusters finer than MAX_COUNTED_LEVEL (a street, zoomed in on more than MAP_POINTS_CAP listings)
 * are counted from the box's points.
 */
export const MIN_COUNTED_LEVEL = 10;
export const MAX_COUNTED_LEVEL = 16;

/** The side in degrees of a cell of grid `level`: CELL_PX screen pixels at zoom `level`, 90 / 2^level. */
export function cellDegrees(level: number): number {
  return (360 / 2 ** level / 256) * CELL_PX;
}

/**
 * The grid level of the clusters of a map at `zoom` showing `box`: cells of CELL_PX screen pixels at that zoom
 * (256-pixel Web Mercator tiles), made coarser by whole zoom levels when the box would hold more than
 * MAX_CELLS_ACROSS of them across. Powers of two only, so that panning keeps the same grid, and a cell of one level
 * is four of the next.
 */
export function cellLevel(zoom: number, box: Box): number {
  const needed = Math.max(box[2] - box[0], box[3] - box[1]) / MAX_CELLS_ACROSS;
  let z = zoom;
  while (z > 0 && cellDegrees(z) < needed) z--;
  return z;
}

/** The side in degrees of the clusters' cells for a map at `zoom` showing `box` (cellLevel). */
export function cellSize(zoom: number, box: Box): number {
  return cellDegrees(cellLevel(zoom, box));
}

export interface CellCount {
  cx: string;
  cy: string;
  kind: string;
  n: number;
  lng: number;
  lat: number;
}

export interface ClusterFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: { cluster: true; count: number; counts: Record<string, number> };
}

/** One cluster per cell, with its count per kind, placed at the mean of its items' public points. */
export function clusterFeatures(cells: CellCount[]): ClusterFeature[] {
  const byCell = new Map<string, { n: number; lng: number; lat: number; counts: Record<string, number> }>();
  for (const c of cells) {
    const key = `${c.cx}:${c.cy}`;
    const acc = byCell.get(key) ?? { n: 0, lng: 0, lat: 0, counts: {} };
    acc.lng = (acc.lng * acc.n + c.lng * c.n) / (acc.n + c.n);
    acc.lat = (acc.lat * acc.n + c.lat * c.n) / (acc.n + c.n);
    acc.n += c.n;
    acc.counts[c.kind] = (acc.counts[c.kind] ?? 0) + c.n;
    byCell.set(key, acc);
  }
  return [...byCell.values()].map((c) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [round(c.lng), round(c.lat)] },
    properties: { cluster: true, count: c.n, counts: c.counts },
  }));
}

/** Counts for points computed here (another module's items) in the same grid as PostgreSQL's cells. */
export function cellsOf(points: Array<{ kind: string; lng: number; lat: number }>, cell: number): CellCount[] {
  return points.map((p) => ({
    cx: String(Math.floor(p.lng / cell)),
    cy: String(Math.floor(p.lat / cell)),
    kind: p.kind,
    n: 1,
    lng: p.lng,
    lat: p.lat,
  }));
}

/** Six decimals (~0.1 m): a mean of public points needs no more, and the answer stays small. */
const round = (x: number) => Math.round(x * 1e6) / 1e6;
