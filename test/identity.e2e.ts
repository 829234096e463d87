import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { loadTenantCatalogue } from '@src/tenants/tenant-files';
import { TEST_REDIS_URL } from './support/env';
import { createResident, FACTORY_PASSWORD } from './support/factories';
import { setIdentityProviders, signInAtProvider, startOidcProvider, RunningProvider } from './support/oidc-provider';
import { startListeningTestApp, ListeningTestApp } from './support/test-app';
import { expectNoAxeViolations, launchBrowser, openTenantPage } from './support/browser';
import { createTestDatabase, TestDatabase } from './support/test-db';

const MEYLAN_SIREN = '213802291';
const STATE_COOKIE = 'entraide_oidc_state';
/** Hosts with the listening port, for the browser and for inject alike: one redirect URI per client. */
let port = 0;
const host = (slug: string) => `${slug}.localhost:${port}`;
const hosts = (slug: string) => [`http://${host(slug)}`];
const fcRedirects = (slug: string, ids: string[]) =>
  hosts(slug).flatMap((origin) => ids.map((id) => `${origin}/connexion/${id}/retour`));
const logoutRedirects = () => hosts('meylan').map((origin) => `${origin}/`);

/** FranceConnect v2's shape: ES256 ID tokens, signed userinfo, pairwise sub, acr eidas1, no PKCE. */
const franceConnectClient = (id: string, slug: string, providerIds: string[], extra: Record<string, unknown> = {}) => ({
  client_id: id,
  client_secret: `${id}-secret-0123456789abcdef0123456789`,
  redirect_uris: fcRedirects(slug, providerIds),
  post_logout_redirect_uris: logoutRedirects(),
  token_endpoint_auth_method: 'client_secret_post',
  id_token_signed_response_alg: 'ES256',
  userinfo_signed_response_alg: 'ES256',
  subject_type: 'pairwise',
  ...extra,
});

/**
 * Sign-in with FranceConnect-like and ProConnect-like providers, each a real `oidc-provider` in a
 * child process, driven over HTTP: the application checks every step of the protocol itself.
 */
