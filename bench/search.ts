import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Client, Pool } from 'pg';
import { loadConfig } from '@libs/config';
import { Database } from '@libs/db';
import { createApp } from '@src/app.factory';
import { nearestFirst } from '@src/listings/listings.search';
import { BackendPids, LoadResult, runHttpLoad, runSqlLoad, SqlWork, startCpuProbe } from './support/load';
import {
  backendPids,
  createScratchDatabase,
  ROOT,
  SCRATCH_REDIS_URL,
  ScratchDatabase,
} from './support/scratch-database';
import { deletePrefixedKeys } from '@test/support/redis-keys';
import { buildSearchRequests, PAGE, SearchRequest, Statement } from './support/search-requests';
import { prewarm, SeedReport, seedSearchData } from './support/search-seed';
import { positiveOption } from './support/options';

/**
 * `npm run bench:search` (after `npm run build`): public search through the whole API
 * (Fastify → Nest guard, validation pipe → ListingsService → Database.readAlone) against the
 * same SQL, captured from searchNearestAlone, run by a bare pg pool of the same size in the same
 * shape (one statement sent alone, scoping itself to its tenant) as the application role.
 * Both sides run closed-loop at the same concurrency for the same time, at every size given,
 * with two more: the limit (the bare KNN query for the page's ids, prepared, no joins:
 * limitStatement) and the listings page `/annonces?category=…&lat=…&lng=…` (HTML) for the same
 * searches, and the map endpoint around the same points at zoom 12 (clusters) and 17 (points),
 * with its gzipped size. The report prints API / SQL, API / limit, page / API and the aims beside them.
 *
 *   npm run bench:search -- --listings 20000 --duration 3      a quick run
 *   … --unloaded 0        skip the one-request-at-a-time latencies
 *   … --variants lookup   also measure other SQL sides (see VARIANTS)
 *   … --cpu-profile DIR   write a .cpuprofile of the API's thread during each measured API and page run
 *   … --settle 20         wait up to this many seconds for an idle machine before each measured side
 *   … --through replica,pooler   the same search load (API and SQL) through each hop too, beside the direct
 *                         primary: the standby (BENCH_STANDBY_PORT, default 5433: the API with DATABASE_REPLICA_URL,
 *                         its reads checked to land there) and PgBouncer (BENCH_POOLER_PORT, default 6432:
 *                         DATABASE_URL through it, DB_PREPARED_STATEMENTS=off), each way in turn, round after
 *                         round (measureWays); each hop's cost against direct, the median of the rounds', aim < 15 %
 *                         (scripts/services.sh sets both up)
 *   … --rounds 5          rounds of the hop comparison, each of duration / 3 per way
 *   … --alternate 6       instead of the above: both sizes seeded first (two databases), then their APIs and their
 *                         limits in turn, round after round (A B, B A, …), each round `duration` per side; prints
 *                         each round's 1 M / 10 k ratio of each and their medians (alternateSizes)
 *   … --full-pages        with --alternate: only the searches whose page is full (PAGE items) at every size, so that
 *                         each size sends the same amount per search and the ratio is what the table's size costs
 *                         (at 10,000 listings over 40 communes most pages are not full: see the mean items printed)
 *   … --unordered         measure the listings as written (communes interleaved), without the listings:reorder
 *                         run that otherwise follows the seeding (a superuser connection: TEST_PG_SUPERUSER)
 */
const TENANTS = 40;

/** Extra SQL sides, to tell where the API's time goes or what a change would buy. */
const VARIANTS: Record<string, { label: string; statements: (r: SearchRequest) => Statement[] }> = {
  /** Every statement the API sends: the category lookup, then the search. */
  lookup: { label: 'SQL + category lookup (the API’s statements)', statements: (r) => [r.lookup, r.search] },
};

interface Options {
  listings: number[];
  duration: number;
  warmup: number;
  connections: number;
  pool: number;
  unloaded: number;
  variants: string[];
  cpuProfile?: string;
  settle: number;
  /** Rounds of the sizes' APIs in turn (alternateSizes); 0: the full run, size after size. */
  alternate: number;
  through: Hop[];
  /** Rounds of the hop comparison (see measureWays). */
  rounds: number;
  /** Leave the listings in the order they were written (no listings:reorder after seeding). */
  unordered: boolean;
  /** With `alternate`: only the searches whose page is full at every size. */
  fullPages: boolean;
}

/**
 * The listings as a platform's nightly `listings:reorder` leaves them (in search order: LISTINGS_DISK_ORDER), or with
 * `--unordered` as written, communes interleaved (a platform that never runs it, or the day's new listings).
 */
const seedOptions = (o: Options, db: ScratchDatabase) => (o.unordered ? {} : { reorderUrl: db.superuserUrl });

/** The ways to the data a search can go besides straight to the primary (`--through`). */
const HOPS = ['replica', 'pooler'] as const;
type Hop = (typeof HOPS)[number];
const STANDBY_PORT = Number(process.env.BENCH_STANDBY_PORT ?? 5433);
const POOLER_PORT = Number(process.env.BENCH_POOLER_PORT ?? 6432);
/** A database URL with its port changed: the standby and the pooler serve the same databases and roles. */
const viaPort = (url: string, port: number) => {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
};

/**
 * One way's figures over the rounds (see measureWays): the API and the SQL baseline, round by round, and each
 * round's cost against the direct way's figure of the same round.
 */
interface HopResult {
  hop: Hop | 'direct';
  api: Measured[];
  sql: Measured[];
  apiCost: number[];
  sqlCost: number[];
}

