import 'reflect-metadata';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createDataSource } from '@libs/db';
import { DEMO_PASSWORD } from '@dev/demo/demo-plan';
import { seedDemo } from '@dev/demo/seed';
import { Child } from './support/child';
import { percentile } from './support/load';
import { createScratchDatabase, ROOT, SCRATCH_REDIS_URL, ScratchDatabase } from './support/scratch-database';
import { deletePrefixedKeys } from '@test/support/redis-keys';

/**
 * `npm run bench:soak` (after `npm run build`): the production application (API and workers in
 * one process, mail to a local SMTP sink) on the demo data, under mixed traffic at a fixed rate
 * (open loop: a request leaves every 1/rate s whether or not the earlier ones have answered) for
 * SOAK_MINUTES. Every minute: requests, p50/p99, 4xx, 5xx, network errors, the server's RSS and
 * event-loop delay (monitorEventLoopDelay p99 inside the server process), mail delivered.
 * Before it, the same rate against a bare node:http server for SOAK_BASELINE_SEC: the machine's
 * own noise, printed as a ratio. Ends with a verdict against the aims: no 5xx, RSS growth after
 * the first two minutes under 20 MB, p99 steady.
 *
 *   SOAK_MINUTES=10 SOAK_RATE=50 SOAK_BASELINE_SEC=60 SOAK_DIGEST_MINUTE=6 npm run bench:soak
 *
 * Traffic goes to 127.0.0.1 only; every loop is bounded by time and by MAX_IN_FLIGHT.
 */
const MINUTES = whole('SOAK_MINUTES', 10);
const RATE = positive('SOAK_RATE', 50);
const BASELINE_SEC = positive('SOAK_BASELINE_SEC', 60);
/**
 * The minute at whose start the server runs the daily digests of every commune (0: never). The
 * communes' digest hour is set to 23:00 in the scratch database, so the scheduled check sends
 * nothing before (unless the soak runs at 23:00 in Paris): the run carries every digest
 * notification written since the start, as the 18:00 run carries a day's.
 */
const DIGEST_MINUTE = Number(process.env.SOAK_DIGEST_MINUTE ?? Math.ceil(MINUTES / 2) + 1);
const WINDOW_MS = 60_000;
/**
 * Requests still unanswered beyond this are not sent (counted as skipped): the loop stays bounded if the server stalls.
 */
const MAX_IN_FLIGHT = 500;
const REQUEST_TIMEOUT_MS = 30_000;
/** Aims of the verdict. */
const WARM_UP_MINUTES = 2;
const RSS_GROWTH_MB = 20;
const P99_SPREAD = 2;

/**
 * Shares of the traffic, in percent: readers far outnumber writers, as on the communes' sites.
 * Sign-ins cost a deliberate scrypt each (tens of ms of CPU), so their share decides how much
 * of the machine they take: 4 % of 50 req/s is two a second.
 */
const MIX = { search: 38, page: 38, signIn: 4, publication: 3, message: 12, health: 5 } as const;
/** Sessions opened before the first minute, so the writers of the mix do not begin as a burst of sign-ins. */
const WARM_SESSIONS = 300;
type Kind = keyof typeof MIX | 'bare';

const WORDS = [
  'courses',
  'jardin',
  'bricolage',
  'informatique',
  'cuisine',
  'déménagement',
  'vélo',
  'lecture',
  'garde',
  'aide',
  'peinture',
  'chat',
];

const log = (line: string) => process.stdout.write(`${line}\n`);

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got ${raw})`);
  return n;
}

function whole(name: string, fallback: number): number {
  const n = positive(name, fallback);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number of minutes (got ${n})`);
  return n;
}

interface Tenant {
  slug: string;
  host: string;
  categoryIds: string[];
  center: { lat: number; lng: number };
}
interface Resident {
  id: string;
  email: string;
  tenant: Tenant;
}
interface Fixtures {
  tenants: Tenant[];
  residents: Resident[];
  residentsById: Map<string, Resident>;
  listings: Array<{ id: string; tenant: Tenant }>;
  conversations: Array<{ id: string; starterId: string; tenant: Tenant }>;
}

