// Built once: a formatter with a time zone is costly to construct, cheap to use.
const DAY = new Intl.DateTimeFormat('fr-FR', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/Paris',
});
const PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Europe/Paris wall-clock parts of an instant. */
export function parisParts(at: Date): { day: string; hour: number; minute: number } {
  const p = Object.fromEntries(PARTS.formatToParts(at).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour), minute: Number(p.minute) };
}

/**
 * The instant of a Paris wall-clock time (`2026-12-05`, `09:30`), or undefined when there is
 * none (a malformed value, or a time skipped by the spring change of hour).
 */
export function parisInstant(day: string, time: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{2}:\d{2}$/.test(time)) return undefined;
  const [hour, minute] = time.split(':').map(Number);
  // Paris is UTC+1 or UTC+2: keep the offset that lands on the asked wall-clock time.
  for (const offset of ['+01:00', '+02:00']) {
    const at = new Date(`${day}T${time}:00${offset}`);
    if (Number.isNaN(at.getTime())) return undefined;
    const p = parisParts(at);
    if (p.day === day && p.hour === hour && p.minute === minute) return at;
  }
  return undefined;
}

/** The start of the Paris day after `at`'s, and of the one after: the window of "tomorrow". */
export function parisTomorrow(at: Date): { from: Date; to: Date } {
  const next = (d: Date) => {
    const noon = new Date(`${parisParts(d).day}T12:00:00Z`);
    noon.setUTCDate(noon.getUTCDate() + 1);
    return parisInstant(noon.toISOString().slice(0, 10), '00:00')!;
  };
  const from = next(at);
  return { from, to: next(from) };
}

function clock(at: Date): string {
  const { hour, minute } = parisParts(at);
  return minute ? `${hour} h ${String(minute).padStart(2, '0')}` : `${hour} h`;
}

/**
 * A mission's time as French readers write it: « samedi 5 décembre 2026, de 9 h à 12 h »,
 * « … à 9 h 30 » without an end; « Date flexible » when it has no start.
 */
export function scheduleLabel(startsAt: Date | null, endsAt: Date | null): string {
  if (!startsAt) return 'Date flexible';
  const day = DAY.format(startsAt);
  if (!endsAt) return `${day}, à ${clock(startsAt)}`;
  if (parisParts(endsAt).day === parisParts(startsAt).day) return `${day}, de ${clock(startsAt)} à ${clock(endsAt)}`;
  return `du ${day}, ${clock(startsAt)}, au ${DAY.format(endsAt)}, ${clock(endsAt)}`;
}

/** « 8 places restantes sur 20 », « 1 place restante sur 20 ». */
export function capacityLabel(placesLeft: number, needed: number): string {
  return `${placesLeft} place${placesLeft > 1 ? 's' : ''} restante${placesLeft > 1 ? 's' : ''} sur ${needed}`;
}
