import { contains, distanceToEdgeM } from './area';
import { FUZZ_STEP_DEG, fuzzPoint, PUBLIC_POINT_MIN_M } from './fuzz';
import type { MultiPolygon } from './types';

/** Great-circle distance in metres (haversine). */
const metres = (a: { lat: number; lng: number }, b: { lat: number; lng: number }) => {
  const rad = Math.PI / 180;
  const s =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lng - a.lng) * rad) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(s));
};

/** A small deterministic generator, so a failure names a case that can be replayed. */
function* cases(n: number, box: { lat: [number, number]; lng: [number, number] }) {
  let x = 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  for (let i = 0; i < n; i++) {
    const p = {
      lat: box.lat[0] + next() * (box.lat[1] - box.lat[0]),
      lng: box.lng[0] + next() * (box.lng[1] - box.lng[0]),
    };
    yield { p, seed: `${Math.floor(next() * 0xffffffff).toString(16)}-${i}` };
  }
}

const cellOf = (p: { lat: number; lng: number }) => {
  const row = Math.floor(p.lat / FUZZ_STEP_DEG);
  const stepLng = FUZZ_STEP_DEG / Math.cos(((row + 0.5) * FUZZ_STEP_DEG * Math.PI) / 180);
  return `${row}:${Math.floor(p.lng / stepLng)}`;
};

// Meylan's outline (tenants/meylan.yaml).
const MEYLAN: MultiPolygon = [
  [
    [
      [5.76, 45.19],
      [5.8, 45.19],
      [5.822, 45.205],
      [5.825, 45.22],
      [5.815, 45.238],
      [5.778, 45.238],
      [5.77, 45.22],
      [5.766, 45.205],
      [5.76, 45.19],
    ],
  ],
];

describe('public point', () => {
  const home = { lat: 45.21234, lng: 5.77891 };

  it('is stable for a listing and differs between listings', () => {
    expect(fuzzPoint(home, 'listing-a')).toEqual(fuzzPoint(home, 'listing-a'));
    expect(fuzzPoint(home, 'listing-a', MEYLAN)).toEqual(fuzzPoint({ ...home }, 'listing-a', MEYLAN));
    expect(fuzzPoint(home, 'listing-a')).not.toEqual(fuzzPoint(home, 'listing-b'));
  });

  it(
    'stays at least 100 m from the exact point, outside its grid cell, and within about 450 m, for any point and ' +
      'listing',
    () => {
      let nearest = Infinity;
      let farthest = 0;
      const sameCell: string[] = [];
      // France and beyond, north and south of the equator, east and west of Greenwich.
      for (const box of [
        { lat: [41, 51], lng: [-5, 9.6] },
        { lat: [-45, -10], lng: [-75, -40] },
        { lat: [-1, 1], lng: [-1, 1] },
      ] as const) {
        for (const { p, seed } of cases(4000, { lat: [...box.lat], lng: [...box.lng] })) {
          const f = fuzzPoint(p, seed);
          const d = metres(p, f);
          if (d < nearest) nearest = d;
          if (d > farthest) farthest = d;
          if (cellOf(f) === cellOf(p)) sameCell.push(`${JSON.stringify(p)} / ${seed}`);
        }
      }
      expect(nearest).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
      expect(farthest).toBeLessThan(450);
      expect(sameCell).toEqual([]);
    },
  );

  it('gives the same point for every spot of a grid cell: where the home lies in its cell is never told', () => {
    const cellLat = Math.floor(home.lat / FUZZ_STEP_DEG) * FUZZ_STEP_DEG;
    const stepLng = FUZZ_STEP_DEG / Math.cos(((cellLat + FUZZ_STEP_DEG / 2) * Math.PI) / 180);
    const cellLng = Math.floor(home.lng / stepLng) * stepLng;
    const corners = [
      { lat: cellLat + 1e-7, lng: cellLng + 1e-7 },
      { lat: cellLat + FUZZ_STEP_DEG - 1e-7, lng: cellLng + stepLng - 1e-7 },
      { lat: cellLat + 0.0002, lng: cellLng + stepLng / 2 },
    ];
    for (const seed of ['same-listing', 'another', 'a-third'])
      for (const c of corners) {
        expect(fuzzPoint(c, seed)).toEqual(fuzzPoint(home, seed));
        expect(metres(c, fuzzPoint(c, seed))).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
      }
  });

  it('averaging many listings of one home finds the centre of its cell, not the home', () => {
    const cellLat = Math.floor(home.lat / FUZZ_STEP_DEG) * FUZZ_STEP_DEG;
    const stepLng = FUZZ_STEP_DEG / Math.cos(((cellLat + FUZZ_STEP_DEG / 2) * Math.PI) / 180);
    const cellLng = Math.floor(home.lng / stepLng) * stepLng;
    const nearCorner = { lat: cellLat + 0.00005, lng: cellLng + 0.00005 };
    const points = Array.from({ length: 500 }, (_, i) => fuzzPoint(nearCorner, `listing-${i}`));
    const mean = {
      lat: points.reduce((s, q) => s + q.lat, 0) / points.length,
      lng: points.reduce((s, q) => s + q.lng, 0) / points.length,
    };
    expect(metres(mean, { lat: cellLat + FUZZ_STEP_DEG / 2, lng: cellLng + stepLng / 2 })).toBeLessThan(25);
    expect(metres(mean, nearCorner)).toBeGreaterThan(110);
  });

  it('stays inside the commune, turning to another bearing near its edge', () => {
    let turned = 0;
    for (const { p, seed } of cases(3000, { lat: [45.19, 45.238], lng: [5.76, 5.825] })) {
      if (!contains(MEYLAN, p)) continue;
      const f = fuzzPoint(p, seed, MEYLAN);
      expect(contains(MEYLAN, f)).toBe(true);
      expect(distanceToEdgeM(MEYLAN, f)).toBeGreaterThanOrEqual(10);
      expect(metres(p, f)).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
      if (!contains(MEYLAN, fuzzPoint(p, seed))) turned++;
    }
    expect(turned).toBeGreaterThan(0);
  });

  it('finds a spot inside a commune barely larger than the distance, and keeps the distance when there is none', () => {
    // A 600 m × 600 m commune with the home at its south-west corner.
    const tiny: MultiPolygon = [
      [
        [
          [5.7, 45.2],
          [5.7077, 45.2],
          [5.7077, 45.2054],
          [5.7, 45.2054],
          [5.7, 45.2],
        ],
      ],
    ];
    const corner = { lat: 45.2003, lng: 5.7003 };
    for (let i = 0; i < 50; i++) {
      const f = fuzzPoint(corner, `listing-${i}`, tiny);
      expect(contains(tiny, f)).toBe(true);
      expect(metres(corner, f)).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
    }
    // A sliver of 50 m: nothing inside is far enough, so the distance wins over the outline.
    const sliver: MultiPolygon = [
      [
        [
          [5.7, 45.2],
          [5.70065, 45.2],
          [5.70065, 45.2005],
          [5.7, 45.2005],
          [5.7, 45.2],
        ],
      ],
    ];
    const f = fuzzPoint({ lat: 45.2002, lng: 5.7003 }, 'listing-x', sliver);
    expect(metres({ lat: 45.2002, lng: 5.7003 }, f)).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
  });
});