interface Outgoing {
  kind: Kind;
  method: 'GET' | 'POST';
  host: string;
  path: string;
  body?: unknown;
  cookie?: string;
  /** Called with the answer (sign-ins keep their session). */
  onAnswer?: (status: number, setCookie: string[] | undefined) => void;
}

/** One minute's figures, by completion time. */
interface Window {
  latencies: number[];
  sent: number;
  ok: number;
  status4xx: Map<string, number>;
  status5xx: Map<string, number>;
  errors: number;
  skipped: number;
}

const newWindow = (): Window => ({
  latencies: [],
  sent: 0,
  ok: 0,
  status4xx: new Map(),
  status5xx: new Map(),
  errors: 0,
  skipped: 0,
});

interface Sample {
  rssMb: number;
  heapMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

/** Answered (2xx/3xx) latencies of each kind over the whole soak, for the summary. */
const byKind = new Map<Kind, number[]>();

/** What must be released if the run stops half-way (error or Ctrl-C). */
const open: { db?: ScratchDatabase; children: Child[]; agent?: Agent } = { children: [] };

const QUEUE_PREFIX = `bench-soak-${process.pid}`;

async function release(): Promise<void> {
  const { db, children, agent } = open;
  open.db = undefined;
  open.children = [];
  agent?.destroy();
  for (const c of children) await c.stop().catch(() => undefined);
  // After the processes stop: a running worker writes its queues' keys again.
  await deletePrefixedKeys(SCRATCH_REDIS_URL, QUEUE_PREFIX).catch((e: Error) => log(`Redis clean-up: ${e.message}`));
  await db?.drop().catch((e: Error) => log(`dropping ${db.name} failed: ${e.message}`));
}

async function main(): Promise<void> {
  process.once('SIGINT', () => void release().then(() => process.exit(130)));
  log(`bench:soak: ${MINUTES} min at ${RATE} req/s (baseline ${BASELINE_SEC} s), loopback only`);
  open.agent = new Agent({ keepAlive: true, maxSockets: 128 });

  // The machine's noise: the same open loop against a bare node:http server.
  const bare = new Child('soak-server.js', ['--bare']);
  open.children.push(bare);
  const barePort = await bare.ask<number>(undefined, 'port');
  await bare.ask<Sample>({ type: 'sample' }, 'sample');
  const bareWindow = newWindow();
  await runOpenLoop(
    barePort,
    BASELINE_SEC * 1000,
    () => ({ kind: 'bare', method: 'GET', host: 'bare.localhost', path: '/hello' }),
    () => bareWindow,
  );
  const bareSample = await bare.ask<Sample>({ type: 'sample' }, 'sample');
  await bare.stop();
  bareWindow.latencies.sort((a, b) => a - b);
  const bareP99 = percentile(Float64Array.from(bareWindow.latencies), 0.99);
  log(
    `baseline (bare node:http, ${BASELINE_SEC} s): ${bareWindow.ok} answered, p50 ` +
      `${fmt(percentile(Float64Array.from(bareWindow.latencies), 0.5))} ms, ` +
      `p99 ${fmt(bareP99)} ms, event-loop delay p99 ${fmt(bareSample.loopP99Ms)} ms, RSS ` +
      `${bareSample.rssMb.toFixed(0)} MB, errors ${bareWindow.errors}`,
  );

  open.db = await createScratchDatabase('entraide_soak');
  const db = open.db;
  log(`database ${db.name} (migrated, tenants synced); loading the demo data`);
  const ds = createDataSource(db.ownerUrl, { poolSize: 1, applicationName: 'entraide-soak-seed' });
  await ds.initialize();
  try {
    const reports = await seedDemo(ds);
    log(
      `demo data: ${reports
        .map((r) => `${r.slug} ${r.counts.residents} residents, ${r.counts.offers + r.counts.requests} listings`)
        .join('; ')}`,
    );
    // The scheduled digest check waits for 23:00 in Paris; the run of SOAK_DIGEST_MINUTE is the soak's.
    await ds.query(`UPDATE tenants SET settings = jsonb_set(settings, '{matching,digestHour}', '23')`);
  } finally {
    await ds.destroy();
  }

  const sink = new Child('sink-process.js', []);
  open.children.push(sink);
  const sinkPort = await sink.ask<number>(undefined, 'port');
  const server = new Child('soak-server.js', [], {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    DATABASE_URL: db.appUrl,
    REDIS_URL: SCRATCH_REDIS_URL,
    SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
    SESSION_SECRET: 'bench-soak-only-secret-not-for-production',
    WORKERS: 'on',
    LOG_LEVEL: 'warn',
    TENANTS_DIR: join(ROOT, 'tenants'),
    QUEUE_PREFIX,
    PUBLIC_SCHEME: 'http',
    // Every request carries another X-Forwarded-For: the residents of a commune, not one client.
    TRUST_PROXY: 'true',
  });
  open.children.push(server);
  const port = await server.ask<number>(undefined, 'port');
  const fixtures = await loadFixtures(db, port);
  log(
    `fixtures: ${fixtures.tenants.length} communes, ${fixtures.residents.length} residents who may sign in, ` +
      `${fixtures.listings.length} listings, ${fixtures.conversations.length} conversations; mix ${Object.entries(MIX)
        .map(([k, v]) => `${k} ${v} %`)
        .join(', ')}`,
  );
  await server.ask<Sample>({ type: 'sample' }, 'sample');

  const traffic = new Traffic(fixtures);
  const warm = await traffic.warmUp(port);
  log(`warm-up: ${warm.sessions} sessions opened in ${fmt(warm.ms / 1000)} s (not counted)`);
  const windows: Window[] = [];
  const samples: Sample[] = [];
  const mails: number[] = [];
  const started = performance.now();
  log('');
  log(
    'minute  sent  answered  p50 ms  p99 ms  4xx  5xx  errors  skipped  RSS MB  heap MB  loop p99 ms  loop max ms ' +
      ' mail sent',
  );
  const run = runOpenLoop(
    port,
    MINUTES * WINDOW_MS,
    () => traffic.next(),
    (at) => {
      const i = Math.min(MINUTES - 1, Math.floor((at - started) / WINDOW_MS));
      return (windows[i] ??= newWindow());
    },
  );
  let digest: Promise<void> = Promise.resolve();
  for (let minute = 1; minute <= MINUTES; minute++) {
    if (minute === DIGEST_MINUTE) {
      const mailBefore = await sink.ask<number>({ type: 'count' }, 'count');
      digest = server
        .ask<{ ms: number; written: number; error?: string }>({ type: 'digest' }, 'digest', MINUTES * WINDOW_MS)
        .then(async ({ ms, written, error }) => {
          const received = (await sink.ask<number>({ type: 'count' }, 'count')) - mailBefore;
          log(
            `           digest run of minute ${minute}: ` +
              `${error ? `failed (${error})` : `${written} digest e-mails written`} in ${fmt(ms / 1000)} s ` +
              `(mail received by the sink meanwhile, all kinds: ${received})`,
          );
        });
    }
    await sleep(started + minute * WINDOW_MS - performance.now());
    const sample = await server.ask<Sample>({ type: 'sample' }, 'sample');
    const mailCount = await sink.ask<number>({ type: 'count' }, 'count');
    samples.push(sample);
    mails.push(mailCount);
    const w = (windows[minute - 1] ??= newWindow());
    log(formatMinute(minute, w, sample, mailCount));
  }
  await run;
  await digest;
  log('');
  for (const [i, w] of windows.entries()) {
    const codes = [...w.status4xx, ...w.status5xx].map(([k, n]) => `${k} ×${n}`).join(', ');
    if (codes) log(`minute ${i + 1} answers outside 2xx/3xx: ${codes}`);
  }
  for (const [kind, latencies] of byKind) {
    const sorted = Float64Array.from(latencies).sort();
    log(
      `${kind.padEnd(12)} ${String(sorted.length).padStart(6)} answered  p50 ${fmt(percentile(sorted, 0.5))} ms  ` +
        `p99 ${fmt(percentile(sorted, 0.99))} ms`,
    );
  }
  verdict(windows, samples, bareP99, bareSample);
  await release();
}

/** Sends `next()` every 1/RATE s for `durationMs`, without waiting for answers (open loop). */
async function runOpenLoop(
  port: number,
  durationMs: number,
  next: () => Outgoing,
  windowAt: (at: number) => Window,
): Promise<void> {
  const interval = 1000 / RATE;
  const start = performance.now();
  const end = start + durationMs;
  let due = start;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() < end) {
    const now = performance.now();
    while (due <= now && due < end) {
      due += interval;
      const w = windowAt(now);
      if (inFlight >= MAX_IN_FLIGHT) {
        w.skipped++;
        continue;
      }
      const out = next();
      w.sent++;
      inFlight++;
      const p = send(port, out).then((answer) => {
        inFlight--;
        const done = windowAt(performance.now());
        if (answer.error) done.errors++;
        else if (answer.status >= 500) bump(done.status5xx, `${out.kind} ${answer.status}`);
        else if (answer.status >= 400) bump(done.status4xx, `${out.kind} ${answer.status}`);
        else {
          done.ok++;
          done.latencies.push(answer.ms);
          if (out.kind !== 'bare') (byKind.get(out.kind) ?? byKind.set(out.kind, []).get(out.kind)!).push(answer.ms);
        }
        pending.delete(p);
      });
      pending.add(p);
    }
    await sleep(Math.max(1, due - performance.now()));
  }
  await Promise.all(pending);
}

