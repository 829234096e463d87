import { gzipSync } from 'node:zlib';
import type { TenantTx } from '@libs/db';
import { boxWithinTenantAreaSql } from '@libs/geo/box';
import { listingCellsInBox, listingPointsInBox, listingsCountedInside } from '@src/listings/listings.map';
import { cellDegrees, cellLevel, MAX_COUNTED_LEVEL, MIN_COUNTED_LEVEL } from '@src/listings/map-grid';
import type { Browser } from 'playwright-core';
import { computedStyle, expectNoAxeViolations, launchBrowser, openTenantPage, uncaughtErrors } from './support/browser';
import { createResident, publishListing } from './support/factories';
import { seedMapListings } from './support/map-seed';
import { ListeningTestApp, startListeningTestApp } from './support/test-app';
import { connectAsApp } from './support/test-db';

type Box = [number, number, number, number];
interface Feature {
  geometry: { coordinates: [number, number] };
  properties: Record<string, any>;
}
interface Collection {
  clustered?: boolean;
  features: Feature[];
}

const SEEDED = 25_000;
// A point of Lyon's Presqu'île, written with more decimals than any public point has.
const EXACT = { lat: 45.7631234, lng: 4.8331234 };

/** The box a 1280 × 800 screen shows at `zoom` around `centre` (Web Mercator, 256-pixel tiles). */
function screenBox(centre: { lat: number; lng: number }, zoom: number): Box {
  const w = (1280 * 360) / (256 * 2 ** zoom) / 2;
  const h = ((800 * 360) / (256 * 2 ** zoom) / 2) * Math.cos((centre.lat * Math.PI) / 180);
  const box = [centre.lng - w, centre.lat - h, centre.lng + w, centre.lat + h];
  return box.map((n) => Math.round(n * 1e5) / 1e5) as Box;
}

