import type { TestApp } from './test-app';

/**
 * The first administrator of a commune just opened: accepts the invitation e-mailed to `email` (its link) with a
 * password, checks the roles it gives, signs in, and answers the session.
 */
export async function acceptFirstAdminInvitation(
  t: TestApp,
  link: URL,
  email: string,
  displayName: string,
): Promise<{ host: string; session: string }> {
  const host = link.hostname;
  const password = 'la mairie ouvre son site';
  const accepted = await t.request({
    method: 'POST',
    url: '/api/v1/auth/invitations/accept',
    host,
    payload: { token: link.searchParams.get('token'), password, displayName },
  });
  expect(accepted.status).toBe(200);
  expect(accepted.json().roles).toEqual(['resident', 'admin']);
  const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', host, payload: { email, password } });
  expect(login.status).toBe(200);
  return { host, session: login.cookies.find((c) => c.name === 'entraide_session')!.value };
}