function send(port: number, out: Outgoing): Promise<{ status: number; ms: number; error?: string }> {
  return new Promise((resolve) => {
    const body = out.body === undefined ? undefined : JSON.stringify(out.body);
    const headers: Record<string, string> = {
      host: out.host,
      'x-forwarded-for': `10.${rand(250) + 1}.${rand(250) + 1}.${rand(250) + 1}`,
      accept: out.path.startsWith('/api/') ? 'application/json' : 'text/html',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (out.cookie) headers.cookie = out.cookie;
    if (out.method === 'POST') headers.origin = `http://${out.host}`;
    const t0 = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: out.method,
        path: out.path,
        headers,
        agent: open.agent,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          out.onAnswer?.(status, res.headers['set-cookie']);
          resolve({ status, ms: performance.now() - t0 });
        });
        res.on('error', (err) => resolve({ status: 0, ms: 0, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, ms: 0, error: err.message }));
    req.end(body);
  });
}

/** Chooses each request of the mix; sign-ins keep sessions that publications and messages use. */
class Traffic {
  private readonly sessions = new Map<string, string>();
  private readonly signedIn: string[] = [];
  private seq = 0;

  constructor(private readonly f: Fixtures) {}

  /**
   * Signs in every conversation's starter and more residents, two at a time, before the
   * measured minutes: messages and publications then find a session instead of each turning
   * into a sign-in, which made the first minutes a storm of password checks.
   */
  async warmUp(port: number): Promise<{ sessions: number; ms: number }> {
    const started = performance.now();
    const starters = [...new Set(this.f.conversations.map((c) => c.starterId))].map((id) =>
      this.f.residentsById.get(id)!,
    );
    const others = this.f.residents
      .filter((r) => !starters.includes(r))
      .slice(0, Math.max(0, WARM_SESSIONS - starters.length));
    const queue = [...starters, ...others];
    const signInNext = async (): Promise<void> => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const out = this.signIn(r);
        const answer = await send(port, out);
        if (answer.error || answer.status !== 200)
          throw new Error(`warm-up sign-in answered ${answer.error ?? answer.status}`);
      }
    };
    await Promise.all([signInNext(), signInNext()]);
    return { sessions: this.signedIn.length, ms: performance.now() - started };
  }

  next(): Outgoing {
    const roll = rand(100);
    let acc = 0;
    for (const [kind, share] of Object.entries(MIX) as Array<[keyof typeof MIX, number]>) {
      acc += share;
      if (roll < acc) return this[kind]();
    }
    return this.search();
  }

  private search(): Outgoing {
    const t = pick(this.f.tenants);
    const params = new URLSearchParams();
    const shape = rand(3);
    if (shape === 0) params.set('q', pick(WORDS));
    if (shape === 1) params.set('category', pick(t.categoryIds));
    if (shape === 2)
      params.set('near', `${(t.center.lat + jitter()).toFixed(5)},${(t.center.lng + jitter()).toFixed(5)}`);
    if (rand(2)) params.set('kind', pick(['offer', 'request']));
    return { kind: 'search', method: 'GET', host: t.host, path: `/api/v1/listings?${params.toString()}` };
  }

  private page(): Outgoing {
    const listing = pick(this.f.listings);
    const t = listing.tenant;
    const path = pick([
      '/',
      '/annonces',
      `/annonces?q=${encodeURIComponent(pick(WORDS))}`,
      `/annonces/${listing.id}`,
      '/carte',
      `/api/v1/listings/${listing.id}`,
    ]);
    return { kind: 'page', method: 'GET', host: t.host, path };
  }

  private health(): Outgoing {
    return {
      kind: 'health',
      method: 'GET',
      host: pick(this.f.tenants).host,
      path: pick(['/api/v1/tenant', '/api/v1/categories', '/health/live']),
    };
  }

  private signIn(resident = pick(this.f.residents)): Outgoing {
    return {
      kind: 'signIn',
      method: 'POST',
      host: resident.tenant.host,
      path: '/api/v1/auth/login',
      body: { email: resident.email, password: DEMO_PASSWORD },
      onAnswer: (status, setCookie) => {
        const cookie = setCookie?.map((c) => c.split(';')[0]).find((c) => c.startsWith('entraide_session='));
        if (status !== 200 || !cookie) return;
        if (!this.sessions.has(resident.id)) this.signedIn.push(resident.id);
        this.sessions.set(resident.id, cookie);
      },
    };
  }

  private publication(): Outgoing {
    if (!this.signedIn.length) return this.signIn();
    const resident = this.f.residentsById.get(pick(this.signedIn))!;
    const t = resident.tenant;
    const n = ++this.seq;
    return {
      kind: 'publication',
      method: 'POST',
      host: t.host,
      path: '/api/v1/listings',
      cookie: this.sessions.get(resident.id),
      body: {
        kind: pick(['offer', 'request']),
        categoryId: pick(t.categoryIds),
        title: `${pick(['Aide pour', 'Je propose', 'Besoin de', 'Coup de main :'])} ${pick(WORDS)} (${n})`,
        description:
          `Annonce de charge numéro ${n}, pour mesurer la tenue du service dans la durée ; ` +
          `${pick(WORDS)} et ${pick(WORDS)} le samedi.`,
        mode: pick(['in_person', 'remote', 'both']),
        location: { lat: t.center.lat + jitter(), lng: t.center.lng + jitter() },
      },
    };
  }

  private message(): Outgoing {
    const c = pick(this.f.conversations);
    const cookie = this.sessions.get(c.starterId);
    if (!cookie) return this.signIn(this.f.residentsById.get(c.starterId));
    return {
      kind: 'message',
      method: 'POST',
      host: c.tenant.host,
      path: `/api/v1/conversations/${c.id}/messages`,
      cookie,
      body: { body: `Bonjour, est-ce toujours d’actualité ? (${++this.seq})` },
    };
  }
}

