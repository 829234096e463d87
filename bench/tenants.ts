import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDataSource } from '@libs/db';
import { openCommune } from '@src/tenants/communes/communes-open';
import { Child } from './support/child';
import { LoadResult, runHttpLoad } from './support/load';
import { createScratchDatabase, ROOT, SCRATCH_REDIS_URL, ScratchDatabase } from './support/scratch-database';
import { deletePrefixedKeys } from '@test/support/redis-keys';
import { buildSearchRequests, SearchRequest } from './support/search-requests';
import { seedSearchData } from './support/search-seed';

/**
 * `npm run bench:tenants` (after `npm run build`): every French commune in one deployment. Imports every commune of
 * @etalab/decoupage-administratif into a scratch database with `communes:import` (timed), opens `--open` random ones
 * through openCommune (what `communes:open` runs, without the invitation e-mail; a circle of 1.5 km each), gives
 * every open commune `--listings-per-tenant` published listings, then measures the API (bench/support/soak-server.js,
 * a process of its own, workers off) on that deployment and, as the baseline, on a deployment of the five demo
 * communes with as many listings each: start-up (spawn to listening, median of `--starts`), RSS after start, public
 * search spread over every open commune (one Host header each) for `--minutes`, RSS after it; then, for `--compare`
 * seconds, the five demo communes' searches alone, the same requests on both deployments: the latency compared (the
 * communes opened here are small circles, whose pages hold more results than the demo communes'). Aims: import under
 * 2 minutes, RSS growth under 100 MB, p50 and p99 within 1.1× of five communes, start-up under 5 s.
 *
 *   npm run bench:tenants                      the full run (5 minutes of search on each deployment)
 *   npm run bench:tenants -- --minutes 0.5     a short run, to check the bench itself
 */
interface Options {
  minutes: number;
  open: number;
  listingsPerTenant: number;
  connections: number;
  warmup: number;
  starts: number;
  compare: number;
}

const AIM = { importSec: 120, rssGrowthMb: 100, latencyRatio: 1.1, startupSec: 5 };
const OPEN_PARALLEL = 4;