interface SizeResult {
  listings: number;
  seed: SeedReport;
  meanItems: number;
  api: Measured;
  sql: Measured;
  /** The bare KNN ids query, prepared (the limit). */
  limit: Measured;
  /** The listings page (HTML) for the same searches. */
  page: Measured;
  /** The map endpoint around the same points, zoomed out (clusters) and in (points). */
  mapLow: Measured;
  mapHigh: Measured;
  /** Mean gzipped size of the map's answers on a sample, zoomed out and in. */
  mapGzip: { low: number; high: number };
  variants: Array<{ name: string; result: Measured }>;
  apiAlone?: Measured;
  sqlAlone?: Measured;
  hops: HopResult[];
}

/** A side's figures, and how busy the machine was just before (other work on the box skews every figure). */
type Measured = LoadResult & { busyBefore: number };

const log = (line: string) => process.stdout.write(`${line}\n`);
/** A Markdown table row. */
const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      listings: { type: 'string', default: '1000000,10000' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '16' },
      pool: { type: 'string', default: '10' },
      unloaded: { type: 'string', default: '3' },
      variants: { type: 'string', default: '' },
      'cpu-profile': { type: 'string' },
      settle: { type: 'string', default: '20' },
      through: { type: 'string', default: '' },
      rounds: { type: 'string', default: '5' },
      alternate: { type: 'string', default: '0' },
      unordered: { type: 'boolean', default: false },
      'full-pages': { type: 'boolean', default: false },
    },
  });
  const unknown = values.variants.split(',').filter((v) => v && !VARIANTS[v]);
  if (unknown.length)
    throw new Error(`unknown --variants ${unknown.join(', ')} (known: ${Object.keys(VARIANTS).join(', ')})`);
  if (values.alternate !== '0' && values.listings.split(',').length < 2)
    throw new Error('--alternate compares sizes: give --listings at least two (e.g. 1000000,10000)');
  const through = values.through.split(',').filter(Boolean);
  const unknownHops = through.filter((h) => !(HOPS as readonly string[]).includes(h));
  if (unknownHops.length) throw new Error(`unknown --through ${unknownHops.join(', ')} (known: ${HOPS.join(', ')})`);
  const options: Options = {
    through: through as Hop[],
    rounds: Math.max(1, Math.round(positiveOption('rounds', values.rounds))),
    listings: values.listings.split(',').map((v) => Math.round(positiveOption('listings', v))),
    duration: positiveOption('duration', values.duration),
    warmup: positiveOption('warmup', values.warmup),
    connections: Math.round(positiveOption('connections', values.connections)),
    pool: Math.round(positiveOption('pool', values.pool)),
    unloaded: values.unloaded === '0' ? 0 : positiveOption('unloaded', values.unloaded),
    variants: values.variants.split(',').filter(Boolean),
    cpuProfile: values['cpu-profile'],
    settle: values.settle === '0' ? 0 : positiveOption('settle', values.settle),
    alternate: values.alternate === '0' ? 0 : Math.round(positiveOption('alternate', values.alternate)),
    unordered: values.unordered,
    fullPages: values['full-pages'],
  };
  if (options.fullPages && options.alternate === 0)
    throw new Error('--full-pages picks the searches of --alternate: give --alternate 1 or more too');
  return options;
}

/** What must be released if the run stops half-way (error or Ctrl-C). */
const open: {
  db?: ScratchDatabase;
  app?: NestFastifyApplication;
  pool?: Pool;
  monitor?: Client;
  hops: Array<{ app?: NestFastifyApplication; pool?: Pool; monitor?: Client }>;
  /** The databases of alternateSizes, one a size. */
  dbs: ScratchDatabase[];
} = { hops: [], dbs: [] };

async function releaseHops(): Promise<void> {
  const hops = open.hops;
  open.hops = [];
  for (const hop of hops) {
    await hop.app?.close().catch((e: Error) => log(`closing the hop's API failed: ${e.message}`));
    await hop.pool?.end().catch(() => undefined);
    await hop.monitor?.end().catch(() => undefined);
  }
}

/** The API's (and the hops' APIs') queues and rate limits in Redis, removed at the end. */
const QUEUE_PREFIX = `bench-search-${process.pid}`;

async function release(): Promise<void> {
  await releaseHops();
  const { app, pool, monitor, db } = open;
  open.app = open.pool = open.monitor = open.db = undefined;
  await app?.close().catch((e: Error) => log(`closing the API failed: ${e.message}`));
  await pool?.end().catch(() => undefined);
  await monitor?.end().catch(() => undefined);
  await deletePrefixedKeys(SCRATCH_REDIS_URL, QUEUE_PREFIX).catch((e: Error) => log(`Redis clean-up: ${e.message}`));
  const dbs = [...open.dbs, ...(db ? [db] : [])];
  open.dbs = [];
  for (const d of dbs) await d.drop().catch((e: Error) => log(`dropping ${d.name} failed: ${e.message}`));
}

/**
 * The API at each size in turn, round after round (--alternate N): both databases seeded first, then N rounds, each
 * running every size's API then its limit for `duration`, in the order A B, then B A, … so that no size always comes
 * first. The ratio between sizes is the median of the rounds' ratios, the API's beside the limit's (the part of a
 * search that grows with the table, alone): on a machine whose speed drifts from one minute to the next
 * (machines F–H: the same side of the same code at half its speed in the next run), sides measured minutes apart
 * compare the machine's moments as much as the sizes; rounds a few seconds apart compare the sizes.
 */