/** Communes, residents who may sign in (the demo password), listings and conversations between them. */
async function loadFixtures(db: ScratchDatabase, port: number): Promise<Fixtures> {
  const c = new Client({ connectionString: db.ownerUrl, application_name: 'entraide-soak-fixtures' });
  await c.connect();
  try {
    const { rows: domains } = await c.query<{ slug: string; domain: string; id: string }>(
      `SELECT t.slug, t.id, d.domain FROM tenant_domains d JOIN tenants t ON t.id = d.tenant_id WHERE d.domain ` +
        `LIKE '%.localhost' ORDER BY t.slug`,
    );
    const tenants = new Map<string, Tenant>();
    for (const d of domains) {
      const about = await getJson<{ map: { center: { lat: number; lng: number } | [number, number] } }>(
        port,
        d.domain,
        '/api/v1/tenant',
      );
      const categories = await getJson<Array<{ id: string }>>(port, d.domain, '/api/v1/categories');
      const center = Array.isArray(about.map.center)
        ? { lat: about.map.center[0], lng: about.map.center[1] }
        : about.map.center;
      if (categories.length)
        tenants.set(d.id, { slug: d.slug, host: d.domain, categoryIds: categories.map((x) => x.id), center });
    }
    const { rows: accounts } = await c.query<{ id: string; email: string; tenant_id: string }>(
      `SELECT id, email, tenant_id FROM accounts
        WHERE email IS NOT NULL AND email_verified_at IS NOT NULL AND password_hash IS NOT NULL AND deleted_at IS NULL
          AND roles = '{resident}'`,
    );
    const residents = accounts
      .filter((a) => tenants.has(a.tenant_id))
      .map((a) => ({ id: a.id, email: a.email, tenant: tenants.get(a.tenant_id)! }));
    const residentsById = new Map(residents.map((r) => [r.id, r]));
    const { rows: listings } = await c.query<{ id: string; tenant_id: string }>(
      `SELECT id, tenant_id FROM listings WHERE status = 'published' ORDER BY id LIMIT 5000`,
    );
    const { rows: conversations } = await c.query<{ id: string; starter_id: string; tenant_id: string }>(
      `SELECT id, starter_id, tenant_id FROM conversations ORDER BY id LIMIT 5000`,
    );
    const fixtures: Fixtures = {
      tenants: [...tenants.values()],
      residents,
      residentsById,
      listings: listings
        .filter((l) => tenants.has(l.tenant_id))
        .map((l) => ({ id: l.id, tenant: tenants.get(l.tenant_id)! })),
      conversations: conversations
        .filter((x) => residentsById.has(x.starter_id))
        .map((x) => ({ id: x.id, starterId: x.starter_id, tenant: tenants.get(x.tenant_id)! })),
    };
    if (
      !fixtures.tenants.length ||
      !fixtures.residents.length ||
      !fixtures.listings.length ||
      !fixtures.conversations.length
    ) {
      throw new Error('the demo data lacks communes, residents, listings or conversations to drive the traffic');
    }
    return fixtures;
  } finally {
    await c.end();
  }
}

