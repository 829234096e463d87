import { formatLsn, parseLsn } from './replica';

describe('WAL positions', () => {
  it('compare as numbers, whatever the length of their halves', () => {
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(parseLsn('A/1') < parseLsn('a/2')).toBe(true);
    for (const text of ['0/16B3748', '1/0', 'FFFFFFFF/FFFFFFFF']) expect(formatLsn(parseLsn(text))).toBe(text);
  });

  it('refuse anything else (a cookie is the client’s to forge)', () => {
    for (const bad of ['', '0', '0/', '/1', '0/1/2', 'G/1', '123456789/0', '0/1; DROP', ' 0/1'])
      expect(() => parseLsn(bad)).toThrow(/not a WAL position/);
  });
});