async function alternateSizes(o: Options): Promise<void> {
  const sides: Array<{
    listings: number;
    port: number;
    requests: Array<{ host: string; path: string }>;
    lengths: Map<string, number>;
    /** The limit side (limitStatement) of each search, by host and path, run by a bare pool as benchAtSize does. */
    limits: Map<string, SqlWork>;
    pool: Pool;
  }> = [];
  for (const listings of o.listings) {
    log(`\n== ${listings.toLocaleString('en')} listings over ${TENANTS} tenants`);
    const db = await createScratchDatabase(`entraide_bench_alt${listings}`);
    open.dbs.push(db);
    log(`database ${db.name} (migrated, tenants synced); seeding:`);
    await seedSearchData(db.ownerUrl, TENANTS, listings, log, seedOptions(o, db));
    const searches = await buildSearchRequests(db.ownerUrl);
    const lengths = await pageLengths(db, searches);
    const requests = searches.map((r) => ({ host: r.host, path: r.path }));
    const limits = new Map(searches.map((r) => [r.host + r.path, { tenantId: r.tenantId, statements: [r.limit] }]));
    const app = await startApi(db, o.pool);
    const pool = baselinePool(db.appUrl, o.pool);
    open.hops.push({ app, pool });
    const port = (app.getHttpServer().address() as AddressInfo).port;
    sides.push({ listings, port, requests, lengths, limits, pool });
  }
  // The same searches at every size, but not the same answers: a page holds what lies within the radius.
  const full = sides[0].requests.filter((r) => sides.every((s) => s.lengths.get(r.host + r.path) === PAGE));
  const meanItems = (s: (typeof sides)[number]) => [...s.lengths.values()].reduce((a, b) => a + b, 0) / s.lengths.size;
  log(
    `\nitems a page, mean of the ${sides[0].requests.length} searches: ` +
      sides.map((s) => `${meanItems(s).toFixed(1)} at ${s.listings.toLocaleString('en')}`).join(', ') +
      `; ${full.length} searches have a full page (${PAGE}) at every size` +
      (o.fullPages ? ': only those are measured (--full-pages)' : ''),
  );
  if (o.fullPages) {
    if (full.length === 0) throw new Error('--full-pages: no search has a full page at every size');
    for (const side of sides) side.requests = full;
  }
  await standbyCaughtUp(open.dbs[open.dbs.length - 1]);
  log(`\nwarm-up ${o.warmup} s each size`);
  const limitWork = (side: (typeof sides)[number]) => side.requests.map((r) => side.limits.get(r.host + r.path)!);
  for (const side of sides) {
    await runHttpLoad(side.port, side.requests, o.connections, o.warmup);
    await runSqlLoad(side.pool, limitWork(side), o.connections, o.warmup);
  }
  // Each round, each size's API then its limit: the limit's own ratio between sizes is what the KNN read alone does
  // with the table's size, measured in the same minutes as the API's.
  const rates: Array<{ api: number[]; limit: number[] }> = [];
  for (let round = 0; round < o.alternate; round++) {
    const order = round % 2 ? [...sides.keys()].reverse() : [...sides.keys()];
    const rate = { api: [] as number[], limit: [] as number[] };
    for (const i of order) {
      const size = sides[i].listings.toLocaleString('en');
      let busyBefore = await settle(o.settle);
      const r = await runHttpLoad(sides[i].port, sides[i].requests, o.connections, o.duration);
      if (r.failures) throw new Error(`${r.failures} failed requests at ${sides[i].listings} listings`);
      rate.api[i] = r.perSecond;
      const busy = () => (busyBefore > IDLE ? ` (machine ${(busyBefore * 100).toFixed(0)} % busy before)` : '');
      log(`round ${round + 1}, ${size} listings, API: ${fmtRate(r)}${busy()}`);
      busyBefore = await settle(o.settle);
      const l = await runSqlLoad(sides[i].pool, limitWork(sides[i]), o.connections, o.duration);
      rate.limit[i] = l.perSecond;
      log(`round ${round + 1}, ${size} listings, limit: ${fmtRate(l)}${busy()}`);
    }
    rates.push(rate);
  }
  const names = sides.map((x) => x.listings.toLocaleString('en'));
  const sizes = `${names[0]} / ${names[names.length - 1]}`;
  log(
    `\nthe API and the limit at each size in turn, ${o.connections} concurrent, ${o.duration} s a side a round, ` +
      `DB pool ${o.pool}\n`,
  );
  log(
    row([
      'round',
      ...names.map((n) => `API ${n} req/s`),
      `API ${sizes}`,
      ...names.map((n) => `limit ${n} req/s`),
      `limit ${sizes}`,
    ]),
  );
  log(row(Array<string>(2 * sides.length + 3).fill('---')));
  const ratio = (r: number[]) => r[0] / r[r.length - 1];
  const fmt = (r: number[]) => [...r.map((v) => v.toFixed(0)), `× ${ratio(r).toFixed(2)}`];
  rates.forEach((r, i) => log(row([i + 1, ...fmt(r.api), ...fmt(r.limit)])));
  log(
    `\nAPI throughput at ${sizes} listings, median of ${rates.length} rounds: ` +
      `× ${median(rates.map((r) => ratio(r.api))).toFixed(2)} [≥ 0.8]; the limit's: ` +
      `× ${median(rates.map((r) => ratio(r.limit))).toFixed(2)}` +
      (o.fullPages ? ` (the ${full.length} searches with a full page at every size)` : ''),
  );
}

