import { statsRange } from './admin.service';

describe('the default range of the town hall figures', () => {
  it('ends on the Paris day, also between midnight in Paris and midnight UTC', () => {
    expect(statsRange(new Date('2026-12-06T23:30:00Z'))).toEqual({ start: '2026-11-08', end: '2026-12-07' });
    expect(statsRange(new Date('2026-07-14T22:30:00Z'))).toEqual({ start: '2026-06-16', end: '2026-07-15' });
    expect(statsRange(new Date('2026-12-06T12:00:00Z'))).toEqual({ start: '2026-11-07', end: '2026-12-06' });
  });

  it('keeps the dates asked for', () => {
    expect(statsRange(new Date('2026-12-06T23:30:00Z'), '2026-01-01', '2026-01-31')).toEqual({
      start: '2026-01-01',
      end: '2026-01-31',
    });
  });
});
