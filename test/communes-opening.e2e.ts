import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { expectNoAxeViolations, launchBrowser, navigation, openTenantPage } from './support/browser';
import { ROOT, runNode } from './support/commands';
import { RunningProvider, signInAtProvider, startOidcProvider } from './support/oidc-provider';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { acceptFirstAdminInvitation } from './support/communes';
import { ListeningTestApp, startTestApp, testEnv } from './support/test-app';

const RIVEBELLE_SIREN = '213809011';
const STATE_COOKIE = 'entraide_opening_state';
const CLIENT = { id: 'entraide-plateforme', secret: 'entraide-plateforme-secret-0123456789abcdef' };
const fixture = (year: number) => join(ROOT, 'test', 'fixtures', 'communes', `year-${year}.json`);

/** A free TCP port of 127.0.0.1: the provider must know the platform's redirect URI before the application starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Opening a commune: a town-hall agent asks on the dormant commune's page by signing in with ProConnect (a real
 * `oidc-provider` shaped like ProConnect: RS256, signed userinfo, siret), the platform operator confirms with
 * communes:open --request, the agent is invited and administers the site. Then the merge proposals an import stores
 * for open communes. The tests run in order, on one database, as an operator would.
 */
describe('Opening a commune on request, and merge proposals', () => {
  let t: ListeningTestApp;
  let sink: SmtpSink;
  let pc: RunningProvider;
  let browser: Browser;
  let port = 0;
  const platform = () => `localhost:${port}`;
  const env = () =>
    testEnv(t.db, { QUEUE_PREFIX: t.config.queuePrefix, SMTP_URL: sink.url, LOG_LEVEL: 'warn' }) as Record<
      string,
      string
    >;
  const cli = (...args: string[]) => runNode('dist/src/cli.js', args, env());
  const reload = () => t.app.get(TenantDirectory).reload();

  beforeAll(async () => {
    port = await freePort();
    [sink, browser, pc] = await Promise.all([
      SmtpSink.start(),
      launchBrowser(),
      startOidcProvider({
        siret: `${RIVEBELLE_SIREN}00016`,
        accounts: { 'agent.ailleurs': { siret: '21380185500013' }, 'agent.sans-siret': { siret: null } },
        clients: [
          {
            client_id: CLIENT.id,
            client_secret: CLIENT.secret,
            redirect_uris: [`http://localhost:${port}/ouverture/retour`],
            token_endpoint_auth_method: 'client_secret_post',
            id_token_signed_response_alg: 'RS256',
            userinfo_signed_response_alg: 'RS256',
          },
        ],
      }),
    ]);
    const app = await startTestApp({
      env: {
        WORKERS: 'on',
        SMTP_URL: sink.url,
        OPENING_PROCONNECT_ISSUER: pc.issuer,
        OPENING_PROCONNECT_CLIENT_ID: CLIENT.id,
        OPENING_PROCONNECT_CLIENT_SECRET: CLIENT.secret,
      },
    });
    await app.app.listen(port, '127.0.0.1');
    t = { ...app, port, baseUrl: (slug) => `http://${slug}.localhost:${port}/` };
    const imported = cli('communes:import', '--from', fixture(1));
    expect(imported.stderr).toBe('');
    await reload();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([sink?.stop(), pc?.close()]);
  });

  const rows = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await t.db.admin.query(sql, params)).rows as T[];

  /** From the platform's « Demander l’ouverture » to ProConnect and back, over HTTP, as `login`. */
  async function askAs(login: string, insee = '38901') {
    const start = await t.request({ url: `/ouverture/demande?commune=${insee}`, host: platform() });
    expect(start.status).toBe(302);
    const state = start.cookies.find((c) => c.name === STATE_COOKIE)!.value;
    const callback = await signInAtProvider(String(start.headers.location), login);
    return { state, callback };
  }
  const back = (callback: string, state?: string) =>
    t.request({ url: callback, host: platform(), headers: state ? { cookie: `${STATE_COOKIE}=${state}` } : {} });

  /** Ordinary spaces before « : ; ! ? » or inside « », straight apostrophes: what French typography forbids. */
  const typographyFaults = (text: string) => text.match(/ [:;!?»]|« |'/g) ?? [];

  describe('the dormant commune’s page', () => {
    let page: Page;
    afterEach(() => page?.close());

    it('reads well and passes axe at 1280 px, at 360 px and zoomed to 200 %, in French typography', async () => {
      page = await openTenantPage(browser, t, 'rivebelle', '/', { status: 404 });
      expect(await page.title()).toBe('Entraide à Rivebelle\u00a0: service pas encore ouvert');
      await expectNoAxeViolations(page, 'dormant commune');
      const text = await page.locator('main').innerText();
      expect(typographyFaults(text)).toEqual([]);
      expect(text).toContain('Aucun développement n’est nécessaire\u00a0: le site ouvre');
      const link = page.getByRole('link', { name: 'Demander l’ouverture avec ProConnect' });
      expect(await link.getAttribute('href')).toBe(`http://${platform()}/ouverture/demande?commune=38901`);

      const overflows = () =>
        page.evaluate(() => {
          const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement;
          return root.scrollWidth > (globalThis as unknown as { innerWidth: number }).innerWidth;
        });
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await overflows()).toBe(false);
      await expectNoAxeViolations(page, 'dormant commune at 360 px');
      // 200 % zoom of a 1280 px window: the page lays out in 640 CSS pixels with every length doubled.
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.evaluate(() => {
        (
          globalThis as unknown as { document: { documentElement: { style: { zoom: string } } } }
        ).document.documentElement.style.zoom = '2';
      });
      expect(await overflows()).toBe(false);
      expect(await link.isVisible()).toBe(true);
      await expectNoAxeViolations(page, 'dormant commune at 200 %');
    });

    it('lets an agent of the town hall ask with ProConnect: the request is recorded and audited', async () => {
      page = await openTenantPage(browser, t, 'rivebelle', '/', { status: 404 });
      await navigation(page, () => page.getByRole('link', { name: 'Demander l’ouverture avec ProConnect' }).click());
      await page.getByLabel('Identifiant').fill('claire.agent');
      expect(await navigation(page, () => page.getByRole('button', { name: 'Continuer' }).click())).toBe(200);
      expect(new URL(page.url()).host).toBe(platform());
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
        'Votre demande d’ouverture est enregistrée',
      );
      const text = await page.locator('main').innerText();
      expect(text).toContain('Merci Claire. Votre demande d’ouverture du service d’entraide entre voisins à Rivebelle');
      expect(text).toContain('claire.agent@exemple.fr');
      expect(typographyFaults(text)).toEqual([]);
      await expectNoAxeViolations(page, 'opening request recorded');

      const requests = await rows(
        `SELECT r.email, r.given_name AS "givenName", r.usual_name AS "usualName", r.siret, r.status
         FROM commune_opening_requests r JOIN tenants t ON t.id = r.tenant_id WHERE t.insee_code = '38901'`,
      );
      expect(requests).toEqual([
        {
          email: 'claire.agent@exemple.fr',
          givenName: 'Claire',
          usualName: 'Agent',
          siret: `${RIVEBELLE_SIREN}00016`,
          status: 'pending',
        },
      ]);
      const audit = await rows(
        `SELECT a.actor_role AS role, a.action, a.data ->> 'siret' AS siret FROM audit_log a
         JOIN tenants t ON t.id = a.tenant_id WHERE t.insee_code = '38901'`,
      );
      expect(audit).toEqual([{ role: 'agent', action: 'tenant.opening_requested', siret: `${RIVEBELLE_SIREN}00016` }]);
    });
  });

  it('records one pending request per agent: asking again says it is waiting', async () => {
    const { state, callback } = await askAs('claire.agent');
    const res = await back(callback, state);
    expect(res.status).toBe(200);
    expect(res.body).toContain('Vous avez déjà demandé l’ouverture du service d’entraide à Rivebelle');
    expect(await rows(`SELECT id FROM commune_opening_requests`)).toHaveLength(1);
  });

  it('refuses an agent of another structure with a French page naming both, and records nothing', async () => {
    const { state, callback } = await askAs('agent.ailleurs');
    const res = await back(callback, state);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<h1>Demande d’ouverture refusée</h1>');
    expect(res.body).toContain(
      'Vous êtes connecté pour la structure de SIRET 213\u00a0801\u00a0855\u00a000013, qui n’est pas la mairie de ' +
        'Rivebelle (SIREN 213\u00a0809\u00a0011).',
    );
    expect(res.body).toContain(
      `<a href="http://rivebelle.${platform()}/">Revenir à la page d’entraide de Rivebelle</a>`,
    );
    expect(typographyFaults(res.body.replace(/<[^>]+>/g, ''))).toEqual([]);
    const noSiret = await askAs('agent.sans-siret');
    const refused = await back(noSiret.callback, noSiret.state);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('SIRET (non transmis)');
    expect(await rows(`SELECT id FROM commune_opening_requests`)).toHaveLength(1);
    expect(t.logs.some((l) => l.includes("SIRET 21380185500013 is not the commune's"))).toBe(true);
  });

  it('binds the answer to the browser that asked, uses it once, and serves the flow on the platform host', async () => {
    const { state, callback } = await askAs('paul.agent');
    expect((await back(callback)).status).toBe(401);
    expect((await back(callback, 'x'.repeat(43))).status).toBe(401);
    // The state was checked against the cookie before anything was taken: the right browser still can, once.
    expect((await back(callback, state)).status).toBe(200);
    const replay = await back(callback, state);
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('La connexion avec ProConnect n’a pas abouti.');
    const onCommune = await t.request({ url: '/ouverture/demande?commune=38901', host: `rivebelle.localhost:${port}` });
    expect(onCommune.status).toBe(404);
    const unknown = await t.request({ url: '/ouverture/demande?commune=99999', host: platform() });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('Cette commune est inconnue de la plateforme.');
    const open = await t.request({ url: '/ouverture/demande?commune=38229', host: platform() });
    expect(open.status).toBe(403);
    expect(open.body).toContain('Le service d’entraide est déjà ouvert à Meylan.');
  });

  it('opens once the operator confirms: the agent is invited, administers the site, publishes categories', async () => {
    const listed = cli('communes:requests');
    expect(listed.stderr).toBe('');
    const [line] = listed.stdout.split('\n').filter((l) => l.includes('claire.agent@exemple.fr'));
    expect(line).toMatch(/^[0-9a-f-]{36} pending: 38901 Rivebelle, Claire Agent <claire\.agent@exemple\.fr>, SIRET /);
    const id = line.slice(0, 36);
    const other = listed.stdout
      .split('\n')
      .find((l) => l.includes('paul.agent@exemple.fr'))!
      .slice(0, 36);

    const res = cli('communes:open', '38901', '--request', id, '--center', '45.2,5.75', '--radius', '1200');
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(
      new RegExp(
        `^communes:open: 38901 Rivebelle is open at rivebelle\\.localhost .*` +
          `e-mailed to claire\\.agent@exemple\\.fr \\(request ${id} accepted\\)`,
      ),
    );
    const refused = cli('communes:requests', 'refuse', other);
    expect(refused.stdout).toBe(`communes:requests: ${other} refused\n`);
    expect(cli('communes:requests').stdout).toBe('communes:requests: no pending request\n');

    const mail = await sink.waitFor((m) => m.to.includes('claire.agent@exemple.fr'));
    const link = new URL(linkIn(mail, '/invitation'));
    expect(link.hostname).toBe('rivebelle.localhost');
    await reload();
    const { host, session } = await acceptFirstAdminInvitation(t, link, 'claire.agent@exemple.fr', 'Claire A.');

    // The federation's catalogue, every category enabled; the theme of the federation's home site.
    const offered = await rows<{ slug: string }>(
      `SELECT c.slug FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id JOIN tenants t
       ON t.id = tc.tenant_id WHERE t.insee_code = '38901' AND tc.enabled ORDER BY c.slug`,
    );
    const catalogue = await rows<{ slug: string }>(
      `SELECT c.slug FROM categories c JOIN federations f ON f.id = c.federation_id
       WHERE f.slug = 'grenoble-alpes-metropole' AND c.archived_at IS NULL ORDER BY c.slug`,
    );
    expect(offered.length).toBeGreaterThan(0);
    expect(offered).toEqual(catalogue);
    const themes = await rows<{ slug: string; primary: string }>(
      `SELECT slug, settings -> 'theme' ->> 'primary' AS primary FROM tenants WHERE slug IN ('rivebelle', 'metropole')`,
    );
    expect(new Set(themes.map((x) => x.primary)).size).toBe(1);

    const choice = (await t.request({ url: '/api/v1/admin/tenant/categories', host, session })).json();
    const put = await t.request({
      method: 'PUT',
      url: '/api/v1/admin/tenant/categories',
      host,
      session,
      payload: choice.map((c: { categoryId: string }, i: number) => ({
        categoryId: c.categoryId,
        enabled: i < 2,
        position: i,
      })),
    });
    expect(put.status).toBe(200);
    const published = (await t.request({ url: '/api/v1/categories', host })).json();
    expect(published).toHaveLength(2);

    const audit = await rows(
      `SELECT a.action, a.data ->> 'request' AS request, a.data ->> 'siret' AS siret, a.data ->> 'admin' AS admin
       FROM audit_log a JOIN tenants t ON t.id = a.tenant_id
       WHERE t.insee_code = '38901' AND a.actor_role = 'operator' ORDER BY a.at`,
    );
    expect(audit).toEqual([
      { action: 'tenant.opened', request: id, siret: `${RIVEBELLE_SIREN}00016`, admin: 'claire.agent@exemple.fr' },
      { action: 'tenant.opening_refused', request: null, siret: `${RIVEBELLE_SIREN}00016`, admin: null },
    ]);
    expect(await rows(`SELECT status FROM commune_opening_requests ORDER BY status`)).toEqual([
      { status: 'accepted' },
      { status: 'refused' },
    ]);
    // A request that is not pending cannot open another commune.
    const again = cli('communes:open', '38902', '--request', id, '--center', '45.2,5.75', '--radius', '1200');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`no pending opening request ${id} for 38902 Montclaret`));
  });

  describe('merge proposals of a yearly import', () => {
    const openByOperator = (insee: string) => {
      const res = cli(
        'communes:open',
        insee,
        '--admin',
        `mairie.${insee}@exemple.fr`,
        '--center',
        '45.1,5.7',
        '--radius',
        '1000',
      );
      expect(res.stderr).toBe('');
    };
    const proposals = () =>
      rows<{ id: string; formerCode: string; intoCode: string; status: string }>(
        `SELECT id, former_code AS "formerCode", into_code AS "intoCode", status FROM commune_merge_proposals
         ORDER BY former_code`,
      );

    it('stores a proposal for each open commune merged into another, shown to the operator', async () => {
      openByOperator('38904'); // Saint-Ouvert, merged into Bourg-Neuf (dormant) in year 2
      openByOperator('38902'); // Montclaret, merged into Rivebelle (open) in year 2
      const res = cli('communes:import', '--from', fixture(2));
      expect(res.stdout).toContain('proposed (open, not applied): 38902 Montclaret (open, montclaret) → 38901');
      expect(await proposals()).toEqual([
        { id: expect.any(String), formerCode: '38902', intoCode: '38901', status: 'pending' },
        { id: expect.any(String), formerCode: '38904', intoCode: '38903', status: 'pending' },
      ]);
      const { stdout: listed, stderr } = cli('communes:merges');
      expect(stderr).toBe('');
      expect(listed).toMatch(/pending: 38902 Montclaret \(open, montclaret\) → 38901 Rivebelle \(open\) since /);
      expect(listed).toMatch(/pending: 38904 Saint-Ouvert \(open, saint-ouvert\) → 38903 Bourg-Neuf \(dormant\)/);
      // Nothing was applied to an open commune.
      expect(await rows(`SELECT status FROM tenants WHERE insee_code IN ('38902', '38904')`)).toEqual([
        { status: 'open' },
        { status: 'open' },
      ]);
    });

    it('applies a proposal only when asked: the open site goes on as the new commune, audited', async () => {
      const [, saintOuvert] = await proposals();
      const res = cli('communes:merges', 'apply', saintOuvert.id);
      expect(res.stdout).toBe(
        `communes:merges: ${saintOuvert.id} applied: ` +
          'saint-ouvert is now the site of Bourg-Neuf; vieux-bourg leads to it\n',
      );
      expect(
        await rows(`SELECT slug, name, status, insee_code AS insee FROM tenants
          WHERE slug IN ('saint-ouvert', 'vieux-bourg')
          ORDER BY slug`),
      ).toEqual([
        { slug: 'saint-ouvert', name: 'Bourg-Neuf', status: 'open', insee: '38903' },
        { slug: 'vieux-bourg', name: 'Bourg-Neuf', status: 'merged', insee: null },
      ]);
      const audit = await rows(
        `SELECT a.action, a.data ->> 'formerCode' AS former FROM audit_log a JOIN tenants t ON t.id = a.tenant_id
         WHERE t.slug = 'saint-ouvert' AND a.action LIKE 'tenant.merge%'`,
      );
      expect(audit).toEqual([{ action: 'tenant.merge_applied', former: '38904' }]);
      await reload();
      const retired = await t.request({ url: '/', host: 'vieux-bourg.localhost' });
      expect(retired.body).toContain('Le service d’entraide de Bourg-Neuf a désormais une autre adresse.');
      expect(retired.body).toMatch(/<a href="http:\/\/saint-ouvert\.localhost:\d+\/?">/);
      expect((await t.request({ url: '/api/v1/tenant', host: 'saint-ouvert.localhost' })).json().name).toBe(
        'Bourg-Neuf',
      );
    });

    it('refuses to merge two open sites, changing nothing; a dismissed proposal is not made again', async () => {
      const [montclaret] = await proposals();
      const before = await rows(`SELECT slug, status, insee_code FROM tenants ORDER BY slug`);
      const res = cli('communes:merges', 'apply', montclaret.id);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('38901 Rivebelle has a site of its own (rivebelle): two sites cannot be merged');
      expect(await rows(`SELECT slug, status, insee_code FROM tenants ORDER BY slug`)).toEqual(before);
      expect(cli('communes:merges', 'dismiss', montclaret.id).stdout).toBe(
        `communes:merges: ${montclaret.id} dismissed (38902 Montclaret stays as it is)\n`,
      );
      expect(cli('communes:merges', 'apply', montclaret.id).stderr).toContain('was already dismissed');
      const again = cli('communes:import', '--from', fixture(2));
      expect(again.code).toBe(0);
      expect(cli('communes:merges').stdout).toBe('communes:merges: no pending proposal\n');
      expect((await proposals()).map((p) => p.status)).toEqual(['dismissed', 'applied']);
      const audit = await rows(
        `SELECT a.action FROM audit_log a JOIN tenants t ON t.id = a.tenant_id
         WHERE t.insee_code = '38902' AND a.action LIKE 'tenant.merge%'`,
      );
      expect(audit).toEqual([{ action: 'tenant.merge_dismissed' }]);
    });
  });
});
