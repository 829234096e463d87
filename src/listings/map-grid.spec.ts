import { cellDegrees, cellLevel, cellsOf, cellSize, clusterFeatures } from './map-grid';

describe('map grid', () => {
  const lyon: [number, number, number, number] = [4.77, 45.7, 4.9, 45.81];

  it('halves the cells at each zoom level, and coarsens them when the box would hold more than 16 across', () => {
    const street: [number, number, number, number] = [4.83, 45.76, 4.835, 45.763];
    expect(cellSize(15, street)).toBeCloseTo(cellSize(14, street) / 2, 12);
    expect(cellSize(12, lyon)).toBeGreaterThanOrEqual((lyon[2] - lyon[0]) / 16);
    // A whole-world box at street zoom still answers a handful of cells across.
    expect((360 / cellSize(18, [-180, -90, 180, 90])) | 0).toBeLessThanOrEqual(16);
  });

  it('sizes the cells of a level at exactly 90 / 2^level degrees, as PostgreSQL computes the counted ones', () => {
    for (let level = 0; level <= 22; level++) expect(cellDegrees(level)).toBe(90 / (1 << level));
    expect(cellSize(12, lyon)).toBe(cellDegrees(cellLevel(12, lyon)));
  });

  it('merges the kinds of a cell into one cluster, counted per kind, at the mean of its points', () => {
    const cell = cellSize(12, lyon);
    const cells = cellsOf(
      [
        { kind: 'offer', lng: 4.8301, lat: 45.7601 },
        { kind: 'offer', lng: 4.8303, lat: 45.7603 },
        { kind: 'request', lng: 4.8302, lat: 45.7602 },
        { kind: 'project', lng: 4.8899, lat: 45.8001 },
      ],
      cell,
    );
    const clusters = clusterFeatures(cells);
    expect(clusters.map((c) => c.properties)).toEqual([
      { cluster: true, count: 3, counts: { offer: 2, request: 1 } },
      { cluster: true, count: 1, counts: { project: 1 } },
    ]);
    expect(clusters[0].geometry.coordinates).toEqual([4.8302, 45.7602]);
  });
});
