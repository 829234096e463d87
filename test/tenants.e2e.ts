import { join } from 'node:path';
import { loadTenantCatalogue } from '@src/tenants/tenant-files';
import { startTestApp, TestApp } from './support/test-app';

const catalogue = loadTenantCatalogue(join(__dirname, '..', 'tenants'));
const SLUGS = ['grenoble', 'meylan', 'seyssins', 'metropole', 'lyon'];

describe('tenant routes, for each of the five communes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('ships exactly the five tenants in two federations', () => {
    expect(catalogue.tenants.map((x) => x.slug).sort()).toEqual([...SLUGS].sort());
    expect(catalogue.federations.map((f) => f.slug).sort()).toEqual(['grenoble-alpes-metropole', 'metropole-de-lyon']);
  });

  describe.each(SLUGS)('%s', (slug) => {
    const file = catalogue.tenants.find((x) => x.slug === slug)!;
    const federation = catalogue.federations.find((f) => f.slug === file.federation)!;
    const host = `${slug}.localhost`;

    it('describes its own site as its file says', async () => {
      const res = await t.request({ url: '/api/v1/tenant', host });
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        slug,
        name: file.name,
        siteName: file.siteName,
        federation: { slug: federation.slug, name: federation.name },
        theme: { primary: file.theme.primary, accent: file.theme.accent },
        map: { center: file.map.center, zoom: file.map.zoom },
        stats: {
          offers: expect.any(Number),
          requests: expect.any(Number),
          residents: expect.any(Number),
          projects: expect.any(Number),
        },
      });
    });

    it('is served on its production domain too, whatever the port and case', async () => {
      const res = await t.request({ url: '/api/v1/tenant', host: `${file.domains[0].toUpperCase()}:8443` });
      expect(res.status).toBe(200);
      expect(res.json().slug).toBe(slug);
    });

    it('lists its categories in its own order, with the remote flag of the catalogue', async () => {
      const res = await t.request({ url: '/api/v1/categories', host });
      expect(res.status).toBe(200);
      const cats = res.json();
      expect(cats.map((c: { slug: string }) => c.slug)).toEqual(file.categories);
      for (const c of cats) {
        const entry = federation.categories.find((fc) => fc.slug === c.slug)!;
        expect(c).toEqual({
          id: expect.any(String),
          slug: c.slug,
          name: entry.name,
          description: entry.description,
          icon: entry.icon,
          remote: entry.remote,
        });
      }
    });

    it('lists its neighbourhoods', async () => {
      const res = await t.request({ url: '/api/v1/neighbourhoods', host });
      expect(res.status).toBe(200);
      expect(res.json().map((n: { slug: string; name: string }) => [n.slug, n.name])).toEqual(
        file.neighbourhoods.map((n) => [n.slug, n.name]),
      );
    });

    it('serves its neighbourhood outlines as GeoJSON', async () => {
      const res = await t.request({ url: '/api/v1/neighbourhoods.geojson', host });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
      const fc = res.json();
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.features).toHaveLength(file.neighbourhoods.length);
      for (const f of fc.features) {
        expect(f.geometry.type).toBe('MultiPolygon');
        expect(file.neighbourhoods.map((n) => n.slug)).toContain(f.properties.slug);
      }
    });

    it('serves its logo', async () => {
      const res = await t.request({ url: '/assets/logo', host });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/svg+xml');
      expect(res.body).toContain('<svg');
    });

    it('answers the health probes', async () => {
      expect((await t.request({ url: '/health/live', host })).status).toBe(200);
      expect((await t.request({ url: '/health/ready', host })).json()).toEqual({
        status: 'ok',
        checks: { postgres: 'up', redis: 'up' },
      });
    });
  });

  it('answers an unknown host with a 404 problem, never a default tenant', async () => {
    for (const url of [
      '/api/v1/tenant',
      '/api/v1/categories',
      '/api/v1/neighbourhoods',
      '/api/v1/neighbourhoods.geojson',
      '/api/docs',
    ]) {
      const res = await t.request({ url, host: 'inconnu.localhost' });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 404, title: 'Introuvable' });
    }
    expect((await t.request({ url: '/api/v1/tenant', host: '' })).status).toBe(404);
  });

  it('gives two communes different answers, as their files differ', async () => {
    const [meylan, lyon] = await Promise.all(
      ['meylan', 'lyon'].map((s) => t.request({ url: '/api/v1/categories', host: `${s}.localhost` })),
    );
    const slugsOf = (r: typeof meylan) => r.json().map((c: { slug: string }) => c.slug);
    expect(slugsOf(lyon)).toEqual(expect.arrayContaining(['bricolage', 'cuisine', 'covoiturage']));
    expect(slugsOf(meylan)).not.toContain('covoiturage');
    const ids = (r: typeof meylan) => new Set(r.json().map((c: { id: string }) => c.id));
    const shared = [...ids(meylan)].filter((id) => ids(lyon).has(id));
    expect(shared).toEqual([]);
  });

  it('keeps the federation catalogue: Grenoble and Meylan share the Métropole category ids', async () => {
    const [g, m] = await Promise.all(
      ['grenoble', 'meylan'].map((s) => t.request({ url: '/api/v1/categories', host: `${s}.localhost` })),
    );
    const byslug = (r: typeof g) =>
      Object.fromEntries(r.json().map((c: { slug: string; id: string }) => [c.slug, c.id]));
    expect(byslug(g).courses).toBe(byslug(m).courses);
  });

  it('serves the OpenAPI document and its docs page', async () => {
    const doc = await t.request({ url: '/api/openapi.json' });
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/tenant',
        '/api/v1/categories',
        '/api/v1/neighbourhoods',
        '/api/v1/neighbourhoods.geojson',
        '/health/ready',
      ]),
    );
    const page = await t.request({ url: '/api/docs' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('the front page of each commune', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each(SLUGS)('%s shows its own name in French, escaped', async (slug) => {
    const file = catalogue.tenants.find((x) => x.slug === slug)!;
    const res = await t.request({ url: '/', host: `${slug}.localhost` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<html lang="fr">');
    expect(res.body).toContain(file.siteName.replace(/'/g, '&#x27;'));
    // Its colours come with the page's stylesheet (no inline style under the CSP).
    expect(res.body).toContain('href="/assets/theme.css"');
    const theme = await t.request({ url: '/assets/theme.css', host: `${slug}.localhost` });
    expect(theme.body).toContain(`--primary: ${file.theme.primary};`);
  });
});