const log = (line: string) => process.stdout.write(`${line}\n`);

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '5' },
      open: { type: 'string', default: '1000' },
      'listings-per-tenant': { type: 'string', default: '50' },
      connections: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '15' },
      starts: { type: 'string', default: '3' },
      compare: { type: 'string', default: '60' },
    },
  });
  const positive = (name: string, raw: string) => {
    const n = Number(raw.replace(/_/g, ''));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got ${raw})`);
    return n;
  };
  return {
    minutes: positive('minutes', values.minutes),
    open: Math.round(positive('open', values.open)),
    listingsPerTenant: Math.round(positive('listings-per-tenant', values['listings-per-tenant'])),
    connections: Math.round(positive('connections', values.connections)),
    warmup: positive('warmup', values.warmup),
    starts: Math.round(positive('starts', values.starts)),
    compare: positive('compare', values.compare),
  };
}

/** One deployment's figures. */
interface Deployment {
  label: string;
  openTenants: number;
  startupSec: number;
  rssStartMb: number;
  rssAfterMb: number;
  search: LoadResult;
  /** Mean results per page on a sample: pages of different sizes are not the same work. */
  meanItems: number;
  /** The five demo communes' searches, the same requests on both deployments (the latency compared). */
  same: LoadResult;
}

const QUEUE_PREFIX = `bench-tenants-${process.pid}`;

/** What must be released if the run stops half-way (error or Ctrl-C). */
const held: { dbs: ScratchDatabase[]; server?: Child } = { dbs: [] };

async function release(): Promise<void> {
  const { dbs, server } = held;
  held.dbs = [];
  held.server = undefined;
  await server?.stop().catch(() => undefined);
  await deletePrefixedKeys(SCRATCH_REDIS_URL, QUEUE_PREFIX).catch((e: Error) => log(`Redis clean-up: ${e.message}`));
  for (const db of dbs) await db.drop().catch((e: Error) => log(`dropping ${db.name} failed: ${e.message}`));
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** `communes:import` as the operator runs it, on the package's data; its own report line is printed. */
function importEveryCommune(db: ScratchDatabase): number {
  const started = performance.now();
  const out = execFileSync('node', ['dist/src/cli.js', 'communes:import'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_ADMIN_URL: db.ownerUrl, TENANTS_DIR: join(ROOT, 'tenants'), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  const took = seconds(started);
  log(`  ${out.split('\n')[0]}`);
  return took;
}

/**
 * Opens `count` dormant communes picked at random (a fixed seed: the same ones on every run), `OPEN_PARALLEL` at a
 * time, each with a circle of 1.5 km around a point of its own on a grid over France (the package has no geometry).
 */
async function openRandomCommunes(db: ScratchDatabase, count: number): Promise<number> {
  const ds = createDataSource(db.ownerUrl, { poolSize: OPEN_PARALLEL, applicationName: 'entraide-bench-open' });
  await ds.initialize();
  try {
    // Shuffled by a hash of the code: random enough, and the same communes on every run.
    const picked = await ds.query<Array<{ insee: string }>>(
      `SELECT insee_code AS insee FROM tenants WHERE status = 'dormant' AND insee_code IS NOT NULL
       ORDER BY md5('bench' || insee_code) LIMIT $1`,
      [count],
    );
    let next = 0;
    const lane = async () => {
      while (next < picked.length) {
        const i = next++;
        await openCommune(ds, {
          insee: picked[i].insee,
          adminEmail: `mairie-${picked[i].insee}@bench.example`,
          baseDomain: 'localhost',
          centre: { lat: 43.3 + 0.12 * (i % 50), lng: -0.8 + 0.2 * Math.floor(i / 50), radiusM: 1500 },
        });
        if ((i + 1) % 250 === 0) log(`    ${i + 1} opened`);
      }
    };
    await Promise.all(Array.from({ length: OPEN_PARALLEL }, lane));
    return picked.length;
  } finally {
    await ds.destroy();
  }
}

/**
 * The API on `db` in a process of its own: spawn to listening, RSS, search over every open commune, RSS; then the
 * searches of the five demo communes alone (`same`: identical requests on both deployments) for the latency compared.
 */
async function measure(
  label: string,
  db: ScratchDatabase,
  requests: SearchRequest[],
  same: SearchRequest[],
  o: Options,
): Promise<Deployment> {
  const tenants = new Set(requests.map((r) => r.host)).size;
  log(`\n== ${label}: ${tenants} open communes, ${requests.length} distinct searches`);
  // Start-up is the median of `starts` spawns (one start swings with the machine); the last one is measured on.
  const startups: number[] = [];
  let port = 0;
  for (let n = 0; n < o.starts; n++) {
    await held.server?.stop();
    const spawned = performance.now();
    held.server = new Child('soak-server.js', [], {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      DATABASE_URL: db.appUrl,
      REDIS_URL: SCRATCH_REDIS_URL,
      SESSION_SECRET: 'bench-tenants-only-secret-not-for-production',
      WORKERS: 'off',
      LOG_LEVEL: 'warn',
      TENANTS_DIR: join(ROOT, 'tenants'),
      QUEUE_PREFIX,
      PUBLIC_SCHEME: 'http',
    });
    port = await held.server.ask<number>(undefined, 'port');
    startups.push(seconds(spawned));
  }
  const server = held.server!;
  const startupSec = [...startups].sort((a, b) => a - b)[Math.floor(startups.length / 2)];
  const each = startups.map((x) => x.toFixed(2)).join(', ');
  log(`  start-up (spawn → listening): median ${startupSec.toFixed(2)} s of ${each}`);
  // RSS is sampled every second and averaged per sample (soak-server.js): a few seconds at rest after start.
  type Sample = { rssMb: number };
  await server.ask<Sample>({ type: 'sample' }, 'sample');
  await sleep(3000);
  const rssStartMb = (await server.ask<Sample>({ type: 'sample' }, 'sample')).rssMb;
  log(`  RSS after start: ${rssStartMb.toFixed(0)} MB`);
  const meanItems = await meanPageItems(port, requests.slice(0, 100));
  log(`  ${meanItems.toFixed(1)} results per page on average (first 100 searches)`);
  // Most communes' rows read once before the measure: they count in the RSS figures, not in the latency.
  await runHttpLoad(port, requests, o.connections, o.warmup);
  const duration = o.minutes * 60;
  log(`  search: ${o.connections} connections for ${duration} s, requests rotating over every open commune`);
  const search = await runHttpLoad(port, requests, o.connections, duration);
  log(`  ${fmtRate(search)}`);
  await server.ask<Sample>({ type: 'sample' }, 'sample');
  await sleep(3000);
  const rssAfterMb = (await server.ask<Sample>({ type: 'sample' }, 'sample')).rssMb;
  log(`  RSS after the search traffic: ${rssAfterMb.toFixed(0)} MB`);
  log(`  the five demo communes' searches alone: ${o.connections} connections for ${o.compare} s`);
  const sameResult = await runHttpLoad(port, same, o.connections, o.compare);
  log(`  ${fmtRate(sameResult)}`);
  await server.stop();
  held.server = undefined;
  return { label, openTenants: tenants, startupSec, rssStartMb, rssAfterMb, search, meanItems, same: sameResult };
}