async function benchAtSize(listings: number, o: Options): Promise<SizeResult> {
  log(`\n== ${listings.toLocaleString('en')} listings over ${TENANTS} tenants`);
  open.db = await createScratchDatabase('entraide_bench');
  const db = open.db;
  log(`database ${db.name} (migrated, tenants synced); seeding:`);
  const seed = await seedSearchData(db.ownerUrl, TENANTS, listings, log, seedOptions(o, db));
  log(`seeding took ${seed.seconds.toFixed(1)} s`);
  await standbyCaughtUp(db);

  const requests = await buildSearchRequests(db.ownerUrl);
  open.app = await startApi(db, o.pool);
  const port = (open.app.getHttpServer().address() as AddressInfo).port;
  open.pool = baselinePool(db.appUrl, o.pool);
  const pool = open.pool;
  open.monitor = new Client({ connectionString: db.ownerUrl, application_name: 'entraide-bench-monitor' });
  await open.monitor.connect();
  const monitor = open.monitor;
  const backends: BackendPids = async () =>
    (
      await monitor.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      )
    ).rows.map((r) => r.pid);
  const baseline: SqlWork[] = requests.map((r) => ({ tenantId: r.tenantId, statements: [r.search] }));
  const limitWork: SqlWork[] = requests.map((r) => ({ tenantId: r.tenantId, statements: [r.limit] }));
  const pages = requests.map((r) => ({ host: r.host, path: r.pagePath }));
  const mapsLow = requests.map((r) => ({ host: r.host, path: r.mapLowPath }));
  const mapsHigh = requests.map((r) => ({ host: r.host, path: r.mapHighPath }));
  const mapGzip = await mapSizes(port, requests.slice(0, 50));
  log(`map answers, gzipped, mean of 50: zoom 12 ${fmtKb(mapGzip.low)}, zoom 17 ${fmtKb(mapGzip.high)}`);
  const variants = o.variants.map((name) => ({
    name,
    work: requests.map((r) => ({ tenantId: r.tenantId, statements: VARIANTS[name].statements(r) })),
  }));
  const meanItems = await checkSameAnswers(port, pool, requests.slice(0, 100));
  log(
    `${requests.length} distinct searches; the API and the SQL agree on the first 100 (${meanItems.toFixed(1)} ` +
      `results per page on average)`,
  );

  log(`warm-up ${o.warmup} s each side`);
  await runHttpLoad(port, requests, o.connections, o.warmup);
  await runSqlLoad(pool, baseline, o.connections, o.warmup);
  await runSqlLoad(pool, limitWork, o.connections, o.warmup);
  await runHttpLoad(port, pages, o.connections, o.warmup);
  await runHttpLoad(port, mapsLow, o.connections, o.warmup);
  for (const v of variants) await runSqlLoad(pool, v.work, o.connections, o.warmup);

  /** Waits (bounded) for an idle machine, then runs one side and logs its figures. */
  const measure = async (label: string, run: () => Promise<LoadResult>): Promise<Measured> => {
    const busyBefore = await settle(o.settle);
    const quiet =
      busyBefore <= IDLE
        ? ''
        : ` (WARNING: machine ${(busyBefore * 100).toFixed(0)} % busy before, other work skews this)`;
    log(`${label}${quiet}`);
    const result = { ...(await run()), busyBefore };
    log(`  ${fmtRate(result)}`);
    return result;
  };
  let apiAlone: Measured | undefined;
  let sqlAlone: Measured | undefined;
  if (o.unloaded > 0) {
    apiAlone = await measure(`API, one request at a time for ${o.unloaded} s`, () =>
      runHttpLoad(port, requests, 1, o.unloaded, backends),
    );
    sqlAlone = await measure(`SQL, one request at a time for ${o.unloaded} s`, () =>
      runSqlLoad(pool, baseline, 1, o.unloaded, backends),
    );
  }
  const profile = o.cpuProfile && join(o.cpuProfile, `search-api-${listings}.cpuprofile`);
  const api = await measure(`API: ${o.connections} connections for ${o.duration} s`, () =>
    profiled(profile, () => runHttpLoad(port, requests, o.connections, o.duration, backends)),
  );
  // The page right after the API: HTTP sides first, so no request is in flight when the database goes.
  const pageProfile = o.cpuProfile && join(o.cpuProfile, `search-page-${listings}.cpuprofile`);
  const page = await measure(`listings page (HTML): ${o.connections} connections for ${o.duration} s`, () =>
    profiled(pageProfile, () => runHttpLoad(port, pages, o.connections, o.duration, backends)),
  );
  const mapLow = await measure(`map, zoom 12: ${o.connections} connections for ${o.duration} s`, () =>
    runHttpLoad(port, mapsLow, o.connections, o.duration, backends),
  );
  const mapHigh = await measure(`map, zoom 17: ${o.connections} connections for ${o.duration} s`, () =>
    runHttpLoad(port, mapsHigh, o.connections, o.duration, backends),
  );
  const sql = await measure(`SQL baseline: ${o.connections} workers for ${o.duration} s`, () =>
    runSqlLoad(pool, baseline, o.connections, o.duration, backends),
  );
  const limit = await measure(`limit (bare KNN ids, prepared): ${o.connections} workers for ${o.duration} s`, () =>
    runSqlLoad(pool, limitWork, o.connections, o.duration, backends),
  );
  const measured: SizeResult['variants'] = [];
  for (const v of variants) {
    const result = await measure(`${VARIANTS[v.name].label}: ${o.connections} workers for ${o.duration} s`, () =>
      runSqlLoad(pool, v.work, o.connections, o.duration, backends),
    );
    measured.push({ name: v.name, result });
  }
  const ways: Way[] = [{ hop: 'direct', label: 'directly', port, pool, backends }];
  for (const hop of o.through) ways.push(await wayThrough(hop, db, requests, baseline, o, port));
  const hops = o.through.length ? await measureWays(ways, requests, baseline, o, measure) : [];
  const standbyReads = ways
    .find((w) => w.hop === 'replica')
    ?.app?.get(Database)
    .replicaStatus()?.reads;
  if (standbyReads) {
    log(
      `reads through the standby's API: ${standbyReads.standby} on the standby, ${standbyReads.primary} on the ` +
        `primary, ${standbyReads.retried} retried`,
    );
    if (standbyReads.primary + standbyReads.retried > standbyReads.standby / 100)
      log('  WARNING: more than 1 % of the reads did not go to the standby (lagging?): the figure mixes both');
  }
  await releaseHops();
  // PgBouncer keeps its server connections to the scratch database (server_idle_timeout), which would stop it from
  // being dropped: the application role ends its own sessions there.
  if (o.through.includes('pooler')) await endPoolerSessions(db);
  await release();
  return {
    listings,
    seed,
    meanItems,
    api,
    sql,
    limit,
    page,
    mapLow,
    mapHigh,
    mapGzip,
    variants: measured,
    apiAlone,
    sqlAlone,
    hops,
  };
}

