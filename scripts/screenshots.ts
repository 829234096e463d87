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

const PAGES = ['home', 'browse', 'detail', 'map', 'post', 'signin'] as const;
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
async function seed(
  app: NestFastifyApplication,
  db: TestDatabase,
  slug: string,
): Promise<{ resident: ResidentFixture; listingId: string }> {
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
    const author = residents[i % residents.length];
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/listings',
      headers: {
        host: `${slug}.localhost`,
        origin: `http://${slug}.localhost`,
        cookie: `${SESSION_COOKIE}=${author.session}`,
        'content-type': 'application/json',
      },
      payload: JSON.stringify({
        kind: l.kind,
        categoryId: categoryOf(l.categories),
        title: l.title,
        description: l.description,
        mode: l.mode,
        location: points[i % points.length],
      }),
    });
    if (res.statusCode !== 201)
      throw new Error(`${slug}: publishing "${l.title}" answered ${res.statusCode}: ${res.body}`);
    const listing = res.json<{ id: string; status: string }>();
    if (listing.status !== 'published') throw new Error(`${slug}: "${l.title}" is ${listing.status}, not published`);
    listingId ||= listing.id;
  }
  // The visitor who signs in for the posting form: no listing of theirs, so the pages look as a newcomer sees them.
  const resident = await createResident(db, slug, { displayName: 'Léa M.' });
  return { resident, listingId };
}

async function shoot(
  browser: Browser,
  base: string,
  slug: string,
  page: PageName,
  viewport: keyof typeof VIEWPORTS,
  fixtures: { resident: ResidentFixture; listingId: string },
  out: string,
): Promise<string> {
  const path = {
    home: '/',
    browse: '/annonces',
    detail: `/annonces/${fixtures.listingId}`,
    map: '/carte',
    post: '/annonces/nouvelle?kind=offer',
    signin: '/connexion',
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
      for (const page of o.pages) {
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
