import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { Browser, chromium, Page } from 'playwright-core';
import { loadConfig } from '@libs/config';
import type { TenantId } from '@libs/tenancy/tenant-id';
import { createApp } from '@src/app.factory';
import { parisInstant, parisParts, scheduleLabel } from '@src/organisations/mission-schedule';
import { createScratchDatabase, ROOT, SCRATCH_REDIS_URL, ScratchDatabase } from '../bench/support/scratch-database';
import { CHROMIUM_ARGS, CHROMIUM_PATH, saveScreenshot, SESSION_COOKIE } from '@test/support/browser';
import { createResident, ResidentFixture } from '@test/support/factories';
import type { TestDatabase } from '@test/support/test-db';

/** The page's document, as far as this script reads it (the compiler has no DOM library here). */
type PageDocument = { getElementById(id: string): { textContent: string | null } | null };

/**
 * `npm run build && node dist/scripts/screenshots.js`: PNG screenshots of the main pages of two
 * communes' sites, at a laptop's and a phone's width, in docs/screenshots/<tenant>-<page>-<desktop|phone>.png.
 *
 * The production application (createApp) runs on a scratch database (a copy of the pristine test
 * database, migrated and synced as bench/ does), listening on a free port of 127.0.0.1, with no
 * workers (so no e-mail) and no map tiles (the machines have no internet). A few residents and
 * listings are written first, always the same, so two runs give the same pictures but for dates.
 * Needs the services of scripts/services.sh (PostgreSQL, Redis, Debian's Chromium).
 *
 *   node dist/scripts/screenshots.js                      meylan and lyon, every page, both widths
 *   … --tenants meylan --pages home,map --out /tmp/shots  fewer, elsewhere
 */

const PAGES = ['home', 'browse', 'detail', 'map', 'post', 'signin', 'accessibility', 'help', 'project'] as const;
type PageName = (typeof PAGES)[number];
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 360, height: 740 } } as const;
/** Long pages are cut at this many viewport heights: the top of a page is what a screenshot is for. */
const MAX_SCREENS = 3;

/** What each commune's site shows: neighbours, their offers and requests, in the commune's categories. */
const PEOPLE = ['Camille R.', 'Yanis B.', 'Odile V.', 'Hugo P.', 'Inès K.', 'Jeanne L.'];
/**
 * Each listing's category is the first of its slugs the commune offers (the catalogues differ), else the commune's
 * first.
 */
const LISTINGS: Array<{
  kind: 'offer' | 'request';
  categories: string[];
  mode: string;
  title: string;
  description: string;
}> = [
  {
    kind: 'offer',
    categories: ['courses'],
    mode: 'in_person',
    title: 'Courses du samedi au marché',
    description: 'Je vais au marché chaque samedi matin : je peux prendre vos courses au passage et vous les déposer.',
  },
  {
    kind: 'request',
    categories: ['courses'],
    mode: 'in_person',
    title: 'Besoin d’aide pour porter mes courses',
    description: 'Depuis mon opération, je ne peux plus porter de charges lourdes. Une fois par semaine suffirait.',
  },
  {
    kind: 'offer',
    categories: ['aide-aux-devoirs'],
    mode: 'both',
    title: 'Aide aux devoirs en mathématiques',
    description: 'Professeure retraitée, j’aide volontiers des collégiens le mercredi après-midi.',
  },
  {
    kind: 'request',
    categories: ['conversations-a-distance', 'conversation'],
    mode: 'remote',
    title: 'Quelqu’un pour discuter au téléphone',
    description: 'Je vis seule et j’aimerais parler un peu, une ou deux fois par semaine.',
  },
  {
    kind: 'offer',
    categories: ['bricolage', 'divers'],
    mode: 'in_person',
    title: 'Je prête ma perceuse et mon escabeau',
    description: 'Perceuse, escabeau, caisse à outils : à emprunter pour le week-end.',
  },
  {
    kind: 'request',
    categories: ['accompagnement', 'divers'],
    mode: 'in_person',
    title: 'Accompagnement à un rendez-vous médical',
    description: 'Mardi prochain à 10 h, pour m’accompagner en tram jusqu’à l’hôpital.',
  },
];

/** A project with its missions, on communes whose site shows organisations (Lyon solidaire). */
const PROJECT = {
  organisation: {
    name: 'Banque alimentaire du 7e',
    kind: 'association',
    description: 'Une association de quartier qui collecte et distribue des colis alimentaires.',
  },
  title: 'Collecte solidaire de l’hiver',
  description: 'Chaque samedi de l’hiver, nous collectons des denrées à l’entrée des supermarchés du quartier.',
  categories: ['courses', 'divers'],
  // On the Saturdays after the run (Paris hours): the pictures differ only by these dates.
  missions: [
    { title: 'Accueil des donateurs', week: 0, from: '09:00', to: '12:00', volunteersNeeded: 4, skills: ['accueil'] },
    {
      title: 'Tri et mise en cartons',
      week: 1,
      from: '14:00',
      to: '17:00',
      volunteersNeeded: 6,
      skills: ['port de charges'],
    },
  ],
};

