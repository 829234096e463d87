import { unsubscribeToken, verifyUnsubscribeToken } from './unsubscribe-token';

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
