import { runNode } from './support/commands';
import { categoryId } from './support/factories';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { startTestApp, testEnv, TestApp } from './support/test-app';

const PASSWORD = 'tisane et tartines du matin';

describe('residents: sign-up, verification, sessions, profile, export and erasure', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let n = 0;
  const uniqueEmail = (who = 'resident') => `${who}.${++n}.${Date.now()}@exemple.fr`;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const signup = (email: string, host = 'meylan.localhost', extra: Record<string, unknown> = {}, ip?: string) =>
    t.request({
      method: 'POST',
      url: '/api/v1/auth/signup',
      host,
      ip,
      payload: { email, password: PASSWORD, displayName: 'Marie Dupont', acceptTerms: true, ...extra },
    });

  const tokenFrom = async (email: string, path: string, host = 'meylan.localhost') => {
    const mail = await sink.waitFor(
      (m) => m.to.includes(email) && m.text.includes(`//${host}:`) && m.text.includes(path),
    );
    return new URL(linkIn(mail, path)).searchParams.get('token')!;
  };

  /** Signs up, follows the e-mailed link, logs in: returns the session token. */
  async function verifiedResident(email = uniqueEmail(), host = 'meylan.localhost'): Promise<string> {
    expect((await signup(email, host)).status).toBe(201);
    const token = await tokenFrom(email, '/compte/verification', host);
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/verify', host, payload: { token } })).status).toBe(
      200,
    );
    const login = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      host,
      payload: { email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    return login.cookies.find((c) => c.name === 'entraide_session')!.value;
  }

  it('signs up, e-mails a French verification link, verifies through it and logs in', async () => {
    const email = uniqueEmail();
    const res = await signup(email);
    expect(res.status).toBe(201);
    const mail = await sink.waitFor((m) => m.to.includes(email));
    expect(mail.from).toContain('Entraidons-nous');
    expect(mail.subject).toMatch(/[Vv]érifi|[Cc]onfirm/);
    const link = linkIn(mail, '/compte/verification');
    expect(link).toMatch(/^http:\/\/meylan\.localhost:\d+\/compte\/verification\?token=/);

    const before = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(before.status).toBe(403);

    const token = new URL(link).searchParams.get('token');
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/verify', payload: { token } })).status).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/verify', payload: { token } })).status).toBe(422);

    const login = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^entraide_session=[\w-]{40,};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    const session = login.cookies[0].value;
    const me = await t.request({ url: '/api/v1/me', session });
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({
      email,
      displayName: 'Marie D.',
      roles: ['resident'],
      emailVerified: true,
      location: null,
      notifications: { mode: 'off', radiusM: 1000, categoryIds: [] },
    });
  });

  it('answers a wrong password and an unknown address alike with 401', async () => {
    const email = uniqueEmail();
    expect(await verifiedResident(email)).toBeTruthy();
    const wrong = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'pas le bon mot de passe' },
    });
    const unknown = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'personne@exemple.fr', password: 'pas le bon mot de passe' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json().detail).toBe(unknown.json().detail);
  });

  it('does not reveal whether an address is registered', async () => {
    const email = uniqueEmail();
    const first = await signup(email);
    const second = await signup(email);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toBe(first.body);
    const resetKnown = await t.request({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    const resetUnknown = await t.request({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: 'inconnu@exemple.fr' },
    });
    expect([resetKnown.status, resetUnknown.status]).toEqual([202, 202]);
    expect(resetKnown.body).toBe(resetUnknown.body);
    // The account is written after the answer; its verification e-mail says it is there.
    await sink.waitFor((m) => m.to.includes(email) && m.text.includes('/compte/verification'));
    const { rows } = await t.db.admin.query('SELECT count(*)::int AS n FROM accounts WHERE email = $1', [email]);
    expect(rows[0].n).toBe(1);
  });

  it('names each bad field of a sign-up with 422 problem+json', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'pas-une-adresse', password: 'azertyuiop', displayName: 'X', acceptTerms: false, admin: true },
    });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'displayName', 'acceptTerms', 'admin']));

    const weak = await signup(uniqueEmail(), 'meylan.localhost', { password: 'motdepasse123' });
    expect(weak.status).toBe(422);
    expect(weak.json().errors).toEqual([{ field: 'password', message: expect.stringMatching(/trop courant/) }]);

    const nameless = await signup(uniqueEmail(), 'meylan.localhost', { displayName: 'Marie' });
    expect(nameless.json().errors).toEqual([{ field: 'displayName', message: expect.stringMatching(/initiale/) }]);

    const notJson = await t.request({ method: 'POST', url: '/api/v1/auth/signup', payload: '{"email":' });
    expect(notJson.status).toBe(400);
    expect(notJson.json().errors).toEqual([{ field: 'body', message: expect.any(String) }]);
  });

  it('resets a password end to end, signing out every other session', async () => {
    const email = uniqueEmail();
    const oldSession = await verifiedResident(email);
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } })).status).toBe(
      202,
    );
    const token = await tokenFrom(email, '/compte/nouveau-mot-de-passe');
    const weak = await t.request({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password: '1234567890' },
    });
    expect(weak.status).toBe(422);
    // The refused attempt did not burn the token: the transaction rolled back.
    const ok = await t.request({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password: 'un tout nouveau secret' },
    });
    expect(ok.status).toBe(200);
    expect((await t.request({ url: '/api/v1/me', session: oldSession })).status).toBe(401);
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })).status,
    ).toBe(401);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email, password: 'un tout nouveau secret' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/api/v1/auth/password-reset/confirm',
          payload: { token, password: 'encore un autre secret' },
        })
      ).status,
    ).toBe(422);
  });

  it(
    'keeps communes apart: a Grenoble session is anonymous on Meylan, and one address registers on both ' +
      'separately',
    async () => {
      const email = uniqueEmail();
      const grenoble = await verifiedResident(email, 'grenoble.localhost');
      expect((await t.request({ url: '/api/v1/me', host: 'grenoble.localhost', session: grenoble })).status).toBe(200);
      expect((await t.request({ url: '/api/v1/me', host: 'meylan.localhost', session: grenoble })).status).toBe(401);
      expect(
        (
          await t.request({
            method: 'POST',
            url: '/api/v1/auth/login',
            host: 'meylan.localhost',
            payload: { email, password: PASSWORD },
          })
        ).status,
      ).toBe(401);
      const meylan = await verifiedResident(email, 'meylan.localhost');
      const ids = await Promise.all([
        t.request({ url: '/api/v1/me', host: 'grenoble.localhost', session: grenoble }),
        t.request({ url: '/api/v1/me', host: 'meylan.localhost', session: meylan }),
      ]);
      expect(ids[0].json().id).not.toBe(ids[1].json().id);
    },
  );

  it('refuses a state change made with the cookie but without this site as Origin', async () => {
    const session = await verifiedResident();
    const patch = { displayName: 'Lucie Martin' };
    expect(
      (await t.request({ method: 'PATCH', url: '/api/v1/me', session, payload: patch, origin: null })).status,
    ).toBe(403);
    expect(
      (
        await t.request({
          method: 'PATCH',
          url: '/api/v1/me',
          session,
          payload: patch,
          origin: 'http://evil.localhost',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.request({
          method: 'PATCH',
          url: '/api/v1/me',
          session,
          payload: patch,
          origin: 'http://grenoble.localhost',
        })
      ).status,
    ).toBe(403);
    const ok = await t.request({ method: 'PATCH', url: '/api/v1/me', session, payload: patch });
    expect(ok.status).toBe(200);
    expect(ok.json().displayName).toBe('Lucie M.');
  });

  it('limits sign-ups per IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await signup(uniqueEmail('flood'), 'seyssins.localhost', { password: 'x' }, '192.0.2.10')).status);
    expect(statuses.slice(0, 10).every((s) => s === 422)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('validates the profile: location inside the commune, radius, categories of this site', async () => {
    const session = await verifiedResident();
    const cats = (await t.request({ url: '/api/v1/categories' })).json();
    const lyonCats = (await t.request({ url: '/api/v1/categories', host: 'lyon.localhost' })).json();
    const bad = async (payload: object) =>
      (await t.request({ method: 'PATCH', url: '/api/v1/me', session, payload }))
        .json()
        .errors?.map((e: { field: string }) => e.field);
    expect(await bad({ location: { lat: 45.764, lng: 4.836 } })).toEqual(['location']);
    expect(await bad({ location: { lat: 200, lng: 5.77 } })).toEqual(['location.lat']);
    expect(await bad({ notifications: { radiusM: 50 } })).toEqual(['notifications.radiusM']);
    expect(await bad({ notifications: { mode: 'toujours' } })).toEqual(['notifications.mode']);
    expect(await bad({ notifications: { categoryIds: ['pas-un-uuid'] } })).toEqual(['notifications.categoryIds']);
    expect(await bad({ notifications: { categoryIds: [lyonCats[0].id] } })).toEqual(['notifications.categoryIds']);
    const ok = await t.request({
      method: 'PATCH',
      url: '/api/v1/me',
      session,
      payload: {
        location: { lat: 45.2101, lng: 5.7789 },
        notifications: { mode: 'daily', radiusM: 1500, categoryIds: [cats[0].id] },
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({
      location: { lat: 45.2101, lng: 5.7789 },
      notifications: { mode: 'daily', radiusM: 1500, categoryIds: [cats[0].id] },
    });
  });

  it('exports what was stored, then erases it: no row holds the address, the name or the location', async () => {
    const email = uniqueEmail('effacement');
    const session = await verifiedResident(email);
    // A listing of theirs shows their name: kept on the listing (migration 1732300035000), renamed with the account.
    const listing = await t.request({
      method: 'POST',
      url: '/api/v1/listings',
      session,
      payload: {
        kind: 'offer',
        mode: 'in_person',
        categoryId: await categoryId(t.db, 'meylan', 'divers'),
        title: 'Petits travaux de couture',
        description: 'Ourlets, boutons et fermetures éclair recousus, le samedi matin.',
        location: { lat: 45.2125, lng: 5.77715 },
      },
    });
    expect(listing.status).toBe(201);
    const authorOfListing = async () => {
      const found = await t.request({ url: '/api/v1/listings?near=45.2125,5.77715&radius=2000&limit=100' });
      return found.json().items.find((i: { id: string }) => i.id === listing.json().id)?.author.displayName;
    };
    expect(await authorOfListing()).toBe('Marie D.');
    await t.request({
      method: 'PATCH',
      url: '/api/v1/me',
      session,
      payload: { displayName: 'Bérénice Quintard', location: { lat: 45.20876, lng: 5.78123 } },
    });
    expect(await authorOfListing()).toBe('Bérénice Q.');
    const exp = await t.request({ url: '/api/v1/me/export', session });
    expect(exp.status).toBe(200);
    expect(exp.headers['content-disposition']).toMatch(/attachment/);
    const data = exp.json();
    expect(data.account).toMatchObject({
      email,
      displayName: 'Bérénice Q.',
      location: { lat: 45.20876, lng: 5.78123 },
      hasPassword: true,
    });
    expect(data.account.passwordHash).toBeUndefined();
    expect(data.sessions.length).toBeGreaterThan(0);
    expect(data.tokens.map((x: { purpose: string }) => x.purpose)).toContain('verify');
    expect(exp.body).not.toMatch(/scrypt\$/);

    expect((await t.request({ method: 'DELETE', url: '/api/v1/me', session })).status).toBe(204);
    expect((await t.request({ url: '/api/v1/me', session })).status).toBe(401);
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })).status,
    ).toBe(401);

    const { rows: tables } = await t.db.admin.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE ` +
        `TABLE' AND table_name <> 'spatial_ref_sys'`,
    );
    for (const { table_name } of tables) {
      for (const needle of [email, 'Bérénice', '45.20876', '5.78123']) {
        const { rows } = await t.db.admin.query(
          `SELECT count(*)::int AS n FROM ${table_name} x WHERE x::text ILIKE '%' || $1 || '%'`,
          [needle],
        );
        expect({ table_name, needle, rows: rows[0].n }).toEqual({ table_name, needle, rows: 0 });
      }
    }
    const { rows } = await t.db.admin.query(
      `SELECT count(*)::int AS n FROM accounts WHERE location IS NOT NULL AND ST_DWithin(location, ` +
        `ST_MakePoint(5.78123, 45.20876)::geography, 1)`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('staff:invite e-mails an invitation that leads to a working staff login', async () => {
    const email = uniqueEmail('agent');
    const env = testEnv(t.db, { QUEUE_PREFIX: t.config.queuePrefix, SMTP_URL: sink.url, LOG_LEVEL: 'warn' });
    const res = runNode(
      'dist/src/cli.js',
      ['staff:invite', '--tenant', 'meylan', '--email', email, '--role', 'moderator'],
      env,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const mail = await sink.waitFor((m) => m.to.includes(email));
    expect(mail.text).toMatch(/modérateur/);
    const token = new URL(linkIn(mail, '/invitation')).searchParams.get('token');
    const accept = await t.request({
      method: 'POST',
      url: '/api/v1/auth/invitations/accept',
      payload: { token, password: 'le café de la mairie', displayName: 'Paul Agent' },
    });
    expect(accept.status).toBe(200);
    expect(accept.json().roles).toEqual(['resident', 'moderator']);
    const login = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'le café de la mairie' },
    });
    expect(login.status).toBe(200);
    expect(login.json().roles).toContain('moderator');
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/api/v1/auth/invitations/accept',
          payload: { token, password: 'le café de la mairie', displayName: 'Paul Agent' },
        })
      ).status,
    ).toBe(422);
  });

  it('staff:invite --federation makes an inter-commune administrator on the federation home site', async () => {
    const email = uniqueEmail('metro');
    const env = testEnv(t.db, { QUEUE_PREFIX: t.config.queuePrefix, SMTP_URL: sink.url, LOG_LEVEL: 'warn' });
    const res = runNode(
      'dist/src/cli.js',
      ['staff:invite', '--federation', 'grenoble-alpes-metropole', '--email', email],
      env,
    );
    expect(res.code).toBe(0);
    const mail = await sink.waitFor((m) => m.to.includes(email));
    expect(mail.text).toMatch(/Grenoble Alpes Métropole/);
    const link = linkIn(mail, '/invitation');
    expect(new URL(link).hostname).toBe('metropole.localhost');
    const accept = await t.request({
      method: 'POST',
      url: '/api/v1/auth/invitations/accept',
      host: 'metropole.localhost',
      payload: {
        token: new URL(link).searchParams.get('token'),
        password: 'la métropole veille',
        displayName: 'Inès Admin',
      },
    });
    expect(accept.json().roles).toEqual(['resident', 'federation_admin']);
  });

  it('staff:invite refuses bad arguments with its usage line', () => {
    const res = runNode(
      'dist/src/cli.js',
      ['staff:invite', '--tenant', 'meylan', '--email', 'x@y.fr', '--role', 'roi'],
      testEnv(t.db),
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/usage: npm run cli -- staff:invite/);
  });
});
