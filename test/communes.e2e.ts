import { join } from 'node:path';
import { ROOT, runNode } from './support/commands';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { acceptFirstAdminInvitation } from './support/communes';
import { startTestApp, testEnv, TestApp } from './support/test-app';
import { TestDatabase } from './support/test-db';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';

const fixture = (year: number) => join(ROOT, 'test', 'fixtures', 'communes', `year-${year}.json`);

/** The platform tables the import writes, timestamps included: "the same rows" means no write at all. */
async function snapshot(db: TestDatabase): Promise<string> {
  const parts: string[] = [];
  for (const table of ['federations', 'tenants']) {
    const { rows } = await db.admin.query(
      `SELECT coalesce(json_agg(x ORDER BY x.slug), '[]')::text AS j FROM ${table} x`,
    );
    parts.push(rows[0].j);
  }
  return parts.join('\n');
}

async function tenant(db: TestDatabase, insee: string) {
  const { rows } = await db.admin.query(
    `SELECT t.slug, t.name, t.status, t.siren, t.postal_codes AS "postalCodes", t.population, t.divisions,
            f.slug AS federation, m.insee_code AS "mergedInto"
     FROM tenants t JOIN federations f ON f.id = t.federation_id LEFT JOIN tenants m ON m.id = t.merged_into
     WHERE t.insee_code = $1`,
    [insee],
  );
  return rows[0];
}

