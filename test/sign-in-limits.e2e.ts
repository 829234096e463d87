import Redis from 'ioredis';
import { TEST_REDIS_URL } from './support/env';
import { createResident, FACTORY_PASSWORD, ResidentFixture } from './support/factories';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

const WRONG = 'pas le bon mot de passe';

describe('sign-in and e-mail limits: strangers cannot lock a resident out, and communes count apart', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let ipSeq = 0;
  // One fresh documentation address per client of a test, so tests do not share counters.
  const newIp = () => `203.0.113.${++ipSeq}`;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const login = (email: string, password: string, ip: string, host = 'meylan.localhost') =>
    t.request({ method: 'POST', url: '/api/v1/auth/login', host, ip, payload: { email, password } });
  const reset = (email: string, ip: string, host = 'meylan.localhost') =>
    t.request({ method: 'POST', url: '/api/v1/auth/password-reset', host, ip, payload: { email } });
  const resident = (slug = 'meylan', email?: string): Promise<ResidentFixture> =>
    createResident(t.db, slug, email ? { email } : {});

  it(
    "lets the owner sign in from another IP after a stranger's 20 wrong passwords, and blocks the stranger's " +
      'client',
    async () => {
      const owner = await resident();
      const stranger = newIp();
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await login(owner.email, WRONG, stranger));
      expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
      for (const refused of answers.slice(5)) {
        expect(refused.status).toBe(429);
        expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(refused.json().detail).toMatch(/^Trop de tentatives\. Réessayez dans /);
      }
      // Even the right password is refused to the client that guessed: it is slowed, not evaluated.
      expect((await login(owner.email, FACTORY_PASSWORD, stranger)).status).toBe(429);

      const signedIn = await login(owner.email, FACTORY_PASSWORD, newIp());
      expect(signedIn.status).toBe(200);
      expect(signedIn.cookies.find((c) => c.name === 'entraide_session')?.value).toBeTruthy();
    },
  );

  it(
    'slows down, by seconds, each client that failed on an address under attack from many clients, never the ' +
      'owner',
    async () => {
      const owner = await resident();
      for (const ip of [newIp(), newIp()])
        for (let i = 0; i < 5; i++) expect((await login(owner.email, WRONG, ip)).status).toBe(401);
      // A third client may still try once (it had not failed on this address) …
      const third = newIp();
      expect((await login(owner.email, WRONG, third)).status).toBe(401);
      // … then waits a few seconds before each further attempt, well before its own 5 failures.
      const slowed = await login(owner.email, WRONG, third);
      expect(slowed.status).toBe(429);
      expect(Number(slowed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(slowed.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(slowed.json().detail).toMatch(/seconde/);

      expect((await login(owner.email, FACTORY_PASSWORD, newIp())).status).toBe(200);
    },
  );

  it('accepts 40 successful sign-ins from one IP (a town-hall office)', async () => {
    const office = newIp();
    const agents = await Promise.all([resident(), resident(), resident(), resident()]);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await login(agents[i % agents.length].email, FACTORY_PASSWORD, office)).status);
    expect(statuses).toEqual(Array(40).fill(200));
  }, 240_000); // 40 scrypt verifications on a busy machine

  it("forgets a client's failures on an address once that client signs in", async () => {
    const owner = await resident();
    const ip = newIp();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(owner.email, WRONG, ip)).status);
    statuses.push((await login(owner.email, FACTORY_PASSWORD, ip)).status);
    // Without the reset, the second of these would be the sixth failure and refused.
    for (let i = 0; i < 4; i++) statuses.push((await login(owner.email, WRONG, ip)).status);
    statuses.push((await login(owner.email, FACTORY_PASSWORD, ip)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 200, 401, 401, 401, 401, 200]);
  });

  it("keeps Meylan's counters from limiting Lyon, for password resets and sign-ins", async () => {
    const email = `deux.communes.${Date.now()}@exemple.fr`;
    await resident('meylan', email);
    await resident('lyon', email);

    const resets = [];
    for (let i = 0; i < 4; i++) resets.push((await reset(email, newIp())).status);
    expect(resets).toEqual([202, 202, 202, 429]);
    expect((await reset(email, newIp(), 'lyon.localhost')).status).toBe(202);
    await sink.waitFor(
      (m) =>
        m.to.includes(email) && m.text.includes('//lyon.localhost:') && m.text.includes('/compte/nouveau-mot-de-passe'),
    );

    const ip = newIp();
    for (let i = 0; i < 5; i++) expect((await login(email, WRONG, ip)).status).toBe(401);
    expect((await login(email, WRONG, ip)).status).toBe(429);
    expect((await login(email, WRONG, ip, 'lyon.localhost')).status).toBe(401);
    expect((await login(email, FACTORY_PASSWORD, ip, 'lyon.localhost')).status).toBe(200);
  });

  it('answers a password reset with 202 before writing its e-mail, for known and unknown addresses alike', async () => {
    const owner = await resident();
    // While this transaction holds the tokens table, no reset token can be written: an answer
    // that waited for the work would never come.
    const blocker = await t.db.admin.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE account_tokens IN EXCLUSIVE MODE');
      const known = await reset(owner.email, newIp());
      const unknown = await reset(`inconnu.${Date.now()}@exemple.fr`, newIp());
      expect([known.status, unknown.status]).toEqual([202, 202]);
      expect(known.body).toBe(unknown.body);
      const { rows } = await blocker.query(
        `SELECT count(*)::int AS n FROM account_tokens WHERE account_id = $1 AND purpose = 'reset'`,
        [owner.id],
      );
      expect(rows[0].n).toBe(0);
      expect(sink.messages.some((m) => m.to.includes(owner.email))).toBe(false);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    const mail = await sink.waitFor(
      (m) => m.to.includes(owner.email) && m.text.includes('/compte/nouveau-mot-de-passe'),
    );
    const token = new URL(linkIn(mail, '/compte/nouveau-mot-de-passe')).searchParams.get('token');
    const confirmed = await t.request({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password: 'un tout nouveau secret' },
    });
    expect(confirmed.status).toBe(200);
    expect((await login(owner.email, 'un tout nouveau secret', newIp())).status).toBe(200);
  });

  it('answers a sign-up and a verification resend before writing, for new and registered addresses alike', async () => {
    const registered = await createResident(t.db, 'meylan', { verified: false });
    const fresh = `nouvelle.${Date.now()}@exemple.fr`;
    const signup = (email: string) =>
      t.request({
        method: 'POST',
        url: '/api/v1/auth/signup',
        ip: newIp(),
        payload: { email, password: 'tisane et tartines du matin', displayName: 'Marie Dupont', acceptTerms: true },
      });
    const blocker = await t.db.admin.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE account_tokens IN EXCLUSIVE MODE');
      const answers = [await signup(fresh), await signup(registered.email)];
      expect(answers.map((a) => a.status)).toEqual([201, 201]);
      expect(answers[0].body).toBe(answers[1].body);
      const resent = await t.request({
        method: 'POST',
        url: '/api/v1/auth/verify/resend',
        ip: newIp(),
        payload: { email: registered.email },
      });
      expect(resent.status).toBe(202);
      expect(sink.messages.some((m) => m.to.includes(fresh) || m.to.includes(registered.email))).toBe(false);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    await sink.waitFor((m) => m.to.includes(fresh) && m.text.includes('/compte/verification'));
    // Two links for the unverified owner: the sign-up's and the resend's.
    await sink.waitFor(
      () =>
        sink.messages.filter((m) => m.to.includes(registered.email) && m.text.includes('/compte/verification'))
          .length === 2,
    );
  });

  it('leaves nothing in Redis once closed: its counters and queues go with it', async () => {
    const other = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    const keys = () => scanAll(`${other.config.queuePrefix}:*`);
    try {
      const owner = await createResident(other.db, 'meylan');
      const failed = await other.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        ip: newIp(),
        payload: { email: owner.email, password: WRONG },
      });
      expect(failed.status).toBe(401);
      // The queues' keys are written by the in-process workers as they start: waited for, not assumed.
      let held = await keys();
      for (const end = Date.now() + 10_000; !held.some((k) => k.includes(':mail:')) && Date.now() < end;)
        held = await new Promise((resolve) => setTimeout(resolve, 50)).then(keys);
      expect(held.some((k) => k.includes(':rl:'))).toBe(true);
      expect(held.some((k) => k.includes(':mail:'))).toBe(true);
    } finally {
      await other.close();
    }
    expect(await keys()).toEqual([]);
  });
});

/** Every key of the tests' Redis matching `pattern`. */
async function scanAll(pattern: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const found: string[] = [];
    for await (const keys of redis.scanStream({ match: pattern, count: 1_000 }) as AsyncIterable<string[]>)
      found.push(...keys);
    return found;
  } finally {
    redis.disconnect();
  }
}