/** Lyon with 25,000 more listings, its map page without tiles (tiles cannot load here). */
describe('the map of 25,000 listings: clusters, then points', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let categoryNames: string[];
  let lyon: string;
  let area: Box;
  let centre: { lat: number; lng: number };

  const map = async (query: string) => {
    const res = await t.request({ url: `/api/v1/listings.geojson?${query}`, host: 'lyon.localhost' });
    expect(res.status).toBe(200);
    return { body: res.body, fc: res.json<Collection>() };
  };
  /**
   * Public listings of Lyon whose public point lies in the box (cut to the commune as the map cuts it), counted by
   * the owner, point by point.
   */
  const publicInBox = async (box: Box, kind?: string) =>
    (
      await t.db.admin.query(
        `SELECT count(*)::int AS n FROM listings, (${boxWithinTenantAreaSql('$1', '$2', '$3', '$4', '$5')}) b
         WHERE tenant_id = $1 AND status = 'published' AND expires_at > now() AND ($6::text IS NULL OR kind = $6)
           AND ST_X(public_location::geometry) BETWEEN b.min_lng AND b.max_lng
           AND ST_Y(public_location::geometry) BETWEEN b.min_lat AND b.max_lat`,
        [lyon, ...box, kind ?? null],
      )
    ).rows[0].n;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startListeningTestApp({ env: { MAP_TILE_URL: '' } }), launchBrowser()]);
    lyon = await t.db.tenantId('lyon');
    await seedMapListings(t.db.admin, lyon, SEEDED);
    const author = await createResident(t.db, 'lyon');
    const { rows: cats } = await t.db.admin.query(
      `SELECT category_id AS id FROM tenant_categories WHERE tenant_id = $1 ORDER BY position LIMIT 1`,
      [lyon],
    );
    await publishListing(
      t,
      author,
      {
        kind: 'request',
        categoryId: cats[0].id,
        title: 'Aide pour monter mes courses',
        description: 'Je vis au quatrième sans ascenseur, un coup de main le samedi serait précieux.',
        location: EXACT,
      },
      'lyon.localhost',
    );
    const { rows } = await t.db.admin.query(
      `SELECT ST_XMin(b) AS a, ST_YMin(b) AS b, ST_XMax(b) AS c, ST_YMax(b) AS d, ST_X(ST_Centroid(b)) AS lng,
              ST_Y(ST_Centroid(b)) AS lat FROM tenant_areas, box2d(outline::geometry) b WHERE tenant_id = $1`,
      [lyon],
    );
    area = [rows[0].a, rows[0].b, rows[0].c, rows[0].d];
    centre = { lat: rows[0].lat, lng: rows[0].lng };
    const { rows: names } = await t.db.admin.query(
      `SELECT c.name FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id WHERE tc.tenant_id = $1`,
      [lyon],
    );
    categoryNames = names.map((r: { name: string }) => r.name);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('answers at most 300 features under 100 KB gzipped at every zoom, their counts adding up to the box', async () => {
    const views: Array<[Box, number]> = [[area, 12]];
    for (let zoom = 10; zoom <= 18; zoom++) views.push([screenBox(centre, zoom), zoom]);
    const shapes: boolean[] = [];
    for (const [box, zoom] of views) {
      const { body, fc } = await map(`bbox=${box.join(',')}&zoom=${zoom}`);
      expect(fc.features.length).toBeLessThanOrEqual(300);
      expect(gzipSync(body).length).toBeLessThan(100 * 1024);
      const total = fc.features.reduce((sum, f) => sum + (f.properties.cluster ? f.properties.count : 1), 0);
      expect({ zoom, total }).toEqual({ zoom, total: await publicInBox(box) });
      shapes.push(Boolean(fc.clustered));
      if (fc.clustered)
        for (const f of fc.features) {
          const counts: Record<string, number> = f.properties.counts;
          expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(f.properties.count);
        }
      else
        for (const f of fc.features) {
          expect(['offer', 'request']).toContain(f.properties.kind);
          expect(f.properties.category).toEqual({ slug: expect.any(String), name: expect.any(String) });
          expect(f.properties.category.name).not.toBe(f.properties.category.slug);
        }
    }
    // The commune and the town are clusters; a street is its points.
    expect(shapes.slice(0, 4)).toEqual([true, true, true, true]);
    expect(shapes[shapes.length - 1]).toBe(false);

    // Each kind alone adds up too.
    const { fc: requests } = await map(`bbox=${area.join(',')}&zoom=12&kind=request`);
    const counted = requests.features.reduce((sum, f) => sum + (f.properties.counts.request ?? 0), 0);
    expect(counted).toBe(await publicInBox(area, 'request'));
    expect(requests.features.every((f) => Object.keys(f.properties.counts).join() === 'request')).toBe(true);
  });

  it('never shows the exact location, whether clustered or as a point', async () => {
    const { rows: shown } = await t.db.admin.query(
      `SELECT ST_Y(public_location::geometry) AS lat, ST_X(public_location::geometry) AS lng FROM listings
       WHERE tenant_id = $1 AND title = 'Aide pour monter mes courses'`,
      [lyon],
    );
    const publicPoint = { lat: Number(shown[0].lat), lng: Number(shown[0].lng) };
    const near = (zoom: number) => screenBox(publicPoint, zoom).join(',');
    const bodies = [
      (await map(`bbox=${area.join(',')}&zoom=11`)).body,
      (await map(`bbox=${near(14)}&zoom=14`)).body,
      (await map(`bbox=${near(18)}&zoom=18`)).body,
      (await map(`bbox=${near(18)}`)).body,
    ];
    expect(bodies[2]).toContain('Aide pour monter mes courses');
    for (const body of bodies) {
      expect(body).not.toContain('45.763123');
      expect(body).not.toContain('4.833123');
    }
    // No seeded listing's exact location either (each lies 0.0007° east of its public point).
    const { rows } = await t.db.admin.query(
      `SELECT ST_X(location::geometry) AS lng FROM listings WHERE tenant_id = $1 AND status = 'published'
         AND public_location && ST_MakeEnvelope($2, $3, $4, $5, 4326)::geography`,
      [lyon, ...screenBox(publicPoint, 18)],
    );
    const exactLngs = rows.map((r: { lng: number }) => r.lng);
    const points = JSON.parse(bodies[2]) as Collection;
    expect(points.features.length).toBeGreaterThan(1);
    for (const f of points.features) expect(exactLngs).not.toContain(f.geometry.coordinates[0]);
  });

  it('answers a bad box or zoom with 4xx naming the field', async () => {
    const field = async (query: string) => {
      const res = await t.request({ url: `/api/v1/listings.geojson?${query}`, host: 'lyon.localhost' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
      return res.json().errors?.map((e: { field: string }) => e.field);
    };
    const box = area.join(',');
    expect(await field(`bbox=${box}&zoom=23`)).toEqual(['zoom']);
    expect(await field(`bbox=${box}&zoom=-1`)).toEqual(['zoom']);
    expect(await field(`bbox=${box}&zoom=12.5`)).toEqual(['zoom']);
    expect(await field(`bbox=${box}&zoom=douze`)).toEqual(['zoom']);
    expect(await field(`bbox=4.9,45.7,4.8,45.8&zoom=12`)).toEqual(['bbox']);
    expect(await field(`bbox=4.8,45.7&zoom=12`)).toEqual(['bbox']);
    expect(await field(`zoom=12`)).toEqual(['bbox']);
  });

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    Plans?: PlanNode[];
  }
  const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];

  /** The nodes of the plan of the SQL `build` runs, EXPLAINed as the application role in Lyon. */
  async function planOf(build: (tx: TenantTx) => Promise<unknown>): Promise<PlanNode[]> {
    let captured: { sql: string; params: unknown[] } | undefined;
    // A transaction that only records the statement it is given (rows() goes through its query runner).
    const capture = {
      tenantId: lyon,
      queryRunner: { query: async (sql: string, params: unknown[]) => ((captured = { sql, params }), { records: [] }) },
    } as unknown as TenantTx;
    await build(capture);
    const c = await connectAsApp(t.db);
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [lyon]);
      const { rows } = await c.query(`EXPLAIN (FORMAT JSON) ${captured!.sql}`, captured!.params);
      return flatten(rows[0]['QUERY PLAN'][0].Plan);
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  }

  /**
   * The plan of an owner function's body with these arguments, as PostgreSQL runs it: a SQL function's body (or a
   * PL/pgSQL one's RETURN QUERY, planned once per connection) gets a generic plan (it does not know the box), under
   * the function's own settings; as the owner in Lyon.
   */
  async function functionPlan(name: string, args: Array<number | string | null>): Promise<PlanNode[]> {
    const { rows } = await t.db.admin.query(
      `SELECT prosrc, proargnames, oidvectortypes(proargtypes) AS types, proconfig FROM pg_proc WHERE proname = $1`,
      [name],
    );
    const f = rows[0] as { prosrc: string; proargnames: string[]; types: string; proconfig: string[] | null };
    const body = f.prosrc.replace(/^\s*BEGIN\s+RETURN QUERY\s/, '').replace(/;\s*END\s*$/, '');
    const sql = f.proargnames
      .slice(0, args.length)
      .reduce((acc, arg, i) => acc.replace(new RegExp(`\\b${arg}\\b`, 'g'), `$${i + 1}`), body);
    const c = await t.db.admin.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [lyon]);
      await c.query("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)");
      for (const setting of f.proconfig ?? []) {
        const [key, value] = setting.split('=');
        await c.query('SELECT set_config($1, $2, true)', [key, value]);
      }
      await c.query(`PREPARE map_plan (${f.types}) AS ${sql}`);
      const literals = args.map((a) => (a === null ? 'NULL' : c.escapeLiteral(String(a))));
      const { rows: plan } = await c.query(`EXPLAIN (FORMAT JSON) EXECUTE map_plan (${literals.join(', ')})`);
      return flatten(plan[0]['QUERY PLAN'][0].Plan);
    } finally {
      await c.query('ROLLBACK');
      await c.query('DEALLOCATE ALL');
      c.release();
    }
  }
  const indexes = (nodes: PlanNode[]) => nodes.map((n) => n['Index Name']).filter(Boolean);
  const sorts = (nodes: PlanNode[]) =>
    nodes.filter(
      (n) =>
        n['Node Type'] === 'Sort' ||
        (n['Node Type'] === 'Seq Scan' && ['listings', 'listing_map_cells'].includes(n['Relation Name'] ?? '')),
    );

  it('reads clusters from counted cells and the edges, points by the public geo index, sorting nothing', async () => {
    const category = (
      await t.db.admin.query(`SELECT category_id AS id FROM tenant_categories WHERE tenant_id = $1 LIMIT 1`, [lyon])
    ).rows[0].id;
    const street = screenBox(centre, 17);
    for (const f of [{}, { kind: 'offer' as const }, { categoryId: category }]) {
      const clusters = await planOf((tx) => listingCellsInBox(tx, area, f, cellLevel(12, area)));
      expect(indexes(clusters).filter((i) => i?.startsWith('listing'))).toEqual(['listing_map_cells_pkey']);
      expect(sorts(clusters)).toEqual([]);
      const points = await planOf((tx) => listingPointsInBox(tx, street, f, 301));
      expect(indexes(points)).toContain('listings_pkey');
      expect(sorts(points)).toEqual([]);
    }
    // The band along the edges of a town's box, point by point, and the interior's listings past their date.
    const town = screenBox(centre, 13);
    const level = cellLevel(13, town) + 2;
    const c = cellDegrees(level);
    const interior = [
      Math.ceil(town[0] / c),
      Math.ceil(town[1] / c),
      Math.floor(town[2] / c) - 1,
      Math.floor(town[3] / c) - 1,
    ];
    for (const [kind, cat] of [
      [null, null],
      ['offer', category],
    ]) {
      const edge = await functionPlan('app_listing_cells_edge', [...town, level, ...interior, kind, cat]);
      expect(new Set(indexes(edge))).toEqual(new Set(['listings_public_geo', 'listings_expiry']));
      expect(sorts(edge)).toEqual([]);
    }
    // Finer than the counted levels (a street holding more than 300 listings), the box's points are counted.
    const alley = screenBox(centre, 18);
    expect(cellLevel(18, alley)).toBeGreaterThan(MAX_COUNTED_LEVEL);
    // Whether it does is first told by the counts of its whole cells at the finest counted level.
    const inside = await planOf((tx) => listingsCountedInside(tx, alley, {}));
    expect(indexes(inside).filter((i) => i?.startsWith('listing'))).toEqual(['listing_map_cells_pkey']);
    expect(sorts(inside)).toEqual([]);
    for (const cat of [null, category]) {
      const cells = await functionPlan('app_listing_cells_in_box', [...alley, cellDegrees(18), null, cat]);
      expect(indexes(cells)).toEqual([expect.stringMatching(/^listings_public_(category_)?geo$/)]);
      expect(sorts(cells)).toEqual([]);
    }
    const points = await functionPlan('app_listing_points_in_box', [...street, 'offer', null, 301]);
    expect(indexes(points)).toEqual(['listings_public_geo']);
    expect(sorts(points)).toEqual([]);
  });

  it('shows clusters with counts when zoomed out, then offers and requests of two shapes, in French', async () => {
    const page = await openTenantPage(browser, t, 'lyon', '/carte');
    const status = page.locator('#carte-etat');

    // The whole commune: clusters with their counts, named for a screen reader; the neighbourhoods are named.
    await status.filter({ hasText: /groupe/ }).waitFor();
    const clusters = page.locator('.map-cluster-icon');
    expect(await clusters.count()).toBeGreaterThan(1);
    await expect(clusters.first().locator('.map-count').first().textContent()).resolves.toMatch(/^\d+$/);
    const label = await clusters.first().getAttribute('aria-label');
    expect(label).toMatch(/^Groupe de \d+ : \d+ (offres?|demandes?)(, \d+ demandes?)?\. Zoomer sur ce secteur$/);
    expect(await page.locator('.leaflet-tooltip.hood-label').count()).toBeGreaterThan(3);
    await expect(page.locator('.leaflet-tooltip.hood-label').first().textContent()).resolves.toMatch(/\p{L}/u);

    // Leaflet's controls speak French.
    await expect(page.getByRole('button', { name: 'Zoomer', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: 'Dézoomer' }).count()).resolves.toBe(1);
    await expectNoAxeViolations(page, 'lyon map, clusters');

    // A cluster chosen with the keyboard zooms in on its area, until the listings show one by one.
    for (let i = 0; i < 4 && (await status.textContent())?.includes('groupe'); i++) {
      const before = await status.textContent();
      await clusters.first().focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(([el, text]) => el!.textContent !== text, [
        await status.elementHandle(),
        before,
      ] as const);
    }
    await expect(status.textContent()).resolves.toMatch(/^\d+ annonces? sur cette partie de la carte\.$/);
    const offers = page.locator('.map-point.map-offer');
    const requests = page.locator('.map-point.map-request');
    expect(await offers.count()).toBeGreaterThan(0);
    expect(await requests.count()).toBeGreaterThan(0);
    expect(await page.locator('.map-cluster-icon').count()).toBe(0);

    // Offers and requests differ by shape (round, diamond) and by colour.
    const offerShape = offers.first().locator('.map-shape');
    const requestShape = requests.first().locator('.map-shape');
    expect(await computedStyle(offerShape, 'border-radius')).toBe('50%');
    expect(await computedStyle(requestShape, 'border-radius')).toBe('0px');
    expect(await computedStyle(requestShape, 'transform')).toMatch(/^matrix\(/);
    expect(await computedStyle(offerShape, 'background-color')).not.toBe(
      await computedStyle(requestShape, 'background-color'),
    );
    expect(await offers.first().getAttribute('aria-label')).toMatch(/^Offre : Annonce de la carte \d+ \(.+\)$/);

    // Opened with the keyboard, its popup names the kind and the category, and closes with a French button.
    await offers.first().focus();
    await page.keyboard.press('Enter');
    const popup = page.locator('.leaflet-popup-content');
    // Leaflet fades the popup in: read (and check its contrast) once it is opaque.
    await page.waitForFunction(
      (el) => el!.ownerDocument.defaultView!.getComputedStyle(el).opacity === '1',
      await page.locator('.leaflet-popup').elementHandle(),
    );
    const kindLine = (await popup.locator('p').first().textContent()) ?? '';
    expect(kindLine).toMatch(/^Offre · /);
    expect(categoryNames).toContain(kindLine.replace(/^Offre · /, ''));
    await expect(popup.getByRole('link').textContent()).resolves.toMatch(/^Annonce de la carte \d+$/);
    await expect(page.getByRole('button', { name: 'Fermer' }).count()).resolves.toBe(1);
    await expectNoAxeViolations(page, 'lyon map, points');
    expect(uncaughtErrors(page)).toEqual([]);
    await page.close();
  });

  it('keeps the counted cells equal to a recount as listings are published, moved, closed and deleted', async () => {
    const admin = t.db.admin;
    await admin.query(
      `WITH picked AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM listings
                     WHERE tenant_id = $1 AND status = 'published' ORDER BY id LIMIT 400)
       UPDATE listings l SET
         status = CASE WHEN k <= 100 THEN 'closed' ELSE l.status END,
         public_location = CASE WHEN k BETWEEN 101 AND 200
           THEN ST_Translate(l.public_location::geometry, 0.003, -0.002)::geography ELSE l.public_location END,
         kind = CASE WHEN k BETWEEN 201 AND 300 THEN CASE l.kind WHEN 'offer' THEN 'request' ELSE 'offer' END
           ELSE l.kind END,
         expires_at = CASE WHEN k > 300 THEN now() - interval '1 hour' ELSE l.expires_at END
       FROM picked WHERE l.id = picked.id`,
      [lyon],
    );
    await admin.query(
      `UPDATE listings SET status = 'published' WHERE id IN (SELECT id FROM listings WHERE tenant_id = $1
         AND status = 'closed' ORDER BY id DESC LIMIT 50)`,
      [lyon],
    );
    await admin.query(
      `UPDATE listings SET category_id = (SELECT category_id FROM tenant_categories WHERE tenant_id = $1
         ORDER BY position DESC LIMIT 1) WHERE id IN (SELECT id FROM listings WHERE tenant_id = $1 ORDER BY title
         LIMIT 80)`,
      [lyon],
    );
    const deleted = await admin.query(
      `DELETE FROM listings WHERE id IN (SELECT id FROM listings l WHERE tenant_id = $1
         AND title LIKE 'Annonce de la carte%' AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.listing_id = l.id)
         ORDER BY created_at LIMIT 60)`,
      [lyon],
    );
    expect(deleted.rowCount).toBe(60);
    await seedMapListings(admin, lyon, 500);

    const counted = (level: number) =>
      admin.query(
        `SELECT category_id::text AS category, cx, cy, kind, n, sum_lng::text AS lng, sum_lat::text AS lat
         FROM listing_map_cells WHERE tenant_id = $1 AND level = $2 AND n <> 0 ORDER BY 1, 2, 3, 4`,
        [lyon, level],
      );
    const recount = (level: number) =>
      admin.query(
        `SELECT category, cx, cy, kind, count(*)::int AS n, sum(round(x * 1e6))::bigint::text AS lng,
                sum(round(y * 1e6))::bigint::text AS lat
         FROM (SELECT l.kind, ST_X(l.public_location::geometry) AS x, ST_Y(l.public_location::geometry) AS y,
                      l.category_id FROM listings l WHERE tenant_id = $1 AND status = 'published') p,
              LATERAL (SELECT floor(x / $2::float8)::int AS cx, floor(y / $2::float8)::int AS cy) c,
              LATERAL (VALUES (p.category_id::text), ('00000000-0000-0000-0000-000000000000')) k(category)
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        [lyon, cellDegrees(level)],
      );
    for (const level of [MIN_COUNTED_LEVEL, 13, MAX_COUNTED_LEVEL]) {
      const [kept, fresh] = await Promise.all([counted(level), recount(level)]);
      expect(kept.rows.length).toBeGreaterThan(0);
      expect({ level, cells: kept.rows }).toEqual({ level, cells: fresh.rows });
    }
    // The map still adds up, without the listings past their date (no expiry sweep has run).
    for (const [box, zoom] of [
      [area, 12],
      [screenBox(centre, 13), 13],
      [screenBox(centre, 15), 15],
    ] as Array<[Box, number]>) {
      const { fc } = await map(`bbox=${box.join(',')}&zoom=${zoom}`);
      const total = fc.features.reduce((sum, f) => sum + (f.properties.cluster ? f.properties.count : 1), 0);
      expect({ zoom, total }).toEqual({ zoom, total: await publicInBox(box) });
    }
  });
});