/** A way to the data, ready to be measured: its API and a SQL pool of the same size. */
interface Way {
  hop: Hop | 'direct';
  label: string;
  port: number;
  pool: Pool;
  backends?: BackendPids;
  app?: NestFastifyApplication;
}

/**
 * The SQL sides' bare pool. Its idle connections are ended by the server before the scratch database is dropped
 * (endPoolerSessions): that is no failure, and an 'error' event without a listener would end the process.
 */
function baselinePool(url: string, max: number): Pool {
  const pool = new Pool({ connectionString: url, max, application_name: 'entraide-bench-baseline' });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * One hop set up beside the direct way: an API of its own and a pool of the same size through it. Its answers must
 * be the direct API's; the standby first replays the seed and loads it into its buffers, as the primary did.
 */
async function wayThrough(
  hop: Hop,
  db: ScratchDatabase,
  requests: SearchRequest[],
  baseline: SqlWork[],
  o: Options,
  directPort: number,
): Promise<Way> {
  const url = viaPort(db.appUrl, hop === 'replica' ? STANDBY_PORT : POOLER_PORT);
  const held: (typeof open.hops)[number] = {};
  open.hops.push(held);
  if (hop === 'replica') {
    // The scratch database and its seed reached the standby through replication: wait until it has replayed them.
    held.monitor = new Client({ connectionString: url, application_name: 'entraide-bench-monitor' });
    await held.monitor.connect().catch((e: Error) => {
      throw new Error(`the standby on port ${STANDBY_PORT} refused ${db.name} (${e.message}): run scripts/services.sh`);
    });
    await waitForReplay(db, held.monitor);
    const owner = new Pool({ connectionString: viaPort(db.ownerUrl, STANDBY_PORT), max: 1 });
    await prewarm(owner, log).finally(() => owner.end());
  }
  const env: Record<string, string> =
    hop === 'replica'
      ? { DATABASE_REPLICA_URL: url }
      : { DATABASE_URL: url, DATABASE_DIRECT_URL: db.appUrl, DB_PREPARED_STATEMENTS: 'off' };
  held.app = await startApi(db, o.pool, env);
  const port = (held.app.getHttpServer().address() as AddressInfo).port;
  held.pool = baselinePool(url, o.pool);
  const standby = held.monitor;
  const backends: BackendPids = standby
    ? async () =>
        (
          await standby.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          )
        ).rows.map((r) => r.pid)
    : () => backendPids(db.name);
  for (const r of requests.slice(0, 50)) {
    const [direct, through] = [await get(directPort, r.host, r.path), await get(port, r.host, r.path)];
    if (through.status !== 200 || through.body !== direct.body)
      throw new Error(`through ${hop}, GET ${r.path} (Host ${r.host}) answered otherwise than directly`);
  }
  await runHttpLoad(port, requests, o.connections, o.warmup);
  await runSqlLoad(held.pool, baseline, o.connections, o.warmup);
  const label = hop === 'replica' ? 'through the standby' : 'through PgBouncer';
  return { hop, label, port, pool: held.pool, backends, app: held.app };
}

/**
 * The same API and SQL loads by every way, in turn, for `o.rounds` rounds of a third of the duration each: on a
 * shared machine a side's throughput drifts by tens of percent within minutes, so a hop is compared with the direct
 * way measured in the same round, and the median of those rounds' costs is the figure (as bench:notify takes the
 * median of round-by-round ratios). Each round measures the direct way first and again last, and compares each hop
 * with the mean of the two: a drift during the round weighs on neither side.
 */
async function measureWays(
  ways: Way[],
  requests: SearchRequest[],
  baseline: SqlWork[],
  o: Options,
  measure: (label: string, run: () => Promise<LoadResult>) => Promise<Measured>,
): Promise<HopResult[]> {
  const seconds = o.duration / 3;
  const results: HopResult[] = ways.map((w) => ({ hop: w.hop, api: [], sql: [], apiCost: [], sqlCost: [] }));
  const both = async (w: Way, title: string) => ({
    api: await measure(`API ${title}: ${o.connections} connections for ${seconds} s`, () =>
      runHttpLoad(w.port, requests, o.connections, seconds, w.backends),
    ),
    sql: await measure(`SQL baseline ${title}: ${o.connections} workers for ${seconds} s`, () =>
      runSqlLoad(w.pool, baseline, o.connections, seconds, w.backends),
    ),
  });
  for (let round = 1; round <= o.rounds; round++) {
    for (const [i, w] of ways.entries()) {
      const { api, sql } = await both(w, `round ${round}/${o.rounds}, ${w.label}`);
      results[i].api.push(api);
      results[i].sql.push(sql);
    }
    const closing = await both(ways[0], `round ${round}/${o.rounds}, ${ways[0].label} again`);
    const opening = { api: results[0].api[round - 1], sql: results[0].sql[round - 1] };
    const base = {
      api: (opening.api.perSecond + closing.api.perSecond) / 2,
      sql: (opening.sql.perSecond + closing.sql.perSecond) / 2,
    };
    for (const r of results) {
      r.apiCost.push(1 - r.api[round - 1].perSecond / base.api);
      r.sqlCost.push(1 - r.sql[round - 1].perSecond / base.sql);
    }
  }
  return results;
}