/** The fixtures a commune's pages are shot with; projectId only where the commune shows organisations. */
interface Fixtures {
  resident: ResidentFixture;
  listingId: string;
  projectId?: string;
}

interface Options {
  tenants: string[];
  pages: PageName[];
  out: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenants: { type: 'string', default: 'meylan,lyon' },
      pages: { type: 'string', default: PAGES.join(',') },
      out: { type: 'string', default: join(ROOT, 'docs', 'screenshots') },
    },
  });
  const pages = values.pages.split(',').filter(Boolean);
  const unknown = pages.filter((p) => !(PAGES as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`unknown page(s) ${unknown.join(', ')}: choose among ${PAGES.join(', ')}`);
  return { tenants: values.tenants.split(',').filter(Boolean), pages: pages as PageName[], out: values.out };
}

/** The owner connection and tenant lookup the test factories expect of a test database. */
function factoryDatabase(db: ScratchDatabase): TestDatabase {
  const admin = new Pool({ connectionString: db.ownerUrl, max: 3 });
  return {
    name: db.name,
    appUrl: db.appUrl,
    adminUrl: db.ownerUrl,
    admin,
    async tenantId(slug) {
      const { rows } = await admin.query<{ id: TenantId }>('SELECT id FROM tenants WHERE slug = $1', [slug]);
      if (!rows[0]) throw new Error(`no tenant ${slug}`);
      return rows[0].id;
    },
    drop: async () => {
      await admin.end();
      await db.drop();
    },
  };
}

/** Writes the commune's neighbours and listings; the resident to sign in with, and a listing to show. */
async function seed(app: NestFastifyApplication, db: TestDatabase, slug: string): Promise<Fixtures> {
  /** A JSON POST to the commune's API as `who`, its answer's body; anything but `status` stops the script. */
  const post = async <T>(who: ResidentFixture, url: string, body: unknown, status = 201): Promise<T> => {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: {
        host: `${slug}.localhost`,
        origin: `http://${slug}.localhost`,
        cookie: `${SESSION_COOKIE}=${who.session}`,
        'content-type': 'application/json',
      },
      payload: JSON.stringify(body),
    });
    if (res.statusCode !== status) throw new Error(`${slug}: POST ${url} answered ${res.statusCode}: ${res.body}`);
    return res.json<T>();
  };
  const tenantId = await db.tenantId(slug);
  const { rows: categories } = await db.admin.query<{ id: string; slug: string }>(
    'SELECT c.id, c.slug FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id WHERE tc.tenant_id ' +
      '= $1 ORDER BY tc.position',
    [tenantId],
  );
  const categoryOf = (slugs: string[]) =>
    (slugs.map((s) => categories.find((c) => c.slug === s)).find(Boolean) ?? categories[0]).id;
  // A point inside each neighbourhood, spread a little so the map shows several markers.
  const { rows: points } = await db.admin.query<{ lat: number; lng: number }>(
    `SELECT ST_Y(p) AS lat, ST_X(p) AS lng FROM (SELECT ST_PointOnSurface(outline::geometry) AS p, position FROM ` +
      `neighbourhoods WHERE tenant_id = $1) s ORDER BY position`,
    [tenantId],
  );
  const residents: ResidentFixture[] = [];
  for (const [i, name] of PEOPLE.entries()) {
    const location = points[(i + 1) % points.length];
    residents.push(
      await createResident(db, slug, {
        displayName: name,
        email: `${name
          .normalize('NFD')
          .toLowerCase()
          .replace(/[^a-z]+/g, '.')}${slug}@exemple.fr`,
        location,
      }),
    );
  }
  let listingId = '';
  for (const [i, l] of LISTINGS.entries()) {
    const listing = await post<{ id: string; status: string }>(residents[i % residents.length], '/api/v1/listings', {
      kind: l.kind,
      categoryId: categoryOf(l.categories),
      title: l.title,
      description: l.description,
      mode: l.mode,
      location: points[i % points.length],
    });
    if (listing.status !== 'published') throw new Error(`${slug}: "${l.title}" is ${listing.status}, not published`);
    listingId ||= listing.id;
  }
  // The visitor who signs in for the posting form: no listing of theirs, so the pages look as a newcomer sees them.
  const resident = await createResident(db, slug, { displayName: 'Léa M.' });
  const { rows: shows } = await db.admin.query<{ organisations: boolean }>(
    `SELECT coalesce((settings -> 'organisations' ->> 'enabled')::boolean, false) AS organisations FROM tenants ` +
      'WHERE id = $1',
    [tenantId],
  );
  if (!shows[0]?.organisations) return { resident, listingId };
  // The organisation, approved by a moderator, publishes a project with two missions; a neighbour signs up to one.
  const manager = residents[1];
  const moderator = await createResident(db, slug, { displayName: 'Modo S.', roles: ['resident', 'moderator'] });
  const organisation = await post<{ id: string }>(manager, '/api/v1/organisations', PROJECT.organisation);
  await post(
    moderator,
    `/api/v1/moderation/organisations/${organisation.id}/decision`,
    {
      action: 'approve',
      reason: 'Association connue de la mairie',
    },
    200,
  );
  const project = await post<{ id: string }>(manager, '/api/v1/projects', {
    organisationId: organisation.id,
    title: PROJECT.title,
    description: PROJECT.description,
    categoryId: categoryOf(PROJECT.categories),
    location: points[0],
    ongoing: true,
  });
  const today = new Date(`${parisParts(new Date()).day}T12:00:00Z`);
  for (const m of PROJECT.missions) {
    const day = new Date(today);
    day.setUTCDate(day.getUTCDate() + ((6 - day.getUTCDay() + 7) % 7 || 7) + 7 * m.week);
    const date = day.toISOString().slice(0, 10);
    const [startsAt, endsAt] = [parisInstant(date, m.from)!, parisInstant(date, m.to)!];
    const mission = await post<{ id: string }>(manager, `/api/v1/projects/${project.id}/missions`, {
      title: m.title,
      when: scheduleLabel(startsAt, endsAt),
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      volunteersNeeded: m.volunteersNeeded,
      skills: m.skills,
    });
    if (m.week === 0) await post(residents[2], `/api/v1/missions/${mission.id}/volunteers`, {});
  }
  return { resident, listingId, projectId: project.id };
}

