import { frenchDate, frenchDateTime, frenchNumber, frenchOneDecimal } from './french-format';

describe('French formats', () => {
  it('groups thousands with a narrow no-break space and writes a decimal comma', () => {
    expect(frenchNumber(1000)).toBe('1\u202f000');
    expect(frenchNumber(1.5)).toBe('1,5');
    expect(frenchOneDecimal(97.25)).toBe('97,3');
    expect(frenchOneDecimal(100)).toBe('100');
  });

  it('writes dates in Paris time, winter and summer', () => {
    expect(frenchDateTime(new Date('2026-12-07T08:05:00Z'))).toBe('7 déc. 2026, 09:05');
    expect(frenchDateTime(new Date('2026-07-01T10:00:00Z'))).toBe('1 juil. 2026, 12:00');
    expect(frenchDate(new Date('2026-12-31T23:30:00Z'))).toBe('1 janvier 2027');
  });

  it('gives what toLocaleString gives, one format after another', () => {
    const time = { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' } as const;
    for (const d of [new Date('2026-03-29T00:59:00Z'), new Date('2026-10-25T01:30:00Z'), new Date('x')]) {
      for (const n of [0, 12, 1234.56, 1_000_000]) {
        expect(frenchNumber(n)).toBe(n.toLocaleString('fr-FR'));
        expect(frenchOneDecimal(n)).toBe(n.toLocaleString('fr-FR', { maximumFractionDigits: 1 }));
      }
      expect(frenchDateTime(d)).toBe(
        d.toLocaleString('fr-FR', { day: 'numeric', month: 'short', year: 'numeric', ...time }),
      );
      expect(frenchDate(d)).toBe(
        d.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' }),
      );
    }
  });
});