describe('communes:import', () => {
  let t: TestApp;
  let db: TestDatabase;
  let sink: SmtpSink;
  const importYear = (year: number) =>
    runNode('dist/src/cli.js', ['communes:import', '--from', fixture(year)], { DATABASE_ADMIN_URL: db.adminUrl });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('makes every current commune a dormant tenant and every EPCI a federation, the tenant files winning', async () => {
    const res = importYear(1);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^communes: 7 current communes, 5 tenants created, 2 updated; federations: 2 created/);
    expect(await tenant(db, '38901')).toEqual({
      slug: 'rivebelle',
      name: 'Rivebelle',
      status: 'dormant',
      siren: '213809011',
      postalCodes: ['38990'],
      population: 2400,
      divisions: [{ code: '38905', name: 'Le Hameau' }],
      federation: 'grenoble-alpes-metropole',
      mergedInto: null,
    });
    expect(await tenant(db, '38903')).toMatchObject({ federation: 'cc-du-plateau-d-essai', status: 'dormant' });
    expect(await tenant(db, '38906')).toMatchObject({ federation: 'communes-sans-intercommunalite' });
    // Meylan's file keeps its name, SIREN and federation; the import adds the codes.
    expect(await tenant(db, '38229')).toMatchObject({
      slug: 'meylan',
      status: 'open',
      siren: '213802291',
      postalCodes: ['38240'],
      federation: 'grenoble-alpes-metropole',
    });
    const { rows: feds } = await db.admin.query(
      `SELECT slug, name, epci_code AS epci, home_tenant_slug AS home FROM federations ORDER BY slug`,
    );
    expect(feds).toEqual(
      expect.arrayContaining([
        { slug: 'cc-du-plateau-d-essai', name: "CC du Plateau d'Essai", epci: '200099991', home: 'vieux-bourg' },
        { slug: 'grenoble-alpes-metropole', name: 'Grenoble Alpes Métropole', epci: '200040715', home: 'metropole' },
      ]),
    );
  });

  it('changes nothing when run again on the same year', async () => {
    const before = await snapshot(db);
    const res = importYear(1);
    expect(res.stdout).toMatch(/0 tenants created, 0 updated; federations: 0 created, 0 updated/);
    expect(await snapshot(db)).toBe(before);
  });

  it('applies a merge to a dormant commune, proposes one for an open commune, keeps a renamed tenant', async () => {
    await db.admin.query(`UPDATE tenants SET status = 'open' WHERE insee_code = '38904'`);
    const { rows: ids } = await db.admin.query(`SELECT count(*)::int AS n FROM tenants`);
    const res = importYear(2);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('renamed: 38903 Vieux-Bourg → Bourg-Neuf');
    expect(res.stdout).toContain('merged (dormant, applied): 38902 Montclaret → 38901 Rivebelle');
    expect(res.stdout).toContain('proposed (open, not applied): 38904 Saint-Ouvert (open, saint-ouvert) → 38903');
    expect(await tenant(db, '38902')).toMatchObject({ status: 'merged', mergedInto: '38901' });
    expect(await tenant(db, '38904')).toMatchObject({ status: 'open', mergedInto: null });
    expect(await tenant(db, '38903')).toMatchObject({ slug: 'vieux-bourg', name: 'Bourg-Neuf', status: 'dormant' });
    expect(await tenant(db, '38901')).toMatchObject({
      population: 3200,
      divisions: [
        { code: '38905', name: 'Le Hameau' },
        { code: '38902', name: 'Montclaret' },
      ],
    });
    const { rows: after } = await db.admin.query(`SELECT count(*)::int AS n FROM tenants`);
    expect(after[0].n).toBe(ids[0].n);
  });

  it('refuses a malformed file, naming the record, and changes nothing', async () => {
    const before = await snapshot(db);
    const res = runNode('dist/src/cli.js', ['communes:import', '--from', join(ROOT, 'package.json')], {
      DATABASE_ADMIN_URL: db.adminUrl,
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/communes:import failed: .*package\.json: expected \{"communes"/);
    expect(await snapshot(db)).toBe(before);
  });

  it("answers a dormant commune's host with a short French page naming its federation's open communes", async () => {
    await t.app.get(TenantDirectory).reload();
    const res = await t.request({ url: '/annonces?page=2', host: 'rivebelle.localhost:3000' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['x-robots-tag']).toBe('noindex');
    expect(res.body).toContain('<html lang="fr">');
    expect(res.body).toContain('<h1>Entraide entre voisins à Rivebelle</h1>');
    expect(res.body).toContain('n’est pas encore ouvert à Rivebelle');
    expect(res.body).toContain('Comment la mairie peut l’ouvrir');
    expect(res.body).toContain('<h2>Communes ouvertes de Grenoble Alpes Métropole</h2>');
    expect(res.body).toMatch(/<a href="http:\/\/meylan\.localhost:\d+\/">Entraide à Meylan<\/a>/);
    // The merged commune's host leads to the one it joined; the API says 404 in its own format.
    const merged = await t.request({ url: '/', host: 'montclaret.localhost' });
    expect(merged.body).toContain('Montclaret fait désormais partie de la commune de Rivebelle.');
    const api = await t.request({ url: '/api/v1/tenant', host: 'rivebelle.localhost' });
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Open communes keep their site, also at <slug>.<BASE_DOMAIN>; an unknown host is still a plain 404.
    expect((await t.request({ url: '/api/v1/tenant', host: 'meylan.localhost' })).json().slug).toBe('meylan');
    expect((await t.request({ url: '/', host: 'nulle-part.localhost' })).body).toContain("Aucun site d'entraide");
    expect(
      t.app
        .get(TenantDirectory)
        .all()
        .map((x) => x.slug),
    ).not.toContain('rivebelle');
  });

  it('communes:open opens a commune: its first administrator is invited, signs in, edits categories', async () => {
    const email = `maire.${Date.now()}@bourg-neuf.example`;
    const env = testEnv(db, { QUEUE_PREFIX: t.config.queuePrefix, SMTP_URL: sink.url, LOG_LEVEL: 'warn' });
    const open = (...args: string[]) => runNode('dist/src/cli.js', ['communes:open', ...args], env);
    const noOutline = open('38903', '--admin', email);
    expect(noOutline.code).toBe(1);
    expect(noOutline.stderr).toMatch(/no outline for 38903 Bourg-Neuf: load one .* or confirm a circle with --center/);

    const res = open('38903', '--admin', email, '--center', '45.1,5.7', '--radius', '1500');
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe(
      `communes:open: 38903 Bourg-Neuf is open at vieux-bourg.localhost (6 categories, 1 neighbourhoods); ` +
        `invitation (admin) e-mailed to ${email}\n`,
    );
    const mail = await sink.waitFor((m) => m.to.includes(email));
    expect(mail.text).toMatch(/Bourg-Neuf/);
    const link = new URL(linkIn(mail, '/invitation'));
    expect(link.hostname).toBe('vieux-bourg.localhost');
    await t.app.get(TenantDirectory).reload();
    const { host, session } = await acceptFirstAdminInvitation(t, link, email, 'Anne Maire');

    const home = await t.request({ url: '/', host });
    expect(home.status).toBe(200);
    expect(home.body).toContain('Entraide à Bourg-Neuf');
    const tenantInfo = (await t.request({ url: '/api/v1/tenant', host })).json();
    expect(tenantInfo).toMatchObject({ slug: 'vieux-bourg', name: 'Bourg-Neuf', siteName: 'Entraide à Bourg-Neuf' });
    const choice = (await t.request({ url: '/api/v1/admin/tenant/categories', host, session })).json();
    const put = await t.request({
      method: 'PUT',
      url: '/api/v1/admin/tenant/categories',
      host,
      session,
      payload: choice.map((c: { categoryId: string }, i: number) => ({
        categoryId: c.categoryId,
        enabled: i < 3,
        position: i,
      })),
    });
    expect(put.status).toBe(200);
    const published = (await t.request({ url: '/api/v1/categories', host })).json();
    expect(published.map((c: { name: string }) => c.name)).toEqual([
      'Courses',
      'Aide aux devoirs',
      'Conversations à distance',
    ]);

    const { rows: audit } = await db.admin.query(
      `SELECT a.actor_role AS role, a.data ->> 'admin' AS admin FROM audit_log a JOIN tenants t ON t.id = a.tenant_id
       WHERE t.insee_code = '38903' AND a.action = 'tenant.opened'`,
    );
    expect(audit).toEqual([{ role: 'operator', admin: email }]);
    const again = open('38903', '--admin', email, '--center', '45.1,5.7', '--radius', '1500');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/38903 Bourg-Neuf is already open \(vieux-bourg\)/);
  });

  it('communes:outlines refuses a bad file naming the record, loads a good one, which opening uses', async () => {
    const env = { DATABASE_ADMIN_URL: db.adminUrl };
    const outlines = (file: string) =>
      runNode('dist/src/cli.js', ['communes:outlines', join(ROOT, 'test', 'fixtures', 'communes', file)], env);
    const count = async () => (await db.admin.query('SELECT count(*)::int AS n FROM commune_outlines')).rows[0].n;
    for (const [file, message] of [
      ['outlines-unknown-code.geojson', /features\[1\] \(38999\): unknown INSEE code/],
      ['outlines-self-intersecting.geojson', /features\[1\] \(38906\): invalid outline \(Self-intersection/],
      ['outlines-not-json.geojson', /outlines-not-json\.geojson: not a GeoJSON file/],
    ] as const) {
      const res = outlines(file);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(message);
    }
    expect(await count()).toBe(0);
    const ok = outlines('outlines.geojson');
    expect(ok.stdout).toBe('communes:outlines: 2 outlines read, 2 written\n');

    const email = `mairie.${Date.now()}@rivebelle.example`;
    const env2 = testEnv(db, { QUEUE_PREFIX: t.config.queuePrefix, SMTP_URL: sink.url, LOG_LEVEL: 'warn' });
    const res = runNode('dist/src/cli.js', ['communes:open', '38901', '--admin', email], env2);
    expect(res.stdout).toMatch(/^communes:open: 38901 Rivebelle is open at rivebelle\.localhost \(\d+ categories, 1 /);
    const { rows } = await db.admin.query(
      `SELECT n.name, a.note FROM neighbourhoods n JOIN tenant_areas a USING (tenant_id)
       JOIN tenants t ON t.id = n.tenant_id WHERE t.insee_code = '38901'`,
    );
    expect(rows).toEqual([{ name: 'Le Hameau', note: 'official' }]);
    await sink.waitFor((m) => m.to.includes(email));
  });
});
