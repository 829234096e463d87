import { InvalidError } from '@libs/errors';
import { missionFromForm } from './mission-form';

describe('the new-mission form', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const fields = async (body: Record<string, string>) => {
    try {
      await missionFromForm(body, now);
      return [];
    } catch (err) {
      if (!(err instanceof InvalidError)) throw err;
      return err.errors.map((e) => e.field).sort();
    }
  };

  it('reads a day and Paris times into startsAt and endsAt, and says when in French', async () => {
    const dto = await missionFromForm(
      {
        title: 'Distribution de colis',
        date: '2026-12-05',
        startTime: '09:00',
        endTime: '12:00',
        volunteersNeeded: '20',
        meetingPlace: 'Devant la MJC',
      },
      now,
    );
    expect(dto).toMatchObject({
      startsAt: '2026-12-05T08:00:00.000Z',
      endsAt: '2026-12-05T11:00:00.000Z',
      when: 'samedi 5 décembre 2026, de 9 h à 12 h',
      volunteersNeeded: 20,
      meetingPlace: 'Devant la MJC',
      meetingPlacePublic: false,
    });
  });

  it('takes a flexible date with words of its own, or says « Date flexible »', async () => {
    const base = { title: 'Accompagnement aux courses', volunteersNeeded: '2', flexible: 'true' };
    await expect(missionFromForm({ ...base, when: 'Le mardi matin' }, now)).resolves.toMatchObject({
      when: 'Le mardi matin',
    });
    const dto = await missionFromForm(base, now);
    expect(dto.when).toBe('Date flexible');
    expect(dto.startsAt).toBeUndefined();
  });

  it('names every wrong field at once: the date’s with the others', async () => {
    await expect(fields({ title: 'X', volunteersNeeded: '0' })).resolves.toEqual([
      'date',
      'startTime',
      'title',
      'volunteersNeeded',
    ]);
    const dated = { title: 'Distribution', volunteersNeeded: '2', date: '2026-12-05', startTime: '10:00' };
    await expect(fields({ ...dated, endTime: '09:00' })).resolves.toEqual(['endTime']);
    await expect(fields({ ...dated, date: '2026-11-30' })).resolves.toEqual(['date']);
  });
});
