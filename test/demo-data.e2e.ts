import { join } from 'node:path';
import { ROOT, runNode } from './support/commands';
import { withMaintenance } from './support/pg-admin';
import { pgUrl } from './support/env';
import { startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-db';

const SEED = 'dist/dev/demo/seed.js';
const DEMO_PASSWORD = 'entraide-demo-2026';
const GRENOBLE_METROPOLE = ['grenoble', 'meylan', 'seyssins', 'metropole'];

/** Every row the loader writes, whole, so "no change" means no write at all. */
async function snapshot(db: TestDatabase): Promise<string> {
  const parts: string[] = [];
  for (const table of [
    'accounts',
    'listings',
    'conversations',
    'messages',
    'domain_events',
    'outbox_emails',
    'relayed_residents',
    'staff_inbox_items',
    'organisations',
    'projects',
    'missions',
    'mission_volunteers',
  ]) {
    const { rows } = await db.admin.query(
      `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${table} x`,
    );
    parts.push(`${table}:${rows[0].n}:${rows[0].h}`);
  }
  return parts.join('\n');
}

describe('demo data loader', () => {
  let db: TestDatabase;
  let t: TestApp | undefined;
  let first: ReturnType<typeof runNode>;
  const env = (url = db.adminUrl) => ({
    DATABASE_ADMIN_URL: url,
    TENANTS_DIR: join(ROOT, 'tenants'),
    NODE_ENV: 'test',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    first = runNode(SEED, [], env());
  });
  afterAll(async () => {
    await t?.close();
    await db.drop();
  });

  it('loads every commune and prints its demo accounts, the federation administrators on their home site', () => {
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    for (const slug of ['grenoble', 'lyon', 'metropole', 'meylan', 'seyssins']) {
      expect(first.stdout).toMatch(new RegExp(`^demo: ${slug} .* loaded in `, 'm'));
      for (const who of ['habitant', 'moderation', 'admin'])
        expect(first.stdout).toMatch(new RegExp(`^  ${slug} .* ${who}@${slug}\\.demo\\.entraide\\.example$`, 'm'));
    }
    expect(first.stdout).toContain(`mot de passe : ${DEMO_PASSWORD}`);
    expect(first.stdout).toMatch(/^ {2}metropole .* federation@grenoble-alpes-metropole\.demo\.entraide\.example$/m);
    expect(first.stdout).toMatch(/^ {2}lyon .* federation@metropole-de-lyon\.demo\.entraide\.example$/m);
  });

  it(
    "sizes the communes like their launches: 800+ offers in Lyon, 2,000+ residents across the Métropole's " + 'sites',
    async () => {
      const { rows } = await db.admin.query(
        `SELECT t.slug,
              (SELECT count(*) FROM accounts a WHERE a.tenant_id = t.id AND 'resident' = ANY (a.roles))::int AS
                residents,
              (SELECT count(*) FROM listings l WHERE l.tenant_id = t.id AND l.kind = 'offer' AND l.status =
                'published' AND l.expires_at > now())::int AS offers,
              (SELECT count(*) FROM listings l WHERE l.tenant_id = t.id AND l.kind = 'request' AND l.status =
                'published')::int AS requests
       FROM tenants t`,
      );
      const by = Object.fromEntries(rows.map((r) => [r.slug, r]));
      expect(by.lyon.offers).toBeGreaterThanOrEqual(800);
      expect(by.lyon.requests).toBeGreaterThanOrEqual(200);
      expect(GRENOBLE_METROPOLE.reduce((sum, slug) => sum + by[slug].residents, 0)).toBeGreaterThanOrEqual(2000);
    },
  );

  it('puts published offers and requests in every category and every neighbourhood of every commune', async () => {
    const { rows } = await db.admin.query(
      `SELECT t.slug, 'category ' || c.slug AS what, k.kind FROM tenants t
         JOIN tenant_categories tc ON tc.tenant_id = t.id JOIN categories c ON c.id = tc.category_id
         CROSS JOIN (VALUES ('offer'), ('request')) k (kind)
       WHERE NOT EXISTS (SELECT 1 FROM listings l WHERE l.tenant_id = t.id AND l.category_id = c.id AND l.kind =
         k.kind AND l.status = 'published')
       UNION ALL
       SELECT t.slug, 'neighbourhood ' || n.slug, k.kind FROM tenants t
         JOIN neighbourhoods n ON n.tenant_id = t.id CROSS JOIN (VALUES ('offer'), ('request')) k (kind)
       WHERE NOT EXISTS (SELECT 1 FROM listings l WHERE l.tenant_id = t.id AND l.neighbourhood_id = n.id AND l.kind =
         k.kind AND l.status = 'published')`,
    );
    expect(rows).toEqual([]);
  });

  it(
    'places every listing and every home inside its commune, and shows a public point 100 m or more from the ' +
      'exact one, inside the commune',
    async () => {
      const { rows } = await db.admin.query(
        `SELECT count(*)::int AS listings,
              count(*) FILTER (WHERE NOT ST_Covers(a.outline, l.location))::int AS outside,
              count(*) FILTER (WHERE NOT ST_Covers(n.outline, l.location))::int AS outside_own_neighbourhood,
              count(*) FILTER (WHERE ST_DWithin(l.public_location, l.location, 100))::int AS public_point_within_100_m,
              count(*) FILTER (WHERE NOT ST_Covers(a.outline, l.public_location))::int AS public_point_outside,
              (SELECT count(*) FROM projects p JOIN tenant_areas pa USING (tenant_id)
                WHERE ST_DWithin(p.public_location, p.location, 100) OR NOT ST_Covers(pa.outline,
                  p.public_location))::int AS projects_public_point_amiss,
              count(*) FILTER (WHERE (c.remote AND l.mode = 'in_person') OR (NOT c.remote AND l.mode = 'remote'))::int
                AS mode_against_category,
              (SELECT count(*) FROM accounts x JOIN tenant_areas ta USING (tenant_id) WHERE NOT ST_Covers(ta.outline,
                x.location))::int AS homes_outside
       FROM listings l JOIN tenant_areas a USING (tenant_id) JOIN categories c ON c.id = l.category_id
       LEFT JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND n.id = l.neighbourhood_id`,
      );
      expect(rows[0]).toEqual({
        listings: expect.any(Number),
        outside: 0,
        outside_own_neighbourhood: 0,
        public_point_within_100_m: 0,
        public_point_outside: 0,
        projects_public_point_amiss: 0,
        mode_against_category: 0,
        homes_outside: 0,
      });
    },
  );

  it(
    'closes the loop on past helps and gives each town hall two residents without internet, ' + 'with a call to make',
    async () => {
      const { rows } = await db.admin.query(
        `SELECT t.slug,
              (SELECT count(*) FROM listings l WHERE l.tenant_id = t.id AND l.status = 'fulfilled' AND l.helper_id IS
                NOT NULL AND l.fulfilled_at < now())::int AS fulfilled,
              (SELECT count(*) FROM relayed_residents r JOIN accounts a ON a.tenant_id = r.tenant_id AND a.id =
                r.account_id WHERE r.tenant_id = t.id AND a.relayed AND a.email IS NULL)::int AS relayed,
              (SELECT count(*) FROM staff_inbox_items i WHERE i.tenant_id = t.id AND i.called_back_at IS NULL)::int AS
                to_call
       FROM tenants t ORDER BY t.slug`,
      );
      for (const r of rows)
        expect({ slug: r.slug, relayed: r.relayed, to_call: r.to_call, some_fulfilled: r.fulfilled > 0 }).toEqual({
          slug: r.slug,
          relayed: 2,
          to_call: 2,
          some_fulfilled: true,
        });
    },
  );

  it('lets the demo resident and the staff log in with the shared demo password', async () => {
    t = await startTestApp({ db });
    const login = (host: string, email: string) =>
      t!.request({ method: 'POST', url: '/api/v1/auth/login', host, payload: { email, password: DEMO_PASSWORD } });
    const resident = await login('lyon.localhost', 'habitant@lyon.demo.entraide.example');
    expect({ status: resident.status, roles: resident.json().roles }).toEqual({ status: 200, roles: ['resident'] });
    const moderator = await login('meylan.localhost', 'moderation@meylan.demo.entraide.example');
    expect(moderator.json().roles).toEqual(['resident', 'moderator']);
    const federation = await login('metropole.localhost', 'federation@grenoble-alpes-metropole.demo.entraide.example');
    expect(federation.json().roles).toEqual(['resident', 'federation_admin']);

    // What the person trying the demo sees first, through the application role and RLS.
    const session = resident.cookies.find((c) => c.name === 'entraide_session')!.value;
    const mine = await t.request({ url: '/api/v1/me/listings', host: 'lyon.localhost', session });
    expect(
      mine
        .json()
        .items.map((l: { kind: string }) => l.kind)
        .sort(),
    ).toEqual(['offer', 'request']);
    const conversations = await t.request({ url: '/api/v1/conversations', host: 'lyon.localhost', session });
    expect(conversations.json().items.length).toBeGreaterThanOrEqual(2);
    const search = await t.request({
      url: '/api/v1/listings?kind=offer&category=covoiturage&neighbourhood=lyon-3',
      host: 'lyon.localhost',
    });
    expect(search.json().items.length).toBeGreaterThan(0);
    const organisations = await t.request({ url: '/api/v1/me/organisations', host: 'lyon.localhost', session });
    expect(organisations.json().items).toHaveLength(1);
  });

  it(
    'gives Lyon 40 projects and more from organisations of every kind, with missions and volunteers, and no ' +
      'other commune any',
    async () => {
      const { rows } = await db.admin.query(
        `SELECT t.slug, count(DISTINCT p.id)::int AS projects, count(DISTINCT o.kind)::int AS kinds, count(DISTINCT
        m.id)::int AS missions,
              (SELECT count(*) FROM mission_volunteers v WHERE v.tenant_id = t.id)::int AS volunteers,
              count(*) FILTER (WHERE m.volunteer_count > m.volunteers_needed)::int AS overfull
       FROM tenants t LEFT JOIN projects p ON p.tenant_id = t.id AND p.status = 'published'
       LEFT JOIN organisations o ON o.tenant_id = p.tenant_id AND o.id = p.organisation_id AND o.status = 'published'
       LEFT JOIN missions m ON m.tenant_id = p.tenant_id AND m.project_id = p.id
       GROUP BY t.id, t.slug ORDER BY t.slug`,
      );
      const by = Object.fromEntries(rows.map((r) => [r.slug, r]));
      expect(by.lyon.projects).toBeGreaterThanOrEqual(40);
      expect(by.lyon.kinds).toBe(5);
      expect(by.lyon.missions).toBeGreaterThanOrEqual(40);
      expect(by.lyon.volunteers).toBeGreaterThan(0);
      expect(by.lyon.overfull).toBe(0);
      for (const slug of ['grenoble', 'meylan', 'seyssins', 'metropole'])
        expect({ slug, projects: by[slug].projects }).toEqual({ slug, projects: 0 });
    },
  );

  it('changes nothing when run a second time', async () => {
    const before = await snapshot(db);
    const second = runNode(SEED, [], env());
    expect(second.code).toBe(0);
    expect(second.stdout.match(/already loaded$/gm)).toHaveLength(5);
    expect(await snapshot(db)).toBe(before);
  });

  it('stops with one line naming the command to run on a database that is not migrated', async () => {
    const name = `entraide_t_${process.pid}_demo_empty`;
    await withMaintenance((c) => c.query(`CREATE DATABASE ${name}`));
    try {
      const res = runNode(SEED, [], env(pgUrl('owner', name)));
      expect({ code: res.code, stderr: res.stderr }).toEqual({
        code: 1,
        stderr: 'demo failed: the database is not migrated (no table tenants): run `npm run migrate` first\n',
      });
    } finally {
      await withMaintenance((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }
  });

  it('refuses to run in production, where a published password must never open an account', () => {
    const res = runNode(SEED, [], { ...env(), NODE_ENV: 'production' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^demo failed: refusing .* NODE_ENV=production\n$/);
  });
});
