/**
 * iCalendar (RFC 5545) for events a person adds to their calendar: CRLF line ends, lines folded
 * at 75 octets without splitting a UTF-8 character, TEXT values escaped, times in UTC (so no
 * VTIMEZONE is needed), a UID and a DTSTAMP on every event.
 */
export interface CalendarEvent {
  /** Globally unique and stable across downloads, so a calendar updates the event instead of duplicating it. */
  uid: string;
  start: Date;
  /** Defaults to `start` plus `defaultDurationMs` of the calendar. */
  end?: Date | null;
  summary: string;
  description?: string;
  location?: string;
  url?: string;
  /** When the event's description last changed; defaults to the calendar's `stamp`. */
  stamp?: Date;
}

export interface Calendar {
  /** `-//Owner//Product//FR` */
  prodId: string;
  /** Shown by clients as the calendar's name (X-WR-CALNAME). */
  name?: string;
  events: CalendarEvent[];
  /** DTSTAMP of events without their own: when this file was made. */
  stamp: Date;
  defaultDurationMs?: number;
}

const MAX_OCTETS = 75;
const TWO_HOURS = 2 * 3600_000;

/** A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 §3.3.11). */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** A DATE-TIME in UTC: 20261205T080000Z. */
export function utcDateTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Folds one content line into lines of at most 75 octets, continuation lines starting with a space (§3.1). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (octets + size > MAX_OCTETS) {
      out.push(current);
      current = ' ';
      octets = 1;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n');
}

/** The calendar as an .ics file's text. */
export function renderCalendar(cal: Calendar): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${cal.prodId}`, 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];
  if (cal.name) lines.push(`X-WR-CALNAME:${escapeText(cal.name)}`);
  for (const e of cal.events) {
    const end = e.end ?? new Date(e.start.getTime() + (cal.defaultDurationMs ?? TWO_HOURS));
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${utcDateTime(e.stamp ?? cal.stamp)}`,
      `DTSTART:${utcDateTime(e.start)}`,
      `DTEND:${utcDateTime(end)}`,
      `SUMMARY:${escapeText(e.summary)}`,
    );
    if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
    if (e.url) lines.push(`URL:${e.url}`);
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/** One property of a parsed component: its name, parameters and value (TEXT unescaped). */
export type IcsProperties = Record<string, string>;

/**
 * Reads an .ics file back: unfolds lines, and gives each VEVENT's properties (parameters
 * dropped, TEXT values unescaped). Strict about line ends: a bare LF is an error.
 */
export function parseCalendar(text: string): { calendar: IcsProperties; events: IcsProperties[] } {
  if (/[^\r]\n/.test(text) || !text.endsWith('\r\n')) throw new Error('lines must end with CRLF');
  const lines = text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .slice(0, -1);
  const calendar: IcsProperties = {};
  const events: IcsProperties[] = [];
  let event: IcsProperties | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) throw new Error(`not a content line: ${line}`);
    const name = line.slice(0, colon).split(';')[0].toUpperCase();
    const value = line.slice(colon + 1);
    if (name === 'BEGIN' && value === 'VEVENT') event = {};
    else if (name === 'END' && value === 'VEVENT' && event) {
      events.push(event);
      event = undefined;
    } else (event ?? calendar)[name] = unescapeText(value);
  }
  return { calendar, events };
}

function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}
