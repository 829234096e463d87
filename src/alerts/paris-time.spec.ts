import { parisDayAndHour, startOfParisDay } from './paris-time';
import { unsubscribeToken, verifyUnsubscribeToken } from './unsubscribe-token';

describe('Paris days', () => {
  it('follows summer and winter time', () => {
    expect(parisDayAndHour(new Date('2026-07-01T22:30:00Z'))).toEqual({ day: '2026-07-02', hour: 0 });
    expect(parisDayAndHour(new Date('2026-12-01T22:30:00Z'))).toEqual({ day: '2026-12-01', hour: 23 });
    expect(startOfParisDay(new Date('2026-07-01T12:00:00Z')).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(startOfParisDay(new Date('2026-12-01T12:00:00Z')).toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });
});

describe('unsubscribe tokens', () => {
  const tenant = '11111111-1111-4111-8111-111111111111';
  const other = '22222222-2222-4222-8222-222222222222';
  const account = '33333333-3333-4333-8333-333333333333';
  it('verifies its own token only', () => {
    const token = unsubscribeToken('secret-secret-secret-secret-secret', tenant, account);
    expect(verifyUnsubscribeToken('secret-secret-secret-secret-secret', tenant, token)).toBe(account);
    expect(verifyUnsubscribeToken('secret-secret-secret-secret-secret', other, token)).toBeUndefined();
    expect(verifyUnsubscribeToken('another-secret-another-secret-xx', tenant, token)).toBeUndefined();
    expect(
      verifyUnsubscribeToken('secret-secret-secret-secret-secret', tenant, `${other}.${token.split('.')[1]}`),
    ).toBeUndefined();
    expect(verifyUnsubscribeToken('secret-secret-secret-secret-secret', tenant, 'garbage')).toBeUndefined();
  });
});
