// Built once: constructing a formatter with a time zone costs far more than formatting with it.
const PARIS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  hourCycle: 'h23',
});

/** Europe/Paris calendar day (YYYY-MM-DD) and hour of an instant: digests and daily caps follow French days. */
export function parisDayAndHour(at: Date): { day: string; hour: number } {
  const parts = Object.fromEntries(PARIS.formatToParts(at).map((p) => [p.type, p.value]));
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

/** The instant the Paris day of `at` began (for "today's" counters). */
export function startOfParisDay(at: Date): Date {
  const { day } = parisDayAndHour(at);
  // Paris is UTC+1 or UTC+2: try both offsets and keep the one that lands on local midnight.
  for (const offset of ['+01:00', '+02:00']) {
    const candidate = new Date(`${day}T00:00:00${offset}`);
    if (parisDayAndHour(candidate).day === day && parisDayAndHour(candidate).hour === 0) return candidate;
  }
  return new Date(`${day}T00:00:00+01:00`);
}
