import { FUZZ_STEP_DEG, fuzzPoint } from './fuzz';

const metres = (a: { lat: number; lng: number }, b: { lat: number; lng: number }) => {
  const dLat = ((b.lat - a.lat) * Math.PI) / 180;
  const dLng = ((b.lng - a.lng) * Math.PI) / 180;
  const x = dLng * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.sqrt(x * x + dLat * dLat) * 6371000;
};

describe('public point fuzzing', () => {
  const home = { lat: 45.21234, lng: 5.77891 };

  it('is stable for a listing and differs between listings', () => {
    expect(fuzzPoint(home, 'listing-a')).toEqual(fuzzPoint(home, 'listing-a'));
    expect(fuzzPoint(home, 'listing-a')).not.toEqual(fuzzPoint(home, 'listing-b'));
  });

  it('never gives the exact point and stays within the ~200 m cell', () => {
    for (let i = 0; i < 200; i++) {
      const p = { lat: 45.1 + i * 0.00137, lng: 5.7 + i * 0.00091 };
      const f = fuzzPoint(p, `seed-${i}`);
      expect(f).not.toEqual(p);
      expect(metres(p, f)).toBeLessThan(300);
      expect(Math.floor(f.lat / FUZZ_STEP_DEG)).toBe(Math.floor(p.lat / FUZZ_STEP_DEG));
    }
  });

  it('gives the same point for two homes in the same cell: moving within it reveals nothing', () => {
    const cellLat = Math.floor(home.lat / FUZZ_STEP_DEG) * FUZZ_STEP_DEG;
    const a = { lat: cellLat + 0.0002, lng: home.lng };
    const b = { lat: cellLat + 0.0015, lng: home.lng };
    expect(fuzzPoint(a, 'same-listing')).toEqual(fuzzPoint(b, 'same-listing'));
  });
});