/** The middle value (the lower of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The round whose throughput is the median of a way's rounds: its latencies and CPU stand for the way. */
function medianRound(rounds: Measured[]): Measured {
  const m = median(rounds.map((r) => r.perSecond));
  return rounds.find((r) => r.perSecond === m)!;
}

async function endPoolerSessions(db: ScratchDatabase): Promise<void> {
  const c = new Client({ connectionString: db.appUrl });
  await c.connect();
  try {
    await c.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()`,
    );
  } finally {
    await c.end();
  }
}

/**
 * Waits for the machine's standby, when it has one (scripts/services.sh sets it up), to replay the seed: it replays a
 * million listings and their indexes for minutes after the seeding, and the first sides measured meanwhile shared
 * the cores with it.
 */
async function standbyCaughtUp(db: ScratchDatabase): Promise<void> {
  const url = new URL(viaPort(db.ownerUrl, STANDBY_PORT));
  url.pathname = '/postgres';
  const standby = new Client({ connectionString: url.toString(), application_name: 'entraide-bench-monitor' });
  try {
    await standby.connect();
  } catch (e) {
    log(`no standby on port ${STANDBY_PORT} (${(e as Error).message}): nothing replays the seed`);
    return;
  }
  try {
    const { rows } = await standby.query<{ replaying: boolean }>('SELECT pg_is_in_recovery() AS replaying');
    if (!rows[0].replaying) log(`the server on port ${STANDBY_PORT} is not a standby: nothing replays the seed`);
    else await waitForReplay(db, standby);
  } finally {
    await standby.end();
  }
}

/** Until the standby has replayed everything the primary had written when asked (a fresh seed is a lot of WAL). */
async function waitForReplay(db: ScratchDatabase, standby: Client): Promise<void> {
  const primary = new Client({ connectionString: db.ownerUrl });
  await primary.connect();
  try {
    const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    const started = Date.now();
    for (;;) {
      const r = await standby.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [
        rows[0].lsn,
      ]);
      if (r.rows[0].ok) break;
      if (Date.now() - started > 600_000) throw new Error('the standby did not replay the seed within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    log(`the standby replayed the seed (waited ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    await primary.end();
  }
}

/** Samples this thread (the API's handlers run here) while `work` runs, and writes the profile to `file`. */
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<object>((resolve, reject) =>
      session.post(method, (err, result) => (err ? reject(err) : resolve(result ?? {}))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    log(`  CPU profile of the API's thread: ${file}`);
  }
}

/** Below this share of the machine busy, it counts as idle. */
const IDLE = 0.15;

/** Samples the machine second by second until it is idle or `seconds` have passed; returns the last sample. */
async function settle(seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const probe = await startCpuProbe();
    await new Promise((r) => setTimeout(r, 1000));
    const busy = (await probe.stop(1)).machineBusy;
    if (!(busy > IDLE) || Date.now() >= deadline) return busy;
  }
}

