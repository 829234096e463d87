import 'reflect-metadata';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { loadConfig } from '@libs/config';
import { createApp } from '@src/app.factory';
import { pgUrl } from '@test/support/env';
import { deletePrefixedKeys } from '@test/support/redis-keys';
import { createScratchDatabase, ROOT, SCRATCH_REDIS_URL, ScratchDatabase } from './support/scratch-database';
import { buildSearchRequests, SearchRequest } from './support/search-requests';
import { seedSearchData } from './support/search-seed';
import { positiveOption } from './support/options';

/**
 * `npm run bench:instructions` (after `npm run build`; needs valgrind): the API's own work for a public search, in
 * instructions counted by callgrind. On a virtual machine shared with others the CPU time of a request swings with the
 * host (the same side of bench:search, run after run, by up to a factor of two); the instructions a process executes
 * do not, so a change to the API's code is measured here, its effect on throughput in bench:search.
 *
 * For each size (`--listings`, 40 tenants, seeded and put in search order as bench:search does), two processes run
 * under `valgrind --tool=callgrind`, PostgreSQL outside them, each with bench:search's searches in the same order:
 * *api*, the API (createApp, pool 10, workers off) answering `GET /api/v1/listings?category=…&near=…` to `CLIENTS`
 * keep-alive HTTP clients in this process (not counted); *sql*, the baseline, the statement the API sends for the same
 * search (searchNearestAlone's, sent alone) through a bare pg pool of `CLIENTS`. Each warms up on `--warmup` searches,
 * then counts `--count` (callgrind_control switches the count on and off around them). Prints instructions a search,
 * API / SQL, the mean items a page and, between the sizes, the API's instructions at the smallest size over those at
 * the largest: the throughput ratio the API would have if an instruction were a fixed time.
 *
 *   npm run bench:instructions                                   1,000,000 and 10,000 listings
 *   npm run bench:instructions -- --listings 20000 --count 200   a quick run
 */
const TENANTS = 40;
const CLIENTS = 4;
/** The API's Redis keys (rate limits), removed at the end: the children take the parent's. */
const QUEUE_PREFIX = process.env.BENCH_QUEUE_PREFIX ?? `bench-instructions-${process.pid}`;

interface Options {
  listings: number[];
  count: number;
  warmup: number;
}

type Side = 'api' | 'sql';

/** What a child reports on its last line of standard output. */
interface ChildReport {
  searches: number;
  meanItems: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

function parseOptions(argv: string[]): Options & { child?: Side; database?: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      listings: { type: 'string', default: '1000000,10000' },
      count: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '3000' },
      child: { type: 'string' },
      database: { type: 'string' },
    },
  });
  const positive = (name: string, raw: string) => positiveOption(name, raw, true);
  if (values.child !== undefined && values.child !== 'api' && values.child !== 'sql')
    throw new Error(`--child must be api or sql (got ${values.child})`);
  return {
    listings: values.listings.split(',').map((v) => positive('listings', v)),
    count: positive('count', values.count),
    warmup: positive('warmup', values.warmup),
    child: values.child,
    database: values.database,
  };
}

/** `searches` in order, `CLIENTS` at a time, each answered by `run`; the items of every page, summed. */
async function inTurn(searches: SearchRequest[], run: (r: SearchRequest) => Promise<number>): Promise<number> {
  let next = 0;
  let items = 0;
  const client = async () => {
    while (next < searches.length) {
      const found = await run(searches[next++]);
      items += found;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return items;
}

/** The searches to warm up on, then those counted: the bench's list, round and round. */
function takeSearches(all: SearchRequest[], from: number, n: number): SearchRequest[] {
  return Array.from({ length: n }, (_, i) => all[(from + i) % all.length]);
}

/** Switches callgrind's count on or off in the process `pid` (valgrind's own tool). */
function counting(pid: number, on: boolean): void {
  execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(pid)], { stdio: 'ignore' });
}

