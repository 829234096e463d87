import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Pool } from 'pg';
import { chromium } from 'playwright-core';
import { loadConfig } from '@libs/config';
import { createApp } from '@src/app.factory';
import { createScratchDatabase, ROOT, SCRATCH_REDIS_URL, ScratchDatabase } from '../bench/support/scratch-database';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@test/support/browser';
import { seedMapListings } from '@test/support/map-seed';

/**
 * Sizes of Lyon's map answers (/api/v1/listings.geojson) on the demo data, then with `--listings N` more listings:
 * bytes, gzipped bytes, features and time per zoom, for a 1280 × 800 screen at the commune's centre and for the
 * whole commune at zoom 12. `--browser` also opens /carte in Chromium as a phone (360 × 740, CPU slowed 4×) and
 * reports the main thread's work (Performance.getMetrics). `--serve` keeps the application running afterwards (for
 * Lighthouse), until interrupted. A scratch database (copy of the pristine test database, migrated, synced, demo
 * loaded) is dropped at the end.
 *
 *   npm run build && node dist/scripts/map-measure.js --listings 25000 --browser
 */
type Box = [number, number, number, number];

function screenBox(centre: { lat: number; lng: number }, zoom: number): Box {
  const w = (1280 * 360) / (256 * 2 ** zoom) / 2;
  const h = ((800 * 360) / (256 * 2 ** zoom) / 2) * Math.cos((centre.lat * Math.PI) / 180);
  return [centre.lng - w, centre.lat - h, centre.lng + w, centre.lat + h].map((n) => Math.round(n * 1e5) / 1e5) as Box;
}

/** GET through 127.0.0.1 with the tenant's host name (Node does not resolve *.localhost by itself). */
function fetchBody(url: string): Promise<Buffer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, headers: { host: u.host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${url}: ${res.statusCode}`)),
      );
    }).on('error', reject);
  });
}

async function sizes(base: string, area: Box, centre: { lat: number; lng: number }): Promise<string[]> {
  const views: Array<[string, Box, number | undefined]> = [['commune, no zoom', area, undefined]];
  views.push(['commune', area, 12]);
  for (let z = 10; z <= 18; z++) views.push([`screen`, screenBox(centre, z), z]);
  const lines = ['view              zoom  features  shape     bytes    gzip     ms'];
  for (const [label, box, zoom] of views) {
    const url = `${base}api/v1/listings.geojson?bbox=${box.join(',')}${zoom === undefined ? '' : `&zoom=${zoom}`}`;
    const started = process.hrtime.bigint();
    const body = await fetchBody(url).catch((err: Error) => err);
    if (body instanceof Error) {
      lines.push(`${label.padEnd(16)}  ${String(zoom ?? '-').padStart(4)}  ${body.message}`);
      continue;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const fc = JSON.parse(body.toString()) as { clustered?: boolean; capped?: boolean; features: unknown[] };
    const shape = fc.clustered ? 'clusters' : fc.capped ? 'capped' : 'points';
    lines.push(
      `${label.padEnd(16)}  ${String(zoom ?? '-').padStart(4)}  ${String(fc.features.length).padStart(8)}  ` +
        `${shape.padEnd(8)}  ${String(body.length).padStart(7)}  ${String(gzipSync(body).length).padStart(6)}  ` +
        `${ms.toFixed(0).padStart(5)}`,
    );
  }
  return lines;
}

/** Main-thread work of /carte as a phone, median of `runs` fresh loads. */
async function mainThread(base: string, runs: number): Promise<string[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  const results: Array<Record<string, number>> = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR' });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const started = Date.now();
      await page.goto(`${base}carte`, { waitUntil: 'load' });
      await page.waitForFunction(() => {
        const doc = (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } })
          .document;
        return /sur cette partie/.test(doc.getElementById('carte-etat').textContent);
      });
      await page.waitForLoadState('networkidle');
      const ready = Date.now() - started;
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      const markers = await page.locator('.leaflet-marker-icon').count();
      results.push({
        ready,
        task: m.TaskDuration * 1000,
        script: m.ScriptDuration * 1000,
        layout: m.LayoutDuration * 1000,
        style: m.RecalcStyleDuration * 1000,
        heap: m.JSHeapUsedSize / 1e6,
        nodes: m.Nodes,
        markers,
      });
      await context.close();
    }
  } finally {
    await browser.close();
  }
  const median = (k: string) => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
  return [
    `/carte as a phone, CPU 4× slower, median of ${runs}: ready ${median('ready').toFixed(0)} ms, ` +
      `main-thread tasks ${median('task').toFixed(0)} ms (script ${median('script').toFixed(0)}, ` +
      `layout ${median('layout').toFixed(0)}, ` +
      `style ${median('style').toFixed(0)}), JS heap ${median('heap').toFixed(1)} MB, ${median('nodes')} DOM nodes, ` +
      `${median('markers')} markers`,
  ];
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      listings: { type: 'string', default: '0' },
      browser: { type: 'boolean', default: false },
      serve: { type: 'boolean', default: false },
      runs: { type: 'string', default: '3' },
    },
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let db: ScratchDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let pool: Pool | undefined;
  try {
    db = await createScratchDatabase('entraide_map_measure');
    execFileSync('node', ['dist/dev/demo/seed.js'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_ADMIN_URL: db.ownerUrl, TENANTS_DIR: join(ROOT, 'tenants'), NODE_ENV: 'test' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    pool = new Pool({ connectionString: db.ownerUrl, max: 2 });
    const config = loadConfig({
      NODE_ENV: 'development',
      DATABASE_URL: db.appUrl,
      REDIS_URL: SCRATCH_REDIS_URL,
      SESSION_SECRET: 'map-measure-secret-map-measure-secret-00',
      PUBLIC_SCHEME: 'http',
      LOG_LEVEL: 'error',
      TENANTS_DIR: join(ROOT, 'tenants'),
      QUEUE_PREFIX: `mapmeasure${process.pid}`,
      WORKERS: 'off',
      MAP_TILE_URL: '',
    });
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const base = `http://lyon.localhost:${port}/`;
    const { rows } = await pool.query<{
      id: string;
      a: number;
      b: number;
      c: number;
      d: number;
      lng: number;
      lat: number;
    }>(
      `SELECT t.id, ST_XMin(b) AS a, ST_YMin(b) AS b, ST_XMax(b) AS c, ST_YMax(b) AS d, ST_X(ST_Centroid(b)) AS lng,
              ST_Y(ST_Centroid(b)) AS lat
       FROM tenants t JOIN tenant_areas ar ON ar.tenant_id = t.id, box2d(ar.outline::geometry) b WHERE t.slug = 'lyon'`,
    );
    const lyon = rows[0];
    const area: Box = [lyon.a, lyon.b, lyon.c, lyon.d];
    const count = async () =>
      (
        await pool!.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM listings WHERE tenant_id = $1 AND status = 'published' AND ` +
            `expires_at > now()`,
          [lyon.id],
        )
      ).rows[0].n;
    const report = async () => {
      say(`\nLyon, ${await count()} public listings`);
      for (const line of await sizes(base, area, lyon)) say(line);
      if (o.browser) for (const line of await mainThread(base, Number(o.runs))) say(line);
    };
    await report();
    if (Number(o.listings) > 0) {
      await seedMapListings(pool, lyon.id, Number(o.listings));
      await report();
    }
    if (o.serve) {
      say(`\nserving ${base} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
    }
  } finally {
    await pool?.end().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await db?.drop().catch((err: Error) => say(`could not drop the scratch database: ${err.message}`));
  }
}

main().catch((err) => {
  process.stderr.write(`map-measure: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