async function startApi(
  db: ScratchDatabase,
  poolSize: number,
  env: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  const config = loadConfig({
    DATABASE_URL: db.appUrl,
    REDIS_URL: SCRATCH_REDIS_URL,
    SESSION_SECRET: 'bench-search-only-secret-not-for-production',
    WORKERS: 'off',
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: String(poolSize),
    TENANTS_DIR: join(ROOT, 'tenants'),
    QUEUE_PREFIX,
    PUBLIC_SCHEME: 'http',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  return app;
}

/** How many items each search's page holds (the limit side's page, as the API cuts it), by host and path. */
async function pageLengths(db: ScratchDatabase, requests: SearchRequest[]): Promise<Map<string, number>> {
  const pool = baselinePool(db.appUrl, 1);
  try {
    const lengths = new Map<string, number>();
    for (const r of requests) {
      const ids = await sqlIds(pool, r.tenantId, r.limit);
      lengths.set(r.host + r.path, ids ? ids.split(',').length : 0);
    }
    return lengths;
  } finally {
    await pool.end();
  }
}

/** Both sides must return the same page: same ids in the same order. Returns the mean page length. */
async function checkSameAnswers(port: number, pool: Pool, sample: SearchRequest[]): Promise<number> {
  let items = 0;
  for (const r of sample) {
    const { status, body } = await get(port, r.host, r.path);
    if (status !== 200) throw new Error(`GET ${r.path} (Host ${r.host}) answered ${status}: ${body.slice(0, 300)}`);
    const apiIds = (JSON.parse(body) as { items: Array<{ id: string }> }).items.map((i) => i.id).join();
    if (apiIds !== (await sqlIds(pool, r.tenantId, r.search)))
      throw new Error(`API and SQL disagree on ${r.host}${r.path}`);
    if (apiIds !== (await sqlIds(pool, r.tenantId, r.limit)))
      throw new Error(`API and the limit side disagree on ${r.host}${r.path}`);
    const page = await get(port, r.host, r.pagePath);
    if (page.status !== 200) throw new Error(`GET ${r.pagePath} (Host ${r.host}) answered ${page.status}`);
    items += apiIds ? apiIds.split(',').length : 0;
  }
  return items / sample.length;
}

async function sqlIds(pool: Pool, tenantId: string, search: Statement): Promise<string> {
  const client = await pool.connect();
  try {
    if (!search.alone) await client.query(`START TRANSACTION; SELECT set_config('app.tenant_id', '${tenantId}', true)`);
    // The nearest-first read (app_nearest_listings) returns its rows unordered (those within the radius; a shape
    // with words sends the others too, with their inRadius): the page is cut as searchListings cuts it.
    const { rows } = await client.query<{ id: string; inRadius?: boolean; sortDistance: number }>(
      search.name ? { name: search.name, text: search.sql, values: search.params } : search.sql,
      search.name ? undefined : search.params,
    );
    if (!search.alone) await client.query('COMMIT');
    const nearest = rows[0]?.sortDistance !== undefined;
    return (nearest ? rows.filter((row) => row.inRadius !== false).sort(nearestFirst) : rows)
      .slice(0, PAGE)
      .map((row) => row.id)
      .join();
  } finally {
    client.release();
  }
}

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const fmtRate = (r: LoadResult) =>
  `${r.perSecond.toFixed(0)} req/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${r.completed} completed, ${r.failures} failed`;

const anyFailure = (r: SizeResult) =>
  [
    r.api,
    r.sql,
    r.limit,
    r.page,
    r.mapLow,
    r.mapHigh,
    ...r.variants.map((v) => v.result),
    ...r.hops.flatMap((h) => [...h.api, ...h.sql]),
  ].some((x) => x.failures > 0);
const fmtKb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Mean gzipped size of the map's answers (what a browser downloads), zoomed out and in. */
async function mapSizes(port: number, sample: SearchRequest[]): Promise<{ low: number; high: number }> {
  let low = 0;
  let high = 0;
  for (const r of sample) {
    for (const [path, add] of [
      [r.mapLowPath, (n: number) => (low += n)],
      [r.mapHighPath, (n: number) => (high += n)],
    ] as const) {
      const { status, body } = await get(port, r.host, path);
      if (status !== 200) throw new Error(`GET ${path} (Host ${r.host}) answered ${status}: ${body.slice(0, 300)}`);
      add(gzipSync(body).length);
    }
  }
  return { low: low / sample.length, high: high / sample.length };
}

function report(results: SizeResult[], o: Options): void {
  const rule = (n: number) => row(Array<string>(n).fill('---'));
  const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(0)} %`);
  const n = (v: number) => v.toLocaleString('en');
  log(
    `\nsearch bench, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; PostgreSQL ${results[0]?.seed.memory}`,
  );
  log(
    `GET /api/v1/listings?category=…&near=…&radius=2000&limit=${PAGE}, ${TENANTS} tenants, ${o.connections} ` +
      `concurrent, ` +
      `DB pool ${o.pool} on both sides, ${o.duration} s per side after ${o.warmup} s warm-up\n`,
  );
  log(
    row([
      'listings',
      'seeding',
      'API req/s',
      'API p50',
      'API p99',
      'API non-2xx',
      'SQL req/s',
      'SQL p50',
      'SQL p99',
      'API / SQL',
    ]),
  );
  log(rule(10));
  for (const r of results) {
    const ratio = `${((r.api.perSecond / r.sql.perSecond) * 100).toFixed(0)} %`;
    log(
      row([
        n(r.listings),
        `${r.seed.seconds.toFixed(0)} s`,
        r.api.perSecond.toFixed(0),
        ms(r.api.p50),
        ms(r.api.p99),
        r.api.failures,
        r.sql.perSecond.toFixed(0),
        ms(r.sql.p50),
        ms(r.sql.p99),
        ratio,
      ]),
    );
  }
  log('\nthe limit and the listings page, same connections, pool and duration; aims in brackets\n');
  log(
    row([
      'listings',
      'limit req/s',
      'limit p99',
      'API / limit [≥ 0.3]',
      'page req/s',
      'page p50',
      'page p99',
      'page / API [≥ 0.5]',
      'API p99 [< 50 ms]',
    ]),
  );
  log(rule(9));
  for (const r of results) {
    log(
      row([
        n(r.listings),
        r.limit.perSecond.toFixed(0),
        ms(r.limit.p99),
        `× ${(r.api.perSecond / r.limit.perSecond).toFixed(2)}`,
        r.page.perSecond.toFixed(0),
        ms(r.page.p50),
        ms(r.page.p99),
        `× ${(r.page.perSecond / r.api.perSecond).toFixed(2)}`,
        ms(r.api.p99),
      ]),
    );
  }
  log('\nthe map endpoint around the same points (clusters at zoom 12, points at zoom 17)\n');
  log(row(['listings', 'zoom 12 req/s', 'p50', 'p99', 'gzipped [< 100 KB]', 'zoom 17 req/s', 'p50', 'p99', 'gzipped']));
  log(rule(9));
  for (const r of results)
    log(
      row([
        n(r.listings),
        r.mapLow.perSecond.toFixed(0),
        ms(r.mapLow.p50),
        ms(r.mapLow.p99),
        fmtKb(r.mapGzip.low),
        r.mapHigh.perSecond.toFixed(0),
        ms(r.mapHigh.p50),
        ms(r.mapHigh.p99),
        fmtKb(r.mapGzip.high),
      ]),
    );
  const smallest = results.reduce<SizeResult | undefined>((a, r) => (!a || r.listings < a.listings ? r : a), undefined);
  const largest = results.reduce<SizeResult | undefined>((a, r) => (!a || r.listings > a.listings ? r : a), undefined);
  if (smallest && largest && smallest !== largest) {
    // The limit's own ratio bounds what an efficient API can reach: the KNN read is the part of a search that grows
    // with the table, and the less the API spends around it, the closer its ratio comes to the limit's.
    const sizes = `${n(largest.listings)} / at ${n(smallest.listings)} listings`;
    log(
      `\nAPI throughput at ${sizes}: × ${(largest.api.perSecond / smallest.api.perSecond).toFixed(2)} [≥ 0.8]; ` +
        `the limit's: × ${(largest.limit.perSecond / smallest.limit.perSecond).toFixed(2)}, the SQL's: ` +
        `× ${(largest.sql.perSecond / smallest.sql.perSecond).toFixed(2)}`,
    );
  }
  if (results.some((r) => r.apiAlone)) {
    log('\none request at a time (1 connection, 1 worker): the cost of a request without queueing\n');
    log(row(['listings', 'API req/s', 'API p50', 'API p99', 'SQL req/s', 'SQL p50', 'SQL p99']));
    log(rule(7));
    for (const r of results.filter((x) => x.apiAlone && x.sqlAlone)) {
      log(
        row([
          n(r.listings),
          r.apiAlone!.perSecond.toFixed(0),
          ms(r.apiAlone!.p50),
          ms(r.apiAlone!.p99),
          r.sqlAlone!.perSecond.toFixed(0),
          ms(r.sqlAlone!.p50),
          ms(r.sqlAlone!.p99),
        ]),
      );
    }
  }
  if (results.some((r) => r.variants.length)) {
    log('\nother SQL sides, same workers, pool and duration\n');
    log(row(['listings', 'side', 'req/s', 'p50', 'p99', 'vs SQL baseline', 'vs API']));
    log(rule(7));
    for (const r of results) {
      for (const v of r.variants) {
        const x = v.result;
        log(
          row([
            n(r.listings),
            VARIANTS[v.name].label,
            x.perSecond.toFixed(0),
            ms(x.p50),
            ms(x.p99),
            `× ${(x.perSecond / r.sql.perSecond).toFixed(2)}`,
            `× ${(x.perSecond / r.api.perSecond).toFixed(2)}`,
          ]),
        );
      }
    }
  }
  if (results.some((r) => r.hops.length)) {
    log(`\neach way in turn for ${o.rounds} rounds (same load, connections, pool; a third of the duration each):`);
    log('req/s and p99 of the median round; cost = throughput lost against direct in the same round (the mean of');
    log('its first and last measure), median of the rounds [aim < 15 %], and every round in brackets\n');
    log(row(['listings', 'way', 'API req/s', 'API p99', 'API cost [< 15 %]', 'SQL req/s', 'SQL p99', 'SQL cost']));
    log(rule(8));
    const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
    const cost = (costs: number[]) => `${pct(median(costs))} (${costs.map(pct).join(', ')})`;
    for (const r of results)
      for (const h of r.hops) {
        const [api, sql] = [medianRound(h.api), medianRound(h.sql)];
        log(
          row([
            n(r.listings),
            h.hop === 'direct' ? 'direct' : h.hop === 'replica' ? 'standby' : 'PgBouncer',
            api.perSecond.toFixed(0),
            ms(api.p99),
            h.hop === 'direct' ? '–' : cost(h.apiCost),
            sql.perSecond.toFixed(0),
            ms(sql.p99),
            h.hop === 'direct' ? '–' : cost(h.sqlCost),
          ]),
        );
      }
  }
  log('\nwhere the CPU went, at full concurrency (CPU-µs per completed request; loops: share of time busy;');
  log("PostgreSQL: this database's backends; other: the kernel and every other process on the machine)\n");
  log(
    row([
      'listings',
      'side',
      'Node process',
      'PostgreSQL',
      'other',
      'machine busy',
      'main loop busy',
      'load generator loop busy',
      'machine busy just before',
    ]),
  );
  log(rule(9));
  for (const r of results) {
    const sides: Array<[string, Measured]> = [
      ['API', r.api],
      ['SQL', r.sql],
      ['limit', r.limit],
      ['page', r.page],
      ['map z12', r.mapLow],
      ['map z17', r.mapHigh],
      ...r.variants.map((v): [string, Measured] => [v.name, v.result]),
      ...r.hops.flatMap((h): Array<[string, Measured]> => [
        [`API ${h.hop} (median round)`, medianRound(h.api)],
        [`SQL ${h.hop} (median round)`, medianRound(h.sql)],
      ]),
    ];
    for (const [side, x] of sides) {
      const c = x.cpu;
      log(
        row([
          n(r.listings),
          side,
          c.nodeUsPerRequest.toFixed(0),
          c.postgresUsPerRequest.toFixed(0),
          c.otherUsPerRequest.toFixed(0),
          pct(c.machineBusy),
          pct(c.mainLoop),
          pct(c.generatorLoop),
          pct(x.busyBefore),
        ]),
      );
    }
  }
  const failed = results.filter(anyFailure);
  if (failed.length)
    log(
      `\nFAILED requests at ${failed.map((r) => n(r.listings)).join(', ')} listings: the figures above are not valid.`,
    );
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const started = Date.now();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`\n${signal}: cleaning up`);
      void release().finally(() => process.exit(130));
    });
  }
  if (o.alternate > 0) {
    try {
      await alternateSizes(o);
    } finally {
      await release();
      log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    return;
  }
  const results: SizeResult[] = [];
  try {
    for (const size of o.listings) results.push(await benchAtSize(size, o));
  } finally {
    await release();
    // On a failure, the sizes already measured are still worth reading.
    if (results.length) report(results, o);
    log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  if (results.some(anyFailure)) process.exitCode = 1;
}

main().catch((err: Error) => {
  process.stderr.write(`bench:search failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
