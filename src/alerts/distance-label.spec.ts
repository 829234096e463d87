import { distanceLabel } from './distance-label';

describe('distanceLabel', () => {
  it('rounds to 100 m and never says less than "under 100 m"', () => {
    expect(distanceLabel(0)).toBe('à moins de 100 m');
    expect(distanceLabel(99)).toBe('à moins de 100 m');
    expect(distanceLabel(100)).toBe('à environ 100 m');
    expect(distanceLabel(149)).toBe('à environ 100 m');
    expect(distanceLabel(150)).toBe('à environ 200 m');
    expect(distanceLabel(1234, 'in_person')).toBe('à environ 1200 m');
  });

  it('says "at a distance" for remote help, whatever the metres', () => {
    expect(distanceLabel(25, 'remote')).toBe('à distance');
    expect(distanceLabel(8000, 'remote')).toBe('à distance');
  });
});