/** `GET path` with `Host: host` on `agent`: the status and the body. */
function get(port: number, agent: Agent, r: SearchRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: r.path, headers: { host: r.host }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`GET ${r.path} (Host ${r.host}): ${res.statusCode} ${body}`));
        else resolve(body);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The api child, run under callgrind: the API on a port of its own, printed as JSON on standard output; it stops when
 * its standard input ends. The parent sends the searches and switches the count on and off.
 */
async function apiChild(database: string): Promise<void> {
  const app = await createApp(
    loadConfig({
      DATABASE_URL: pgUrl('app', database),
      REDIS_URL: SCRATCH_REDIS_URL,
      SESSION_SECRET: 'bench-instructions-only-secret-not-for-production',
      WORKERS: 'off',
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '10',
      TENANTS_DIR: join(ROOT, 'tenants'),
      QUEUE_PREFIX,
      PUBLIC_SCHEME: 'http',
    }),
  );
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ port: (app.getHttpServer().address() as AddressInfo).port })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await app.close();
}

/** The sql child, run under callgrind: the API's statement for each search through a bare pg pool, counted here. */
async function sqlChild(database: string, o: Options): Promise<ChildReport> {
  const all = await buildSearchRequests(pgUrl('owner', database));
  const pool = new Pool({ connectionString: pgUrl('app', database), max: CLIENTS });
  const run = async (r: SearchRequest) => (await pool.query(r.search.sql, r.search.params)).rows.length;
  try {
    await inTurn(takeSearches(all, 0, o.warmup), run);
    const counted = takeSearches(all, o.warmup, o.count);
    counting(process.pid, true);
    const items = await inTurn(counted, run);
    counting(process.pid, false);
    return { searches: counted.length, meanItems: items / counted.length };
  } finally {
    await pool.end();
  }
}

/** `valgrind --tool=callgrind` on this script as a child; `out` receives its counts. */
function callgrindArgs(side: Side, db: ScratchDatabase, o: Options, out: string): string[] {
  return [
    '--tool=callgrind',
    '--instr-atstart=no',
    `--callgrind-out-file=${out}`,
    process.execPath,
    // As `npm start` runs the API (package.json): a young generation sized once.
    '--min-semi-space-size=64',
    '--max-semi-space-size=64',
    __filename,
    '--child',
    side,
    '--database',
    db.name,
    '--count',
    String(o.count),
    '--warmup',
    String(o.warmup),
  ];
}

const CHILD_ENV = { ...process.env, BENCH_QUEUE_PREFIX: QUEUE_PREFIX };

/** Instructions the process executed while counting (every thread), from valgrind's summary. */
function collected(side: Side, stderr: string, status: number | null): number {
  const found = /Collected : (\d+)/.exec(stderr);
  if (status !== 0 || !found) throw new Error(`${side} under callgrind failed (${status}): ${stderr.slice(-2000)}`);
  return Number(found[1]);
}

/** The API under callgrind, the searches sent from here: instructions a search and the mean items a page. */
async function apiUnderCallgrind(db: ScratchDatabase, o: Options): Promise<{ perSearch: number; meanItems: number }> {
  const out = join(tmpdir(), `entraide-callgrind-${process.pid}-api.out`);
  const child = spawn('valgrind', callgrindArgs('api', db, o, out), { cwd: ROOT, env: CHILD_ENV });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = once(child, 'exit');
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    const lines = createInterface({ input: child.stdout });
    let port: number | undefined;
    for await (const line of lines) {
      port = (JSON.parse(line) as { port?: number }).port;
      if (port) break;
    }
    if (!port) throw new Error(`the API under callgrind gave no port: ${stderr.slice(-2000)}`);
    const at = port;
    const all = await buildSearchRequests(db.ownerUrl);
    await inTurn(takeSearches(all, 0, o.warmup), async (r) => (await get(at, agent, r), 0));
    const counted = takeSearches(all, o.warmup, o.count);
    counting(child.pid!, true);
    await inTurn(counted, async (r) => (await get(at, agent, r), 0));
    counting(child.pid!, false);
    // The same searches again, not counted, to read their pages.
    const items = await inTurn(
      counted,
      async (r) => (JSON.parse(await get(at, agent, r)) as { items: unknown[] }).items.length,
    );
    child.stdin.end();
    const [status] = (await exited) as [number | null];
    return { perSearch: collected('api', stderr, status) / counted.length, meanItems: items / counted.length };
  } finally {
    agent.destroy();
    if (child.exitCode === null) child.kill();
    rmSync(out, { force: true });
  }
}