function getJson<T>(port: number, host: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { host, accept: 'application/json' },
        agent: open.agent,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(text) as T)
            : reject(new Error(`GET ${path} on ${host} answered ${res.statusCode}: ${text.slice(0, 200)}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function formatMinute(minute: number, w: Window, s: Sample, mailCount: number): string {
  const sorted = Float64Array.from(w.latencies).sort();
  const count = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const cols: Array<[string | number, number]> = [
    [minute, 6],
    [w.sent, 6],
    [w.ok + count(w.status4xx) + count(w.status5xx), 10],
    [fmt(percentile(sorted, 0.5)), 8],
    [fmt(percentile(sorted, 0.99)), 8],
    [count(w.status4xx), 5],
    [count(w.status5xx), 5],
    [w.errors, 8],
    [w.skipped, 9],
    [s.rssMb.toFixed(0), 8],
    [s.heapMb.toFixed(0), 9],
    [fmt(s.loopP99Ms), 13],
    [fmt(s.loopMaxMs), 13],
    [mailCount, 11],
  ];
  return cols.map(([v, width]) => String(v).padStart(width)).join('');
}

/**
 * The aims: no 5xx; RSS growth after the warm-up under RSS_GROWTH_MB; each minute's p99 after the warm-up within
 * P99_SPREAD × their median.
 */
function verdict(windows: Window[], samples: Sample[], bareP99: number, bare: Sample): void {
  const total5xx = windows.reduce((n, w) => n + [...w.status5xx.values()].reduce((a, b) => a + b, 0), 0);
  const errors = windows.reduce((n, w) => n + w.errors + w.skipped, 0);
  // With fewer minutes than the warm-up and one more, the warm-up shrinks so that something is compared.
  const warmUp = Math.min(WARM_UP_MINUTES, samples.length - 1);
  const after = samples.slice(warmUp);
  // Growth is the least-squares trend of the minutes' mean RSS over the minutes after the warm-up, from the
  // first to the last: a leak rises steadily, while the heap's saw-tooth moves single minutes up and down.
  const rssGrowth = trend(after.map((s) => s.rssMb)) * Math.max(0, after.length - 1);
  const p99s = windows.slice(warmUp).map((w) => percentile(Float64Array.from(w.latencies).sort(), 0.99));
  const medianP99 = [...p99s].sort((a, b) => a - b)[Math.floor(p99s.length / 2)];
  const worstP99 = Math.max(...p99s);
  const allLatencies = Float64Array.from(windows.slice(warmUp).flatMap((w) => w.latencies)).sort();
  const apiP99 = percentile(allLatencies, 0.99);
  const ok5xx = total5xx === 0;
  const okRss = rssGrowth < RSS_GROWTH_MB;
  const okP99 = worstP99 <= P99_SPREAD * medianP99;
  log(
    `baseline ratio: API p99 ${fmt(apiP99)} ms after minute ${warmUp} / bare node:http p99 ${fmt(bareP99)} ms = ` +
      `${(apiP99 / bareP99).toFixed(1)}×; ` +
      `event-loop delay p99 ${fmt(Math.max(...after.map((s) => s.loopP99Ms)))} ms (worst minute) / bare ` +
      `${fmt(bare.loopP99Ms)} ms`,
  );
  log(
    `verdict: 5xx ${total5xx} (aim 0) ${ok5xx ? 'ok' : 'FAIL'}; ` +
      `RSS trend ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB after minute ${warmUp} ` +
      `(aim < ${RSS_GROWTH_MB} MB) ${okRss ? 'ok' : 'FAIL'}; ` +
      (`p99 per minute after minute ${warmUp} ${fmt(Math.min(...p99s))}–${fmt(worstP99)} ms, worst ≤ ` +
        `${P99_SPREAD}× median ${fmt(medianP99)} ms ${okP99 ? 'ok' : 'FAIL'}; `) +
      `network errors and skipped ${errors} → ${ok5xx && okRss && okP99 ? 'PASS' : 'FAIL'}` +
      (samples.length <= WARM_UP_MINUTES
        ? ` (only ${samples.length} minutes: the warm-up counted ${warmUp}; the aims speak of ${WARM_UP_MINUTES} ` +
          `and more after)`
        : ''),
  );
}

/** Slope of the least-squares line through the values at x = 0, 1, 2…; 0 for fewer than two values. */
function trend(values: number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of values.entries()) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return num / den;
}

const rand = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)];
/** About ±500 m around the commune's centre. */
const jitter = () => (Math.random() - 0.5) * 0.01;
const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const fmt = (ms: number) => (Number.isFinite(ms) ? (ms < 10 ? ms.toFixed(1) : ms.toFixed(0)) : '–');

main().catch(async (err: Error) => {
  process.stderr.write(`bench:soak failed: ${err.stack ?? err.message}\n`);
  await release();
  process.exit(1);
});
