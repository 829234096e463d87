import { parisDayAndHour, startOfParisDay } from './paris-time';

describe('Paris days', () => {
  it('follows summer and winter time', () => {
    expect(parisDayAndHour(new Date('2026-07-01T22:30:00Z'))).toEqual({ day: '2026-07-02', hour: 0 });
    expect(parisDayAndHour(new Date('2026-12-01T22:30:00Z'))).toEqual({ day: '2026-12-01', hour: 23 });
    expect(startOfParisDay(new Date('2026-07-01T12:00:00Z')).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(startOfParisDay(new Date('2026-12-01T12:00:00Z')).toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });
});
