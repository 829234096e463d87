import { capacityLabel, parisInstant, parisTomorrow, scheduleLabel } from './mission-schedule';

describe("a mission's time and capacity, in French", () => {
  it('reads a Paris wall-clock time in winter and in summer', () => {
    expect(parisInstant('2026-12-05', '09:00')?.toISOString()).toBe('2026-12-05T08:00:00.000Z');
    expect(parisInstant('2026-07-14', '09:30')?.toISOString()).toBe('2026-07-14T07:30:00.000Z');
    expect(parisInstant('2026-03-29', '02:30')).toBeUndefined();
    expect(parisInstant('2026-12-5', '09:00')).toBeUndefined();
  });

  it('gives the window of the Paris day after, across a change of hour', () => {
    const { from, to } = parisTomorrow(new Date('2026-10-24T12:00:00Z'));
    expect(from.toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(to.toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('says the day and the hours, or that the date is flexible', () => {
    const start = new Date('2026-12-05T08:00:00Z');
    expect(scheduleLabel(start, new Date('2026-12-05T11:00:00Z'))).toBe('samedi 5 décembre 2026, de 9 h à 12 h');
    expect(scheduleLabel(new Date('2026-12-05T08:30:00Z'), null)).toBe('samedi 5 décembre 2026, à 9 h 30');
    expect(scheduleLabel(null, null)).toBe('Date flexible');
  });

  it('counts the places left in the singular and the plural', () => {
    expect(capacityLabel(8, 20)).toBe('8 places restantes sur 20');
    expect(capacityLabel(1, 20)).toBe('1 place restante sur 20');
  });
});