/** Mean number of results of `sample`'s searches, asked one at a time; any answer but 200 stops the run. */
async function meanPageItems(port: number, sample: SearchRequest[]): Promise<number> {
  let items = 0;
  for (const r of sample) {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: r.path, headers: { host: r.host } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(text)
            : reject(new Error(`GET ${r.path} (Host ${r.host}) answered ${res.statusCode}: ${text.slice(0, 200)}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
    items += (JSON.parse(body) as { items: unknown[] }).items.length;
  }
  return items / sample.length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (v: number) => `${v.toFixed(2)} ms`;
const mb = (v: number) => `${v.toFixed(0)} MB`;
const fmtRate = (r: LoadResult) =>
  `${r.perSecond.toFixed(0)} req/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${r.completed} completed, ${r.failures} failed`;

function report(
  o: Options,
  communes: number,
  importSec: number,
  openSec: number,
  big: Deployment,
  five: Deployment,
): boolean {
  const row = (cells: Array<string | number>) => log(`| ${cells.join(' | ')} |`);
  const verdicts: boolean[] = [];
  const verdict = (ok: boolean) => {
    verdicts.push(ok);
    return ok ? 'PASS' : 'FAIL';
  };
  const growth = (d: Deployment) => d.rssAfterMb - d.rssStartMb;
  // The young generation (3 × 64 MB semi-spaces, sized as `npm start` does) fills in the first minutes on both
  // deployments: what the communes cost is the growth beyond the baseline's, and the RSS above the baseline's.
  const beyond = growth(big) - growth(five);
  const overFive = big.rssAfterMb - five.rssAfterMb;
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${mb(v)}`;
  log(
    `\ntenants bench, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${o.listingsPerTenant} listings per open ` +
      `commune, ${o.connections} connections, ${o.minutes} min of search per deployment after ${o.warmup} s of ` +
      `warm-up; start-up: median of ${o.starts} spawns\n`,
  );
  row([
    'figure',
    `${communes.toLocaleString('en')} communes, ${big.openTenants} open`,
    `${five.openTenants} communes (baseline)`,
    'aim',
    '',
  ]);
  row(['---', '---', '---', '---', '---']);
  const importOk = verdict(importSec < AIM.importSec);
  row(['import (communes:import)', `${importSec.toFixed(1)} s`, '–', `< ${AIM.importSec} s`, importOk]);
  row([`opening ${big.openTenants - five.openTenants} communes`, `${openSec.toFixed(1)} s`, '–', '–', '']);
  row([
    'start-up (spawn → listening)',
    `${big.startupSec.toFixed(2)} s`,
    `${five.startupSec.toFixed(2)} s`,
    `< ${AIM.startupSec} s`,
    verdict(big.startupSec < AIM.startupSec),
  ]);
  row(['RSS after start', mb(big.rssStartMb), mb(five.rssStartMb), '–', '']);
  row([`RSS after ${o.minutes} min of search`, mb(big.rssAfterMb), mb(five.rssAfterMb), '–', '']);
  row(['RSS growth under search', signed(growth(big)), signed(growth(five)), '– (the young generation filling)', '']);
  row([
    'RSS growth beyond the baseline’s',
    signed(beyond),
    '–',
    `< ${AIM.rssGrowthMb} MB`,
    verdict(beyond < AIM.rssGrowthMb),
  ]);
  row([
    'RSS after search, over five communes',
    signed(overFive),
    '–',
    `< ${AIM.rssGrowthMb} MB`,
    verdict(overFive < AIM.rssGrowthMb),
  ]);
  row([
    'search over every open commune: req/s',
    big.search.perSecond.toFixed(0),
    five.search.perSecond.toFixed(0),
    '–',
    '',
  ]);
  row([
    '… p50 / p99',
    `${ms(big.search.p50)} / ${ms(big.search.p99)}`,
    `${ms(five.search.p50)} / ${ms(five.search.p99)}`,
    '–',
    '',
  ]);
  row(['… results per page (mean)', big.meanItems.toFixed(1), five.meanItems.toFixed(1), '–', '']);
  row([
    "the five demo communes' searches: req/s",
    big.same.perSecond.toFixed(0),
    five.same.perSecond.toFixed(0),
    '–',
    '',
  ]);
  for (const q of ['p50', 'p99'] as const)
    row([
      `… ${q}`,
      ms(big.same[q]),
      ms(five.same[q]),
      `≤ ${AIM.latencyRatio} × baseline (${ms(five.same[q] * AIM.latencyRatio)})`,
      verdict(big.same[q] <= five.same[q] * AIM.latencyRatio),
    ]);
  const failed = (d: Deployment) => d.search.failures + d.same.failures;
  row(['failed requests', failed(big), failed(five), '0', verdict(failed(big) + failed(five) === 0)]);
  return verdicts.every(Boolean);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const started = performance.now();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`\n${signal}: cleaning up`);
      void release().finally(() => process.exit(130));
    });
  let passed = false;
  try {
    log('== every commune: scratch database (migrated, the five demo communes synced)');
    const bigDb = await createScratchDatabase('entraide_bench_communes');
    held.dbs.push(bigDb);
    const importSec = importEveryCommune(bigDb);
    log(`  import took ${importSec.toFixed(1)} s`);
    const opening = performance.now();
    const opened = await openRandomCommunes(bigDb, o.open);
    const openSec = seconds(opening);
    log(`  ${opened} communes opened in ${openSec.toFixed(1)} s`);
    const tenants = await countTenants(bigDb);
    const listings = tenants.open * o.listingsPerTenant;
    const seed = await seedSearchData(bigDb.ownerUrl, tenants.open, listings, log);
    log(`  ${listings.toLocaleString('en')} listings in ${seed.seconds.toFixed(1)} s`);
    const bigRequests = await buildSearchRequests(bigDb.ownerUrl);

    log('\n== five communes: scratch database (migrated, the five demo communes synced)');
    const fiveDb = await createScratchDatabase('entraide_bench_five');
    held.dbs.push(fiveDb);
    const fiveSeed = await seedSearchData(fiveDb.ownerUrl, 5, 5 * o.listingsPerTenant, log);
    log(`  ${5 * o.listingsPerTenant} listings in ${fiveSeed.seconds.toFixed(1)} s`);
    const fiveRequests = await buildSearchRequests(fiveDb.ownerUrl);

    const five = await measure('five communes', fiveDb, fiveRequests, fiveRequests, o);
    const big = await measure(`${tenants.total.toLocaleString('en')} communes`, bigDb, bigRequests, fiveRequests, o);
    passed = report(o, tenants.total, importSec, openSec, big, five);
  } finally {
    await release();
    log(`\ntotal ${seconds(started).toFixed(0)} s`);
  }
  if (!passed) process.exitCode = 1;
}

async function countTenants(db: ScratchDatabase): Promise<{ total: number; open: number }> {
  const ds = createDataSource(db.ownerUrl, { poolSize: 1, applicationName: 'entraide-bench-count' });
  await ds.initialize();
  try {
    const [r] = await ds.query<Array<{ total: number; open: number }>>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'open')::int AS open FROM tenants`,
    );
    return r;
  } finally {
    await ds.destroy();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:tenants failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
