import { escapeText, foldLine, parseCalendar, renderCalendar, utcDateTime } from './ics';

describe('iCalendar files (RFC 5545)', () => {
  const stamp = new Date('2026-12-01T10:00:00Z');

  it('escapes backslashes, semicolons, commas and line breaks in text', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('writes UTC date-times without separators', () => {
    expect(utcDateTime(new Date('2026-12-05T08:30:00.000Z'))).toBe('20261205T083000Z');
  });

  it('folds lines at 75 octets without splitting an accented letter, continuation lines starting with a space', () => {
    const line = 'SUMMARY:' + 'é'.repeat(60);
    const folded = foldLine(line).split('\r\n');
    expect(folded.length).toBeGreaterThan(1);
    for (const l of folded) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
    for (const l of folded.slice(1)) expect(l.startsWith(' ')).toBe(true);
    expect(folded.map((l, i) => (i ? l.slice(1) : l)).join('')).toBe(line);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });

  it('writes a calendar with CRLF line ends, UID, DTSTAMP, start and end, that reads back to the same values', () => {
    const description = 'Apportez des gants ; rendez-vous, à l’heure.\nMerci !';
    const text = renderCalendar({
      prodId: '-//Entraide//Missions//FR',
      name: 'Mes missions',
      stamp,
      events: [
        {
          uid: 'mission-1@lyon.example',
          start: new Date('2026-12-05T08:00:00Z'),
          end: new Date('2026-12-05T11:00:00Z'),
          summary: 'Distribution de colis, épicerie solidaire',
          description,
          location: 'Devant la MJC, 12 rue Paul-Bert, Lyon 3e',
          url: 'https://voisins-solidaires.lyon.fr/projets/1',
        },
        { uid: 'mission-2@lyon.example', start: new Date('2026-12-06T08:00:00Z'), summary: 'Maraude' },
      ],
    });
    expect(text.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    expect(text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Entraide//Missions//FR\r\n')).toBe(true);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    for (const l of text.split('\r\n')) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);

    const { calendar, events } = parseCalendar(text);
    expect(calendar['X-WR-CALNAME']).toBe('Mes missions');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      UID: 'mission-1@lyon.example',
      DTSTAMP: '20261201T100000Z',
      DTSTART: '20261205T080000Z',
      DTEND: '20261205T110000Z',
      SUMMARY: 'Distribution de colis, épicerie solidaire',
      DESCRIPTION: description,
      LOCATION: 'Devant la MJC, 12 rue Paul-Bert, Lyon 3e',
      URL: 'https://voisins-solidaires.lyon.fr/projets/1',
    });
    // Without an end, the event lasts two hours.
    expect(events[1].DTEND).toBe('20261206T100000Z');
  });

  it('refuses to read a file whose lines end with a bare LF', () => {
    expect(() => parseCalendar('BEGIN:VCALENDAR\nEND:VCALENDAR\n')).toThrow('CRLF');
  });
});
