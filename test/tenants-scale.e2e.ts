import { startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-db';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { AssetsController } from '@src/web/assets.controller';

/** Far fewer than the five open communes, so that every cache must drop something. */
const CACHE = 3;
const DORMANT = 3000;
const OPEN = ['grenoble', 'lyon', 'metropole', 'meylan', 'seyssins'];

describe('tenants at scale: thousands of dormant communes, bounded per-tenant caches', () => {
  let db: TestDatabase;
  let t: TestApp;
  let directory: TenantDirectory;
  const host = (slug: string) => `${slug}.localhost`;
  const dormant = (i: number) => `dormante-${String(i).padStart(4, '0')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Communes as communes:import leaves them: a row each, no domain, no settings, before the application starts.
    await db.admin.query(
      `INSERT INTO tenants (slug, federation_id, name, site_name, settings, status)
       SELECT format('dormante-%s', lpad(g::text, 4, '0')), f.id, format('Dormante %s', g), format('Dormante %s', g),
              '{}', 'dormant'
       FROM generate_series(1, $1::int) g, federations f WHERE f.slug = 'grenoble-alpes-metropole'`,
      [DORMANT],
    );
    t = await startTestApp({ db, env: { TENANT_CACHE_SIZE: String(CACHE) } });
    directory = t.app.get(TenantDirectory);
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('starts with the open communes’ hosts only: no dormant commune, no row, no theme in memory', () => {
    expect(directory.stats()).toEqual({ openTenants: OPEN.length, cachedRows: 0, cachedClosedHosts: 0 });
    expect(directory.all().map((x) => x.slug)).toEqual(OPEN);
    expect(t.app.get(AssetsController).cachedThemes).toBe(0);
  });

  it('keeps at most TENANT_CACHE_SIZE rows and themes; a dropped commune is read again when asked', async () => {
    const css = new Map<string, string>();
    for (const slug of OPEN) {
      const info = await t.request({ url: '/api/v1/tenant', host: host(slug) });
      expect(info.status).toBe(200);
      expect(info.json().slug).toBe(slug);
      const theme = await t.request({ url: '/assets/theme.css', host: host(slug) });
      expect(theme.status).toBe(200);
      css.set(slug, theme.body);
      expect(directory.stats().cachedRows).toBeLessThanOrEqual(CACHE);
      expect(t.app.get(AssetsController).cachedThemes).toBeLessThanOrEqual(CACHE);
    }
    expect(directory.stats().cachedRows).toBe(CACHE);
    // Grenoble, the first, was dropped long ago: its host still resolves and its site answers the same.
    expect(directory.row(directory.resolve(host('grenoble'))!.id)).toBeUndefined();
    const again = await t.request({ url: '/api/v1/tenant', host: host('grenoble') });
    expect(again.json()).toMatchObject({ slug: 'grenoble', name: 'Grenoble' });
    expect((await t.request({ url: '/assets/theme.css', host: host('grenoble') })).body).toBe(css.get('grenoble'));
    expect(directory.stats()).toMatchObject({ openTenants: OPEN.length, cachedRows: CACHE });
  });

  it('answers dormant hosts by looking them up, remembering at most TENANT_CACHE_SIZE of them', async () => {
    for (const i of [1, 2, 3, 4, DORMANT]) {
      const res = await t.request({ url: '/', host: host(dormant(i)) });
      expect(res.status).toBe(404);
      expect(res.body).toContain(`<h1>Entraide entre voisins à Dormante ${i}</h1>`);
      expect(directory.stats().cachedClosedHosts).toBeLessThanOrEqual(CACHE);
    }
    // The first one was dropped: looked up again, same page. An unknown host stays a plain 404, remembered too.
    const first = await t.request({ url: '/annonces', host: host(dormant(1)) });
    expect(first.body).toContain('<h1>Entraide entre voisins à Dormante 1</h1>');
    const unknown = await t.request({ url: '/', host: host('nulle-part') });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("Aucun site d'entraide");
    expect(await directory.dormant(host('nulle-part'))).toBeUndefined();
    expect(directory.stats().cachedClosedHosts).toBe(CACHE);
    // Open communes are not disturbed by the closed hosts' cache.
    expect((await t.request({ url: '/api/v1/tenant', host: host('meylan') })).json().slug).toBe('meylan');
  });

  it('a reload reads again the rows it holds, and only those', async () => {
    await t.request({ url: '/api/v1/tenant', host: host('seyssins') });
    const held = directory.stats().cachedRows;
    await db.admin.query(`UPDATE tenants SET site_name = 'Entraide à Seyssins (nouveau nom)' WHERE slug = 'seyssins'`);
    await directory.reload();
    expect(directory.stats()).toEqual({ openTenants: OPEN.length, cachedRows: held, cachedClosedHosts: 0 });
    const info = await t.request({ url: '/api/v1/tenant', host: host('seyssins') });
    expect(info.json().siteName).toBe('Entraide à Seyssins (nouveau nom)');
  });

  it('a commune opened meanwhile is served once the directory reloads, and its dormant page is forgotten', async () => {
    const slug = dormant(2);
    expect((await t.request({ url: '/', host: host(slug) })).status).toBe(404);
    const { rows } = await db.admin.query<{ settings: unknown }>(`SELECT settings FROM tenants WHERE slug = 'meylan'`);
    await db.admin.query(
      `UPDATE tenants SET status = 'open', settings = $2::jsonb, site_name = 'Entraide à Dormante 2' WHERE slug = $1`,
      [slug, JSON.stringify(rows[0].settings)],
    );
    await db.admin.query(
      `INSERT INTO tenant_domains (tenant_id, domain, is_primary) SELECT id, $2, true FROM tenants WHERE slug = $1`,
      [slug, host(slug)],
    );
    await directory.reload();
    const info = await t.request({ url: '/api/v1/tenant', host: host(slug) });
    expect(info.status).toBe(200);
    expect(info.json()).toMatchObject({ slug, siteName: 'Entraide à Dormante 2' });
    expect(directory.stats().openTenants).toBe(OPEN.length + 1);
  });
});