async function shoot(
  browser: Browser,
  base: string,
  slug: string,
  page: PageName,
  viewport: keyof typeof VIEWPORTS,
  fixtures: Fixtures,
  out: string,
): Promise<string> {
  const path = {
    home: '/',
    browse: '/annonces',
    detail: `/annonces/${fixtures.listingId}`,
    map: '/carte',
    post: '/annonces/nouvelle?kind=offer',
    signin: '/connexion',
    accessibility: '/accessibilite',
    help: '/aide',
    project: `/projets/${fixtures.projectId}`,
  }[page];
  const size = VIEWPORTS[viewport];
  const context = await browser.newContext({
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    viewport: size,
    deviceScaleFactor: 1,
  });
  try {
    if (page === 'post')
      await context.addCookies([{ name: SESSION_COOKIE, value: fixtures.resident.session, url: base }]);
    const p: Page = await context.newPage();
    const res = await p.goto(new URL(path.slice(1), base).toString(), { waitUntil: 'networkidle' });
    if (res?.status() !== 200) throw new Error(`${slug} ${path} answered ${res?.status()}`);
    // The maps say how many listings they placed once their data arrived.
    if (page === 'map')
      await p.waitForFunction(
        () =>
          Boolean(
            (globalThis as unknown as { document: PageDocument }).document.getElementById('carte-etat')?.textContent,
          ),
        undefined,
        { timeout: 10_000 },
      );
    const height = await p.locator('html').evaluate((el: { scrollHeight: number }) => el.scrollHeight);
    const file = join(out, `${slug}-${page}-${viewport}.png`);
    if (height <= size.height * MAX_SCREENS) return await saveScreenshot(p, file);
    await p.screenshot({
      path: file,
      fullPage: true,
      clip: { x: 0, y: 0, width: size.width, height: size.height * MAX_SCREENS },
      animations: 'disabled',
    });
    return file;
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const say = (line: string) =>
    process.stdout.write(`screenshots: ${((Date.now() - started) / 1000).toFixed(1)} s  ${line}\n`);
  let db: TestDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let browser: Browser | undefined;
  try {
    db = factoryDatabase(await createScratchDatabase('entraide_screenshots'));
    say(`database ${db.name} migrated and synced`);
    const config = loadConfig({
      NODE_ENV: 'development',
      DATABASE_URL: db.appUrl,
      REDIS_URL: SCRATCH_REDIS_URL,
      SESSION_SECRET: 'screenshots-secret-screenshots-secret-00',
      PUBLIC_SCHEME: 'http',
      LOG_LEVEL: 'error',
      TENANTS_DIR: join(ROOT, 'tenants'),
      QUEUE_PREFIX: `screenshots${process.pid}`,
      WORKERS: 'off',
      MAP_TILE_URL: '',
    });
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
    say(`application on port ${port}, Chromium ${browser.version()}`);
    for (const slug of o.tenants) {
      const fixtures = await seed(app, db, slug);
      const base = `http://${slug}.localhost:${port}/`;
      // A commune without organisations has no project page.
      for (const page of o.pages.filter((p) => p !== 'project' || fixtures.projectId)) {
        for (const viewport of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
          say(`wrote ${await shoot(browser, base, slug, page, viewport, fixtures, o.out)}`);
        }
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await db?.drop().catch((err: Error) => say(`could not drop the scratch database: ${err.message}`));
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`screenshots: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
