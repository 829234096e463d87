import { FieldError, InvalidError } from '@libs/errors';
import { Form, validated } from '@src/web/forms';
import { CreateMissionDto } from '../dto/organisations.dto';
import { parisInstant, scheduleLabel } from '../mission-schedule';

/**
 * The new-mission form read into the API's body: a day with a start time and an optional end
 * time (Europe/Paris), or « Date flexible » with words of its own; a meeting place, public only
 * when ticked. Every error of the form is reported at once, the date's with the DTO's.
 */
export async function missionFromForm(body: Form, now = new Date()): Promise<CreateMissionDto> {
  const errors: FieldError[] = [];
  const flexible = body.flexible === 'true';
  let startsAt: Date | undefined;
  let endsAt: Date | undefined;
  if (!flexible) {
    const day = body.date?.trim() ?? '';
    const start = body.startTime?.trim() ?? '';
    const end = body.endTime?.trim() ?? '';
    if (!day) errors.push({ field: 'date', message: 'indiquez le jour, ou cochez « Date flexible »' });
    if (!start) errors.push({ field: 'startTime', message: 'indiquez l’heure de début' });
    if (day && start) {
      startsAt = parisInstant(day, start);
      if (!startsAt) errors.push({ field: 'date', message: 'jour ou heure invalide (jour JJ/MM/AAAA, heure HH:MM)' });
      else if (startsAt < now) errors.push({ field: 'date', message: 'cette date est passée' });
    }
    if (startsAt && end) {
      endsAt = parisInstant(day, end);
      if (!endsAt || endsAt <= startsAt)
        errors.push({ field: 'endTime', message: 'l’heure de fin doit suivre l’heure de début' });
    }
  }
  const input: Record<string, unknown> = {
    title: body.title ?? '',
    when: flexible
      ? body.when?.trim() || 'Date flexible'
      : startsAt
        ? scheduleLabel(startsAt, endsAt ?? null)
        : 'à préciser',
    volunteersNeeded: body.volunteersNeeded ?? '',
    skills: (body.skills ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(body.description ? { description: body.description } : {}),
    ...(startsAt ? { startsAt: startsAt.toISOString() } : {}),
    ...(endsAt && endsAt > startsAt! ? { endsAt: endsAt.toISOString() } : {}),
    ...(body.meetingPlace?.trim() ? { meetingPlace: body.meetingPlace } : {}),
    meetingPlacePublic: body.meetingPlacePublic === 'true',
  };
  try {
    const dto = await validated(CreateMissionDto, input);
    if (errors.length) throw new InvalidError(errors);
    return dto;
  } catch (err) {
    if (err instanceof InvalidError && errors.length && err.errors !== errors)
      throw new InvalidError([...err.errors, ...errors]);
    throw err;
  }
}