describe('Sign-in through identity providers', () => {
  let db: TestDatabase;
  let t: ListeningTestApp;
  let browser: Browser;
  let fc: RunningProvider;
  let late: RunningProvider;
  let pc: RunningProvider;
  let redis: Redis;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startListeningTestApp({ db });
    port = t.port;
    [browser, fc, late, pc] = await Promise.all([
      launchBrowser(),
      startOidcProvider({
        acrValues: ['eidas1'],
        clients: [
          franceConnectClient('meylan-fc', 'meylan', ['fc']),
          franceConnectClient('grenoble-fc', 'grenoble', ['fc']),
          // A client the provider answers with HS256 ID tokens, and one with plain JSON userinfo.
          franceConnectClient('meylan-hs', 'meylan', ['fc-hs'], { id_token_signed_response_alg: 'HS256' }),
          franceConnectClient('meylan-plain', 'meylan', ['fc-plain'], { userinfo_signed_response_alg: undefined }),
        ],
      }),
      // A provider whose clock is two hours behind: its ID tokens expired an hour ago.
      startOidcProvider({
        acrValues: ['eidas1'],
        clockOffsetSec: -7200,
        clients: [franceConnectClient('meylan-late', 'meylan', ['fc-late'])],
      }),
      // ProConnect's shape: RS256, PKCE, siret and usual_name claims.
      startOidcProvider({
        pkceRequired: true,
        siret: `${MEYLAN_SIREN}00017`,
        accounts: {
          'agent.ailleurs': { siret: '21380185500013' },
          // Agents of the commune's own directory (the `city` providers below), by their groups.
          'julie.accueil': { groups: ['bibliotheque', 'mairie-agents'] },
          'marc.stagiaire': { groups: ['bibliotheque'] },
          'odile.direction': { groups: ['mairie-agents'] },
        },
        clients: [
          {
            client_id: 'meylan-pc',
            client_secret: 'meylan-pc-secret-0123456789abcdef0123',
            redirect_uris: fcRedirects('meylan', ['pc']),
            post_logout_redirect_uris: logoutRedirects(),
            token_endpoint_auth_method: 'client_secret_post',
            id_token_signed_response_alg: 'RS256',
          },
          // The same server stands for a commune's own directory (`kind: oidc`, a group rule).
          ...['city', 'city-grant'].map((id) => ({
            client_id: `meylan-${id}`,
            client_secret: 'meylan-city-secret-0123456789abcdef0123',
            redirect_uris: fcRedirects('meylan', [id]),
            token_endpoint_auth_method: 'client_secret_post',
            id_token_signed_response_alg: 'RS256',
          })),
        ],
      }),
    ]);
    process.env.TEST_FC_MEYLAN = 'meylan-fc-secret-0123456789abcdef0123456789';
    process.env.TEST_FC_GRENOBLE = 'grenoble-fc-secret-0123456789abcdef0123456789';
    process.env.TEST_FC_HS = 'meylan-hs-secret-0123456789abcdef0123456789';
    process.env.TEST_FC_PLAIN = 'meylan-plain-secret-0123456789abcdef0123456789';
    process.env.TEST_FC_LATE = 'meylan-late-secret-0123456789abcdef0123456789';
    process.env.TEST_PC_MEYLAN = 'meylan-pc-secret-0123456789abcdef0123';
    process.env.TEST_CITY_MEYLAN = 'meylan-city-secret-0123456789abcdef0123';
    const franceConnect = (id: string, issuer: string, clientId: string, secretEnv: string) => ({
      id,
      kind: 'franceconnect' as const,
      for: 'residents' as const,
      issuer,
      clientId,
      clientSecretEnv: secretEnv,
      scopes: ['openid', 'given_name', 'family_name', 'email'],
      acrValues: 'eidas1',
      pkce: false,
      idTokenAlg: 'ES256' as const,
      signedUserinfo: true,
    });
    await setIdentityProviders(
      db,
      'meylan',
      [
        franceConnect('fc', fc.issuer, 'meylan-fc', 'TEST_FC_MEYLAN'),
        franceConnect('fc-hs', fc.issuer, 'meylan-hs', 'TEST_FC_HS'),
        franceConnect('fc-plain', fc.issuer, 'meylan-plain', 'TEST_FC_PLAIN'),
        franceConnect('fc-late', late.issuer, 'meylan-late', 'TEST_FC_LATE'),
        {
          id: 'pc',
          kind: 'proconnect',
          for: 'staff',
          issuer: pc.issuer,
          clientId: 'meylan-pc',
          clientSecretEnv: 'TEST_PC_MEYLAN',
          scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret', 'uid'],
          pkce: true,
          idTokenAlg: 'RS256',
          staff: { rule: { siretOfCommune: true }, role: 'moderator', grant: 'request' },
        },
        // The commune's own directory: its agents are those in the group "mairie-agents".
        ...(['request', 'grant'] as const).map((grant) => ({
          id: grant === 'request' ? 'city' : 'city-grant',
          kind: 'oidc' as const,
          label: grant === 'request' ? 'Annuaire de la mairie' : 'Annuaire de la direction',
          for: 'staff' as const,
          issuer: pc.issuer,
          clientId: grant === 'request' ? 'meylan-city' : 'meylan-city-grant',
          clientSecretEnv: 'TEST_CITY_MEYLAN',
          scopes: ['openid', 'email', 'given_name', 'family_name', 'groups'],
          pkce: true,
          idTokenAlg: 'RS256' as const,
          staff: {
            rule: { claim: 'groups', values: ['mairie-agents'] },
            role: grant === 'request' ? ('moderator' as const) : ('admin' as const),
            grant,
          },
        })),
        // Named in the file, but its secret is not in the environment: not offered.
        { ...franceConnect('fc-nosecret', fc.issuer, 'x', 'TEST_UNSET_SECRET'), kind: 'oidc', label: 'Ma ville' },
      ],
      MEYLAN_SIREN,
    );
    await setIdentityProviders(db, 'grenoble', [franceConnect('fc', fc.issuer, 'grenoble-fc', 'TEST_FC_GRENOBLE')]);
    // The providers' ports are known now: the tenants' settings are read again, as after `tenants:sync`.
    await t.app.get(TenantDirectory).reload();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    redis?.disconnect();
    await browser?.close();
    try {
      await t?.close();
      await Promise.all([fc?.close(), late?.close(), pc?.close()]);
    } finally {
      // The application was given this database: closing it leaves the database, its pool and its connections open.
      await db?.drop();
    }
  });

  /** Starts at the site, signs in at the provider; the callback as the browser would bring it back. */
  async function throughProvider(providerId: string, login: string) {
    const start = await t.request({ url: `/connexion/${providerId}`, host: host('meylan') });
    expect(start.status).toBe(302);
    const state = start.cookies.find((c) => c.name === STATE_COOKIE)!.value;
    const authorization = String(start.headers.location);
    const callback = await signInAtProvider(authorization, login);
    return { state, authorization, callback };
  }

  const back = (callback: string, state: string | undefined, slug = 'meylan') =>
    t.request({ url: callback, host: host(slug), headers: state ? { cookie: `${STATE_COOKIE}=${state}` } : {} });

  const sessionOf = (res: { cookies: Array<{ name: string; value: string }> }) =>
    res.cookies.find((c) => c.name === 'entraide_session' && c.value)?.value;

  const refusedWith = (res: { status: number; body: string }, status = 401) => {
    expect(res.status).toBe(status);
    expect(res.body).toContain('Connexion impossible');
  };

  const logged = (text: string) => t.logs.some((l) => l.includes(text));

  it('shows the providers with a secret on the sign-in and sign-up pages, in their own wording', async () => {
    const login = await t.request({ url: '/connexion' });
    expect(login.body).toContain('S’identifier avec FranceConnect');
    expect(login.body).toContain('Se connecter avec ProConnect');
    expect(login.body).not.toContain('Ma ville');
    expect(logged('fc-nosecret of tenant meylan is hidden: TEST_UNSET_SECRET is unset')).toBe(true);
    expect((await t.request({ url: '/inscription' })).body).toContain('S’identifier avec FranceConnect');
    expect((await t.request({ url: '/connexion', host: 'seyssins.localhost' })).body).not.toContain('FranceConnect');
  });

  it('creates a resident at the first sign-in ("Prénom I."), and finds the same account at the second', async () => {
    const first = await throughProvider('fc', 'marie.dupont');
    const url = new URL(first.authorization);
    expect(url.searchParams.get('acr_values')).toBe('eidas1');
    expect(url.searchParams.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(url.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const res = await back(first.callback, first.state);
    expect(res.status).toBe(303);
    const me = await t.request({ url: '/api/v1/me', session: sessionOf(res) });
    expect(me.json()).toMatchObject({ email: 'marie.dupont@exemple.fr', displayName: 'Marie D.' });

    const second = await throughProvider('fc', 'marie.dupont');
    const again = await t.request({ url: '/api/v1/me', session: sessionOf(await back(second.callback, second.state)) });
    expect(again.json().id).toBe(me.json().id);
    const { rows } = await db.admin.query('SELECT subject FROM external_identities WHERE account_id = $1', [
      me.json().id,
    ]);
    // FranceConnect's sub is pairwise: not the person's login, and linked once.
    expect(rows).toHaveLength(1);
    expect(rows[0].subject).not.toContain('marie');

    const exported = await t.request({ url: '/api/v1/me/export', session: sessionOf(res) });
    expect(exported.json().linkedIdentities).toEqual([expect.objectContaining({ provider: 'fc', issuer: fc.issuer })]);
  });

  it("refuses a callback whose state is not the browser's", async () => {
    const { callback } = await throughProvider('fc', 'paul.durand');
    const other = 'x'.repeat(43);
    const res = await back(callback, other);
    refusedWith(res);
    expect(sessionOf(res)).toBeUndefined();
    expect(logged('state does not match the browser')).toBe(true);
  });

  it('uses a code once: the same callback again is refused', async () => {
    const { state, callback } = await throughProvider('fc', 'lea.moreau');
    expect(sessionOf(await back(callback, state))).toBeDefined();
    const replay = await back(callback, state);
    refusedWith(replay);
    expect(sessionOf(replay)).toBeUndefined();
    expect(logged('unknown or used state')).toBe(true);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const { state, callback } = await throughProvider('fc', 'nina.petit');
    const tenantId = await db.tenantId('meylan');
    const key = `oidc:flow:${tenantId}:${createHash('sha256').update(state).digest('hex')}`;
    const flow = JSON.parse((await redis.get(key))!);
    await redis.set(key, JSON.stringify({ ...flow, nonce: 'n'.repeat(43) }), 'EX', 60);
    refusedWith(await back(callback, state));
    expect(logged('(OAUTH_JWT_CLAIM_COMPARISON_FAILED, claim nonce)')).toBe(true);
  });

  it('refuses an ID token signed with HS256 where ES256 is announced', async () => {
    const { state, callback } = await throughProvider('fc-hs', 'hugo.roux');
    refusedWith(await back(callback, state));
    expect(logged('alg HS256)')).toBe(true);
  });

  it('refuses a plain JSON userinfo where a signed one is required', async () => {
    const { state, callback } = await throughProvider('fc-plain', 'ines.blanc');
    refusedWith(await back(callback, state));
    expect(logged('OAUTH_JWT_USERINFO_EXPECTED')).toBe(true);
    const { rows } = await db.admin.query(`SELECT 1 FROM accounts WHERE email = 'ines.blanc@exemple.fr'`);
    expect(rows).toHaveLength(0);
  });

  it('refuses an expired ID token', async () => {
    const { state, callback } = await throughProvider('fc-late', 'jules.garnier');
    refusedWith(await back(callback, state));
    expect(logged('(OAUTH_JWT_TIMESTAMP_CHECK_FAILED, claim exp)')).toBe(true);
  });

  it("refuses a code from another provider than the one the flow started with (the callback's iss)", async () => {
    const { state } = await throughProvider('fc', 'max.girard');
    const other = new URL(`http://x${(await throughProvider('fc-late', 'max.girard')).callback}`);
    const mixedUp = `/connexion/fc/retour?code=${other.searchParams.get('code')}&state=${state}&iss=${late.issuer}`;
    refusedWith(await back(mixedUp, state));
    expect(logged('(issuer) response parameter value')).toBe(true);
  });

  it("refuses tenant A's callback on tenant B's host", async () => {
    const { state, callback } = await throughProvider('fc', 'zoe.fabre');
    const res = await back(callback, state, 'grenoble');
    refusedWith(res);
    const { rows } = await db.admin.query(`SELECT 1 FROM accounts WHERE email = 'zoe.fabre@exemple.fr'`);
    expect(rows).toHaveLength(0);
  });

  it('never merges a password account silently: its password is proved first, then it is linked', async () => {
    const owner = await createResident(db, 'meylan', { email: 'claire.martin@exemple.fr', displayName: 'Claire M.' });
    const { state, callback } = await throughProvider('fc', 'claire.martin');
    const res = await back(callback, state);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/compte/liaison');
    expect(sessionOf(res)).toBeUndefined();
    const link = res.cookies.find((c) => c.name === 'entraide_oidc_link')!.value;
    const cookie = `entraide_oidc_link=${link}`;
    const page = await t.request({ url: '/compte/liaison', headers: { cookie } });
    expect(page.body).toContain('claire.martin@exemple.fr');
    const post = (password: string) =>
      t.request({
        method: 'POST',
        url: '/compte/liaison',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ password }).toString(),
      });
    const wrong = await post('pas le bon mot de passe');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Mot de passe incorrect.');
    const ok = await post(FACTORY_PASSWORD);
    expect(ok.status).toBe(303);
    expect((await t.request({ url: '/api/v1/me', session: sessionOf(ok) })).json().id).toBe(owner.id);

    const next = await throughProvider('fc', 'claire.martin');
    const direct = await back(next.callback, next.state);
    expect((await t.request({ url: '/api/v1/me', session: sessionOf(direct) })).json().id).toBe(owner.id);
  });

  it('makes a staff request for an agent of the commune (ProConnect, PKCE); an administrator approves', async () => {
    const { state, authorization, callback } = await throughProvider('pc', 'agent.accueil');
    expect(new URL(authorization).searchParams.get('code_challenge_method')).toBe('S256');
    const res = await back(callback, state);
    expect(res.headers.location).toBe('/compte/demande-equipe');
    const agent = await t.request({ url: '/api/v1/me', session: sessionOf(res) });
    expect(agent.json().roles).toEqual(['resident']);

    const admin = await createResident(db, 'meylan', { roles: ['resident', 'admin'] });
    const list = await t.request({ url: '/administration/equipe/demandes', session: admin.session });
    expect(list.body).toContain('Agent A.');
    expect(list.body).toContain(`SIRET : ${MEYLAN_SIREN}00017`);
    const { rows } = await db.admin.query(`SELECT id FROM staff_requests WHERE status = 'pending'`);
    const decided = await t.request({
      method: 'POST',
      url: `/administration/equipe/demandes/${rows[0].id}`,
      session: admin.session,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'decision=approve',
    });
    expect(decided.status).toBe(303);
    const again = await t.request({
      method: 'POST',
      url: `/administration/equipe/demandes/${rows[0].id}`,
      session: admin.session,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'decision=refuse',
    });
    expect(again.headers.location).toBe('/administration/equipe/demandes?fait=deja');
    expect((await t.request({ url: '/api/v1/me', session: sessionOf(res) })).json().roles).toContain('moderator');
    const audit = await db.admin.query(`SELECT action FROM audit_log WHERE action LIKE 'staff.%' ORDER BY at`);
    expect(audit.rows.map((r: { action: string }) => r.action)).toEqual(['staff.requested', 'staff.request_approved']);
  });

  it("refuses an agent whose siret is another commune's", async () => {
    const { state, callback } = await throughProvider('pc', 'agent.ailleurs');
    refusedWith(await back(callback, state), 403);
    const { rows } = await db.admin.query(`SELECT 1 FROM accounts WHERE email = 'agent.ailleurs@exemple.fr'`);
    expect(rows).toHaveLength(0);
  });

  it("commune's own provider: an agent in the group gets a staff request, one outside it is refused", async () => {
    const member = await throughProvider('city', 'julie.accueil');
    const res = await back(member.callback, member.state);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/compte/demande-equipe');
    const agent = (await t.request({ url: '/api/v1/me', session: sessionOf(res) })).json();
    expect(agent.roles).toEqual(['resident']);
    const requests = await db.admin.query(
      'SELECT provider, role, evidence, status FROM staff_requests WHERE account_id = $1',
      [agent.id],
    );
    expect(requests.rows).toEqual([
      { provider: 'city', role: 'moderator', evidence: { groups: 'mairie-agents' }, status: 'pending' },
    ]);
    const audit = await db.admin.query('SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY action', [agent.id]);
    expect(audit.rows).toEqual([{ action: 'identity.account_created' }, { action: 'staff.requested' }]);

    const outsider = await throughProvider('city', 'marc.stagiaire');
    const refusal = await back(outsider.callback, outsider.state);
    refusedWith(refusal, 403);
    expect(sessionOf(refusal)).toBeUndefined();
    const { rows } = await db.admin.query(`SELECT 1 FROM accounts WHERE email = 'marc.stagiaire@exemple.fr'`);
    expect(rows).toHaveLength(0);
  });

  it('gives the role at once where the tenant file grants it directly, and audits the grant', async () => {
    const { state, callback } = await throughProvider('city-grant', 'odile.direction');
    const res = await back(callback, state);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const agent = (await t.request({ url: '/api/v1/me', session: sessionOf(res) })).json();
    expect(agent.roles).toEqual(expect.arrayContaining(['resident', 'admin']));
    const requests = await db.admin.query('SELECT 1 FROM staff_requests WHERE account_id = $1', [agent.id]);
    expect(requests.rows).toHaveLength(0);
    const audit = await db.admin.query(
      `SELECT action, data FROM audit_log WHERE target_id = $1 AND action LIKE 'staff.%'`,
      [agent.id],
    );
    expect(audit.rows).toEqual([
      { action: 'staff.granted_by_rule', data: { provider: 'city-grant', role: 'admin', groups: 'mairie-agents' } },
    ]);
  });

  it('signs out at the provider too, with the ID token as hint', async () => {
    const { state, callback } = await throughProvider('fc', 'remi.leroy');
    const session = sessionOf(await back(callback, state));
    const out = await t.request({ method: 'POST', url: '/deconnexion', host: host('meylan'), session });
    expect(out.status).toBe(303);
    const end = new URL(String(out.headers.location));
    expect(end.origin + end.pathname).toBe(`${fc.issuer}/session/end`);
    expect(end.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`http://${host('meylan')}/`);
    expect((await t.request({ url: '/api/v1/me', session })).status).toBe(401);
  });

  it('erases linked identities with the account', async () => {
    const { state, callback } = await throughProvider('fc', 'eve.noel');
    const session = sessionOf(await back(callback, state));
    const id = (await t.request({ url: '/api/v1/me', session })).json().id;
    expect((await t.request({ method: 'DELETE', url: '/api/v1/me', session })).status).toBe(204);
    const { rows } = await db.admin.query('SELECT 1 FROM external_identities WHERE account_id = $1', [id]);
    expect(rows).toHaveLength(0);
  });

  it('refuses a tenant file whose provider entry is wrong, naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenants-'));
    cpSync(join(__dirname, '..', 'tenants'), dir, { recursive: true });
    const file = join(dir, 'meylan.yaml');
    const entry =
      '\nidentityProviders:\n  - { id: fc, kind: franceconnect, for: residents, issuer: "https://fc.example/api/v2",' +
      ' clientId: abc, clientSecretEnv: "fc-secret", scopes: [openid], pkce: false }\n';
    writeFileSync(file, readFileSync(file, 'utf8') + entry);
    expect(() => loadTenantCatalogue(dir)).toThrow(/meylan\.yaml: identityProviders\.0\.clientSecretEnv: /);
  });

  describe('in the browser', () => {
    /** At the provider's login page (any login is accepted there), as `login`. */
    async function atProvider(page: Page, login: string) {
      await page.getByLabel('Identifiant').fill(login);
      await page.getByRole('button', { name: 'Continuer' }).click();
    }

    it('a resident signs in with FranceConnect ("Prénom I."), signs out there too, and in again', async () => {
      const page = await openTenantPage(browser, t, 'meylan', '/connexion');
      await expectNoAxeViolations(page, 'sign-in page with its providers');
      await page.getByRole('button', { name: 'S’identifier avec FranceConnect' }).first().click();
      await atProvider(page, 'sophie.lambert');
      await page.waitForURL(t.baseUrl('meylan'));
      expect(await page.getByRole('link', { name: 'Mon compte (Sophie L.)' }).count()).toBe(1);

      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.getByRole('button', { name: 'Se déconnecter du service d’identité' }).click();
      // Back on the front page (with the `state` of the sign-out request).
      await page.waitForURL((url) => url.href.startsWith(`${t.baseUrl('meylan')}?state=`));
      expect(await page.getByRole('link', { name: 'Se connecter' }).count()).toBe(1);

      await page.goto(new URL('connexion', t.baseUrl('meylan')).href);
      await page.getByRole('button', { name: 'S’identifier avec FranceConnect' }).first().click();
      await atProvider(page, 'sophie.lambert');
      await page.waitForURL(t.baseUrl('meylan'));
      expect(await page.getByRole('link', { name: 'Mon compte (Sophie L.)' }).count()).toBe(1);
      const { rows } = await db.admin.query(`SELECT 1 FROM accounts WHERE email = 'sophie.lambert@exemple.fr'`);
      expect(rows).toHaveLength(1);
      await page.close();
    });

    it('a resident with a password account proves it, and FranceConnect is linked to it', async () => {
      const owner = await createResident(db, 'meylan', { email: 'paul.henry@exemple.fr', displayName: 'Paul H.' });
      const page = await openTenantPage(browser, t, 'meylan', '/inscription');
      await page.getByRole('button', { name: 'S’identifier avec FranceConnect' }).first().click();
      await atProvider(page, 'paul.henry');
      await page.waitForURL(/\/compte\/liaison$/);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Lier votre compte');
      await expectNoAxeViolations(page, 'linking page');
      await page.getByLabel('Mot de passe de ce compte').fill(FACTORY_PASSWORD);
      await page.getByRole('button', { name: 'Lier et me connecter' }).click();
      await page.waitForURL(t.baseUrl('meylan'));
      expect(await page.getByRole('link', { name: 'Mon compte (Paul H.)' }).count()).toBe(1);
      const { rows } = await db.admin.query('SELECT provider FROM external_identities WHERE account_id = $1', [
        owner.id,
      ]);
      expect(rows).toEqual([{ provider: 'fc' }]);
      await page.close();
    });

    it('an agent signs in with ProConnect, an administrator approves the request, the agent moderates', async () => {
      const agent = await openTenantPage(browser, t, 'meylan', '/connexion');
      await agent.getByRole('button', { name: 'Se connecter avec ProConnect' }).click();
      await atProvider(agent, 'lucie.mairie');
      await agent.waitForURL(/\/compte\/demande-equipe$/);
      await expect(agent.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Votre demande est transmise');

      const admin = await createResident(db, 'meylan', { roles: ['resident', 'admin'] });
      const page = await openTenantPage(browser, t, 'meylan', '/administration/equipe/demandes', {
        session: admin.session,
      });
      await expectNoAxeViolations(page, 'staff requests');
      await page.getByRole('button', { name: 'Accorder le rôle à Lucie M.' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('Le rôle est accordé.');
      await page.close();

      await agent.goto(new URL('moderation', t.baseUrl('meylan')).href);
      await expect(agent.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Modération');
      await agent.close();
    });
  });
});