/** The sql side under callgrind: instructions a search. */
function sqlUnderCallgrind(db: ScratchDatabase, o: Options): number {
  const out = join(tmpdir(), `entraide-callgrind-${process.pid}-sql.out`);
  try {
    const ran = spawnSync('valgrind', callgrindArgs('sql', db, o, out), {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: CHILD_ENV,
    });
    const report = JSON.parse((ran.stdout ?? '').trim().split('\n').pop() || '{}') as ChildReport;
    return collected('sql', ran.stderr ?? '', ran.status) / report.searches;
  } finally {
    rmSync(out, { force: true });
  }
}

const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M`;

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.child) {
    if (!o.database) throw new Error('--child needs --database');
    if (o.child === 'api') await apiChild(o.database);
    else process.stdout.write(`${JSON.stringify(await sqlChild(o.database, o))}\n`);
    return;
  }
  if (spawnSync('valgrind', ['--version']).status !== 0)
    throw new Error('valgrind is needed (Debian: apt-get install valgrind)');
  const results: Array<{ listings: number; api: number; sql: number; meanItems: number }> = [];
  for (const listings of o.listings) {
    log(`\n== ${listings.toLocaleString('en')} listings over ${TENANTS} tenants`);
    const db = await createScratchDatabase(`entraide_bench_instr${listings}`);
    try {
      log(`database ${db.name} (migrated, tenants synced); seeding:`);
      await seedSearchData(db.ownerUrl, TENANTS, listings, log, { reorderUrl: db.superuserUrl });
      log(`counting ${o.count} searches after ${o.warmup} of warm-up, under callgrind (each side takes minutes)`);
      const api = await apiUnderCallgrind(db, o);
      const sql = sqlUnderCallgrind(db, o);
      log(`API ${fmt(api.perSearch)} instructions a search, SQL ${fmt(sql)}, ${api.meanItems.toFixed(1)} items`);
      results.push({ listings, api: api.perSearch, sql, meanItems: api.meanItems });
    } finally {
      await db.drop();
    }
  }
  await deletePrefixedKeys(SCRATCH_REDIS_URL, QUEUE_PREFIX).catch((e: Error) => log(`Redis clean-up: ${e.message}`));
  log(`\ninstructions a search, ${CLIENTS} clients, ${o.count} searches counted after ${o.warmup}\n`);
  log('| listings | items a page | API | SQL (bare pg, same statement) | API / SQL |');
  log('| --- | --- | --- | --- | --- |');
  for (const r of results)
    log(
      `| ${r.listings.toLocaleString('en')} | ${r.meanItems.toFixed(1)} | ${fmt(r.api)} | ${fmt(r.sql)} | ` +
        `× ${(r.api / r.sql).toFixed(2)} |`,
    );
  if (results.length > 1) {
    const largest = results.reduce((a, b) => (b.listings > a.listings ? b : a));
    const smallest = results.reduce((a, b) => (b.listings < a.listings ? b : a));
    log(
      `\nthe API at ${largest.listings.toLocaleString('en')} against ${smallest.listings.toLocaleString('en')} ` +
        `listings, instructions a search: ${fmt(smallest.api)} / ${fmt(largest.api)} = × ` +
        `${(smallest.api / largest.api).toFixed(2)} (the throughput ratio if an instruction were a fixed time)`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
