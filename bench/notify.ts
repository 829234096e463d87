import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { Client } from 'pg';
import { AppConfig, loadConfig } from '@libs/config';
import { MailRenderer, RenderedMail } from '@libs/mail';
import type { TenantSettings } from '@src/tenants/tenant-file.schema';
import { sessionCookieName } from '@src/accounts/session-cookie';
import { createApp } from '@src/app.factory';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';
import { percentile } from './support/load';
import { NotifyFixture, seedNotify } from './support/notify-seed';
import { hrMs, NotifySink, startNotifySink } from './support/notify-sink';
import { createScratchDatabase, ROOT, SCRATCH_REDIS_URL, ScratchDatabase } from './support/scratch-database';
import { deletePrefixedKeys } from '@test/support/redis-keys';

/**
 * `npm run bench:notify`: the matching fan-out, from the publication of a listing to the
 * e-mails accepted by an SMTP server, through the production code (createApp with
 * WORKERS=on: the HTTP API, the matching job and the mail jobs in one process).
 *
 * 1. Throughput: one publication whose alerts reach every resident of the crowd (10,000);
 *    timed from the POST to the sink accepting the last e-mail, against a bare nodemailer
 *    pool of the application's size sending as many pre-rendered e-mails to the same sink.
 * 2. Latency: small publications (each reaching its own group of a few residents), spaced
 *    out, timed from each POST to the first e-mail about it (the subject carries the
 *    title, which carries a tag); idle, then while a 10,000 fan-out is being matched, then
 *    while its e-mails are being sent. By default 60 ms apart: the 200 publications then
 *    span the fan-out (about 12 of its 15–20 s); then 20 ms apart, a burst of 50 a second
 *    that saturates a 2-core machine (a measure of capacity more than of latency).
 *
 * Options (or BENCH_* variables): --residents 10000 --listings 200 --group-size 3
 * --spacing-ms 60,20 (one pass of the three situations per value) --rounds 5
 * --budget-sec 600 --worker-process 0 (1: the jobs run in a `dist/src/worker.js` process and
 * the API with WORKERS=off, the production shape).
 */
const TENANT = 'meylan';
const HOST = 'meylan.localhost';
const BIG_CATEGORY = 'courses';
const SMALL_CATEGORY = 'aide-aux-devoirs';
/** The pool of libs/mail/mail-transport.ts (MailTransport's defaults, which MailWorkerModule uses). */
const POOL = { maxConnections: 8, maxMessages: 500 };
const WARMUP = { bare: 500, listings: 10 };

interface Options {
  residents: number;
  listings: number;
  groupSize: number;
  /** One pass of the latency situations per value. */
  spacingMs: number[];
  rounds: number;
  budgetSec: number;
  /** 1: the production shape, the API (WORKERS=off) and a worker process; 0: both in one process. */
  workerProcess: number;
}

function options(): Options {
  const args = process.argv.slice(2);
  const known = ['residents', 'listings', 'group-size', 'spacing-ms', 'rounds', 'budget-sec', 'worker-process'];
  for (const a of args) {
    const name = /^--([\w-]+)/.exec(a)?.[1];
    if (a === '--help' || (name && !known.includes(name))) {
      process.stderr.write(`usage: npm run bench:notify -- [${known.map((k) => `--${k} N`).join('] [')}]\n`);
      process.exit(a === '--help' ? 0 : 2);
    }
  }
  const raw = (name: string) => {
    const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    return i < 0
      ? process.env[`BENCH_${name.replace(/-/g, '_').toUpperCase()}`]
      : args[i].includes('=')
        ? args[i].split('=')[1]
        : args[i + 1];
  };
  const num = (name: string, fallback: number, min: number) => {
    const text = raw(name);
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got ${text})`);
    return n;
  };
  const list = (name: string, fallback: number[]) => {
    const text = raw(name);
    const ns = text === undefined ? fallback : text.split(',').map(Number);
    if (!ns.length || ns.some((n) => !Number.isInteger(n) || n < 0))
      throw new Error(`--${name} must be integers ≥ 0, comma-separated (got ${text})`);
    return ns;
  };
  return {
    residents: num('residents', 10_000, 1),
    listings: num('listings', 200, 1),
    groupSize: num('group-size', 3, 1),
    spacingMs: list('spacing-ms', [60, 20]),
    rounds: num('rounds', 5, 1),
    budgetSec: num('budget-sec', 600, 30),
    workerProcess: Math.min(1, num('worker-process', 0, 0)),
  };
}

interface BenchState {
  sink?: NotifySink;
  db?: ScratchDatabase;
  admin?: Client;
  app?: NestFastifyApplication;
  worker?: WorkerProcess;
}

interface FanOut {
  total: number;
  postMs: number;
  matchedMs: number;
  firstMs: number;
  perSecond: number;
  sendingPerSecond: number;
}

interface LatencyResult {
  name: string;
  latencies: Float64Array;
  postMs: Float64Array;
  /** Small publications whose first e-mail came after the fan-out's last one. */
  starved: number;
  fanOutSec?: number;
  fanOutFirstSec?: number;
  /** From the first small POST to the last small publication's first e-mail. */
  spanSec: number;
}

async function main(): Promise<void> {
  const o = options();
  const deadline = hrMs() + o.budgetSec * 1000;
  const left = () => deadline - hrMs();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const queuePrefix = `bench-notify-${process.pid}`;
  const logs: string[] = [];
  const state: BenchState = {};

  let exitCode = 0;
  const interrupted = new Promise<never>((_, reject) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => reject(new Error(`interrupted by ${signal}`)));
  });
  interrupted.catch(() => undefined); // a second signal during the clean-up must not crash it
  let watchdog: NodeJS.Timeout | undefined;
  const overBudget = new Promise<never>((_, reject) => {
    watchdog = setTimeout(
      () => reject(new Error(`over the time budget of ${o.budgetSec} s (--budget-sec)`)),
      o.budgetSec * 1000,
    );
  });
  const work = run(o, state, logs, queuePrefix, left, say);
  work.catch(() => undefined); // when the race below is lost, its late failure is expected
  try {
    const report = await Promise.race([work, interrupted, overBudget]);
    process.stdout.write(report);
  } catch (err) {
    exitCode = 1;
    process.stderr.write(`bench:notify failed: ${(err as Error).stack ?? String(err)}\n`);
  } finally {
    clearTimeout(watchdog);
    // Clean-up also runs after a failure; each step is bounded and independent of the others.
    const step = async (name: string, fn: () => Promise<unknown>, ms = 30_000) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms))),
        ]);
      } catch (err) {
        exitCode = 1;
        say(`clean-up: ${name} failed: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    };
    if (state.app) await step('closing the application', () => state.app!.close());
    if (state.worker) await step('stopping the worker process', () => state.worker!.stop());
    if (state.admin) await step('closing the admin connection', () => state.admin!.end(), 5_000);
    if (state.sink) await step('stopping the SMTP sink', () => state.sink!.stop(), 5_000);
    if (state.db) await step(`dropping ${state.db.name}`, () => state.db!.drop());
    await step(`deleting the ${queuePrefix}:* keys`, () => deletePrefixedKeys(SCRATCH_REDIS_URL, queuePrefix), 10_000);
    const warnings = logs.filter((l) => /"level":(40|50|60)/.test(l));
    if (warnings.length) {
      const byMsg = new Map<string, number>();
      for (const w of warnings) {
        const msg = (/"msg":"((?:[^"\\]|\\.)*)"/.exec(w)?.[1] ?? w)
          .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…')
          .slice(0, 160);
        byMsg.set(msg, (byMsg.get(msg) ?? 0) + 1);
      }
      say(`application warnings and errors during the run (${warnings.length}):`);
      for (const [msg, n] of byMsg) say(`  ${n} × ${msg}`);
    }
  }
  process.exit(exitCode);
}

async function run(
  o: Options,
  state: BenchState,
  logs: string[],
  queuePrefix: string,
  left: () => number,
  say: (line: string) => void,
): Promise<string> {
  const t0 = hrMs();
  const since = () => `${((hrMs() - t0) / 1000).toFixed(1).padStart(5)} s`;
  const sink = (state.sink = await startNotifySink());
  const db = (state.db = await createScratchDatabase('entraide_bench_notify'));
  say(`${since()}  database ${db.name} migrated and synced`);
  const fx = await seedNotify(db.ownerUrl, {
    tenant: TENANT,
    residents: o.residents,
    crowdRadiusM: 2_000,
    crowdAlertRadiusM: 5_000,
    bigCategory: BIG_CATEGORY,
    smallCategory: SMALL_CATEGORY,
    groups: o.listings,
    groupSize: o.groupSize,
    groupSpacingM: 250,
    matchingCap: Math.max(20_000, o.residents),
    dailyCap: 1_000_000,
  });
  say(
    `${since()}  seeded ${o.residents} residents following ${BIG_CATEGORY} and ${o.listings} groups of ` +
      `${o.groupSize} following ${SMALL_CATEGORY}`,
  );
  const admin = (state.admin = new Client({
    connectionString: db.ownerUrl,
    application_name: 'entraide-bench-notify',
  }));
  await admin.connect();

  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: db.appUrl,
    REDIS_URL: SCRATCH_REDIS_URL,
    SMTP_URL: sink.url,
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-00',
    LOG_LEVEL: 'warn',
    TENANTS_DIR: join(ROOT, 'tenants'),
    QUEUE_PREFIX: queuePrefix,
    WORKERS: o.workerProcess ? 'off' : 'on',
    // As bench/mail.ts: room for 64 concurrent mail jobs next to the API and the matching job.
    DB_POOL_SIZE: '20',
  };
  const config = loadConfig(env);
  if (o.workerProcess) state.worker = await startWorkerProcess(env);
  const app = (state.app = await createApp(config, {
    logDestination: { write: (line: string) => void logs.push(line) },
  }));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  say(
    `${since()}  application up (${o.workerProcess ? 'WORKERS=off, jobs in a worker process' : 'WORKERS=on'}, ` +
      `QUEUE_PREFIX=${queuePrefix})`,
  );

  const publisher = new Publisher(app, config, fx);
  const mail = await representativeMail(admin, fx);
  const total = o.residents;

  // Warm-up: the SMTP paths, the HTTP route, the matching and mail jobs.
  await bare(sink, WARMUP.bare, mail, left);
  await sink.reset();
  const warm = Math.min(WARMUP.listings, o.listings);
  for (let i = 0; i < warm; i++) await publisher.publish(publisher.small(`w${i}`, i));
  await sink.waitForCount(warm * o.groupSize, left(), 'the warm-up e-mails');
  await allSent(admin, left);
  say(`${since()}  warmed up`);

  // 1. Throughput, bare pool and pipeline alternating.
  const bareRates: number[] = [];
  const fanOuts: FanOut[] = [];
  for (let r = 1; r <= o.rounds; r++) {
    bareRates.push(await bare(sink, total, mail, left));
    await sink.reset();
    const p = await publisher.publish(publisher.big(`fan${r}`));
    const lastAt = await sink.waitForCount(total, left(), `the fan-out's ${total} e-mails`);
    const tag = (await sink.tags()).get(`fan${r}`);
    const facts = await listingFacts(admin, p.id);
    if (facts.matched !== total || tag?.n !== total)
      throw new Error(`fan-out ${r}: ${facts.matched} matched, ${tag?.n} e-mails about it, ${total} expected`);
    await allSent(admin, left);
    const seconds = (lastAt - p.at) / 1000;
    fanOuts.push({
      total,
      postMs: p.ms,
      matchedMs: facts.dispatchedAtMs - p.wallAt,
      firstMs: tag.first - p.at,
      perSecond: total / seconds,
      sendingPerSecond: total / ((tag.last - tag.first) / 1000),
    });
    say(
      `${since()}  round ${r}: bare ${bareRates[r - 1].toFixed(0)}/s, fan-out ${seconds.toFixed(1)} s ` +
        `(${(total / seconds).toFixed(0)}/s, matching job done after ` +
        `${(fanOuts[r - 1].matchedMs / 1000).toFixed(1)} s)`,
    );
  }

  // 2. Publish → first e-mail.
  const latency = async (
    name: string,
    letter: string,
    fanOut: 'none' | 'matching' | 'sending',
    spacingMs: number,
  ): Promise<LatencyResult> => {
    await sink.reset();
    let expected = o.listings * o.groupSize;
    let big: Published | undefined;
    const bigTag = `fan${letter}1`;
    if (fanOut !== 'none') {
      big = await publisher.publish(publisher.big(bigTag));
      expected += total;
      if (fanOut === 'sending') await sink.waitForCount(1, left(), 'the first e-mail of the fan-out');
    }
    const posts: Array<Promise<Published>> = [];
    const start = hrMs();
    for (let i = 0; i < o.listings; i++) {
      const wait = start + i * spacingMs - hrMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      posts.push(publisher.publish(publisher.small(`${letter}${i}`, i)));
    }
    const published = await Promise.all(posts);
    await sink.waitForCount(expected, left(), `${name}: ${expected} e-mails`);
    const tags = await sink.tags();
    const firsts = published.map((_, i) => {
      const t = tags.get(`${letter}${i}`);
      if (t?.n !== o.groupSize)
        throw new Error(`${name}: publication ${i} reached ${t?.n ?? 0} residents, ${o.groupSize} expected`);
      return t.first;
    });
    const bigStats = big ? tags.get(bigTag) : undefined;
    if (big && bigStats?.n !== total)
      throw new Error(`${name}: the fan-out sent ${bigStats?.n} e-mails, ${total} expected`);
    await allSent(admin, left);
    return {
      name,
      latencies: sorted(published.map((p, i) => firsts[i] - p.at)),
      postMs: sorted(published.map((p) => p.ms)),
      starved: bigStats ? firsts.filter((f) => f > bigStats.last).length : 0,
      fanOutSec: big && bigStats ? (bigStats.last - big.at) / 1000 : undefined,
      fanOutFirstSec: big && bigStats ? (bigStats.first - big.at) / 1000 : undefined,
      spanSec: (Math.max(...firsts) - start) / 1000,
    };
  };
  const latencies: LatencyResult[] = [];
  for (const [pass, spacingMs] of o.spacingMs.entries()) {
    for (const [situation, letter, fanOut] of [
      ['idle', 'i', 'none'],
      [`while a ${total} fan-out is matched`, 'm', 'matching'],
      [`while a ${total} fan-out is sent`, 's', 'sending'],
    ] as const) {
      const r = await latency(
        `${situation}, ${spacingMs} ms apart`,
        `${letter}${'abcdefghijklmnopqrstuvwxyz'[pass % 26]}`,
        fanOut,
        spacingMs,
      );
      latencies.push(r);
      say(
        `${since()}  latency ${r.name}: p50 ${percentile(r.latencies, 0.5).toFixed(0)} ms, p95 ` +
          `${percentile(r.latencies, 0.95).toFixed(0)} ms`,
      );
    }
  }

  return report(o, bareRates, fanOuts, latencies);
}

interface Published {
  id: string;
  /** hrtime (ms) just before the request, on the sink's clock. */
  at: number;
  /** Date.now() at the same moment, to compare with PostgreSQL timestamps. */
  wallAt: number;
  /** Until the API answered 201. */
  ms: number;
}

/** Publications as a resident makes them: POST /api/v1/listings with a session cookie and the site's Origin. */
class Publisher {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly app: NestFastifyApplication,
    config: AppConfig,
    private readonly fx: NotifyFixture,
  ) {
    this.headers = {
      host: HOST,
      cookie: `${sessionCookieName(config)}=${fx.author.token}`,
      origin: `${config.publicScheme}://${HOST}`,
      'content-type': 'application/json',
    };
  }

  /** Reaches every resident of the crowd. */
  big(tag: string) {
    return {
      kind: 'request',
      categoryId: this.fx.bigCategoryId,
      title: `Courses pour la semaine, qui passe au marché ? [${tag}]`,
      description:
        'Je ne peux plus porter de charges lourdes. Une fois par semaine, le samedi matin de préférence. Merci !',
      mode: 'in_person',
      location: this.fx.centre,
      radiusM: 2_000,
    };
  }

  /** Reaches group `g` only. */
  small(tag: string, g: number) {
    return {
      kind: 'request',
      categoryId: this.fx.smallCategoryId,
      title: `Aide aux devoirs de maths [${tag}]`,
      description: 'Pour mon fils en quatrième, une heure le mercredi après-midi.',
      mode: 'in_person',
      location: this.fx.groups[g],
    };
  }

  async publish(body: object): Promise<Published> {
    const wallAt = Date.now();
    const at = hrMs();
    const res = await this.app.inject({
      method: 'POST',
      url: '/api/v1/listings',
      headers: this.headers,
      payload: JSON.stringify(body),
    });
    const ms = hrMs() - at;
    if (res.statusCode !== 201) throw new Error(`publication refused: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return { id: res.json<{ id: string }>().id, at, wallAt, ms };
  }
}

/**
 * The baseline: `count` e-mails handed at once to a bare nodemailer pool of the
 * application's size, timed from the first sendMail to the sink accepting the last one.
 */
async function bare(
  sink: NotifySink,
  count: number,
  mail: RenderedMail & { unsubscribe: string },
  left: () => number,
): Promise<number> {
  await sink.reset();
  const transport = createTransport({
    url: sink.url,
    pool: true,
    ...POOL,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as SMTPPool.Options);
  try {
    const started = hrMs();
    const last = sink.waitForCount(count, left(), `the bare pool's ${count} e-mails`);
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transport.sendMail({
          from: { name: 'Entraidons-nous', address: 'ne-pas-repondre@entraide.meylan.fr' },
          to: `voisin.${i + 1}@bench-notify.example`,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<${randomUUID()}@entraide.meylan.fr>`,
          headers: {
            'List-Unsubscribe': `<${mail.unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
        }),
      ),
    );
    return (count / ((await last) - started)) * 1000;
  } finally {
    transport.close();
  }
}

/** A match e-mail as the mail worker renders it for the crowd (same template, tenant, sizes of links). */
async function representativeMail(admin: Client, fx: NotifyFixture): Promise<RenderedMail & { unsubscribe: string }> {
  const { rows } = await admin.query<{ slug: string; name: string; siteName: string; settings: TenantSettings }>(
    `SELECT slug, name, site_name AS "siteName", settings FROM tenants WHERE id = $1`,
    [fx.tenantId],
  );
  const t = rows[0];
  const origin = 'https://entraide.meylan.fr';
  const unsubscribe = `${origin}/unsubscribe/${randomUUID()}.${randomBytes(32).toString('base64url')}`;
  const renderer = new MailRenderer({
    templatesDir: join(__dirname, '..', 'src', 'notifications', 'templates'),
    overridesDir: (slug) => join(ROOT, 'tenants', slug, 'mail'),
  });
  const mail = renderer.render('listing-match', t.slug, {
    displayName: 'Voisin4242 B.',
    kindLabel: "demande de l'aide",
    authorName: 'Jeanne P.',
    title: 'Courses pour la semaine, qui passe au marché ? [bare1]',
    description:
      'Je ne peux plus porter de charges lourdes. Une fois par semaine, le samedi matin de préférence. Merci !',
    category: 'Courses',
    neighbourhood: 'Maupertuis',
    distance: 'à environ 1200 m',
    reason: 'alert',
    listingUrl: `${origin}/annonces/${randomUUID()}`,
    preferencesUrl: `${origin}/compte`,
    unsubscribeUrl: unsubscribe,
    tenant: {
      slug: t.slug,
      name: t.name,
      siteName: t.siteName,
      origin,
      theme: t.settings.theme,
      contact: t.settings.contact,
    },
  });
  return { ...mail, unsubscribe };
}

async function listingFacts(admin: Client, listingId: string): Promise<{ matched: number; dispatchedAtMs: number }> {
  const { rows } = await admin.query<{ matched: number; dispatchedAtMs: number }>(
    `SELECT (SELECT count(*)::int FROM match_notifications WHERE listing_id = $1 AND delivery = 'immediate') AS matched,
            (SELECT extract(epoch FROM max(dispatched_at)) * 1000 FROM domain_events WHERE aggregate_id = $1 AND type
              = 'ListingPublished')::float8 AS "dispatchedAtMs"`,
    [listingId],
  );
  return rows[0];
}

/**
 * Waits (outside any timing) until every outbox row is final, so no phase's tail runs into the next; fails on rows that
 * did not go out.
 */
async function allSent(admin: Client, left: () => number): Promise<void> {
  for (;;) {
    const { rows } = await admin.query<{ open: number; lost: number }>(
      `SELECT count(*) FILTER (WHERE status IN ('pending', 'sending'))::int AS open, count(*) FILTER (WHERE ` +
        `status NOT IN ('pending', 'sending', 'sent'))::int AS lost FROM outbox_emails`,
    );
    if (rows[0].lost) throw new Error(`${rows[0].lost} outbox rows failed or were cancelled`);
    if (!rows[0].open) return;
    if (left() < 0) throw new Error(`${rows[0].open} outbox rows still unsent`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The machine's 1-minute load average when the run started: the figures mean little when other work shares the cores.
 */
const LOAD_AT_START = loadavg()[0];

function report(o: Options, bareRates: number[], fanOuts: FanOut[], latencies: LatencyResult[]): string {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  const all = (xs: number[], digits = 0) =>
    xs.length > 1 ? `   (${xs.map((x) => x.toFixed(digits)).join(', ')})` : '';
  const b = med(bareRates);
  const f = (k: keyof FanOut) => med(fanOuts.map((x) => x[k]));
  const n = o.residents.toLocaleString('en');
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const row = (label: string, seconds: string, rate: string, extra = '') =>
    `    ${label.padEnd(52)}${seconds.padStart(8)}${rate.padStart(16)}${extra}`;
  const lines = [
    `notify bench: ${n} residents reached by one publication; ${o.listings} small publications ` +
      `(${o.spacingMs.join(' then ')} ms apart), ${o.groupSize} residents each`,
    `  ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} ` +
      `GiB, Node ${process.version}; median of ${o.rounds} round(s); SMTP pool of ${POOL.maxConnections} ` +
      `connections; load average ${LOAD_AT_START.toFixed(1)} at start`,
    o.workerProcess
      ? '  API (WORKERS=off) and a worker process (dist/src/worker.js), as in production'
      : '  API and workers in one process (WORKERS=on)',
    '',
    `  Fan-out: one POST → ${n} e-mails accepted by the sink`,
    row(
      'pipeline, publish → last e-mail accepted',
      `${(o.residents / f('perSecond')).toFixed(1)} s`,
      `${f('perSecond').toFixed(0)} messages/s`,
      all(fanOuts.map((x) => x.perSecond)),
    ),
    row('  POST answered (matching job queued)', ms(f('postMs')), ''),
    row(
      '  matching job done (rows written, mail jobs queued)',
      `${(f('matchedMs') / 1000).toFixed(1)} s`,
      '',
      all(
        fanOuts.map((x) => x.matchedMs / 1000),
        1,
      ),
    ),
    row('  first e-mail accepted', `${(f('firstMs') / 1000).toFixed(1)} s`, ''),
    row(
      '  sending phase alone (first → last e-mail)',
      '',
      `${f('sendingPerSecond').toFixed(0)} messages/s`,
      all(fanOuts.map((x) => x.sendingPerSecond)),
    ),
    row(
      'bare nodemailer pool, pre-rendered, same sink',
      `${(o.residents / b).toFixed(1)} s`,
      `${b.toFixed(0)} messages/s`,
      all(bareRates),
    ),
    `    pipeline / bare: end to end ${pct(f('perSecond') / b)} (aim ≥ 70 %); sending phase alone ` +
      `${pct(f('sendingPerSecond') / b)}`,
    // Bare and pipeline alternate: each round's pair ran seconds apart, on the same machine state.
    `    round by round (each pipeline round / the bare round before it): ` +
      `${fanOuts.map((x, i) => pct(x.perSecond / bareRates[i])).join(', ')}; median ` +
      `${pct(med(fanOuts.map((x, i) => x.perSecond / bareRates[i])))}`,
    '',
    `  Publish → first e-mail about it (${o.listings} publications; warm-up excluded)`,
    `    ${'situation'.padEnd(52)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'max'.padStart(9)}` +
      `${'POST p95'.padStart(10)}${'all out'.padStart(9)}   first e-mail after the fan-out's last`,
    ...latencies.map(
      (r) =>
        `    ${r.name.padEnd(52)}${ms(percentile(r.latencies, 0.5)).padStart(9)}` +
        `${ms(percentile(r.latencies, 0.95)).padStart(9)}${ms(r.latencies[r.latencies.length - 1]).padStart(9)}` +
        `${ms(percentile(r.postMs, 0.95)).padStart(10)}${`${r.spanSec.toFixed(1)} s`.padStart(9)}   ` +
        (r.fanOutSec === undefined
          ? '-'
          : `${r.starved} of ${o.listings} (fan-out: first e-mail ${r.fanOutFirstSec!.toFixed(1)} s, ` +
            `last ${r.fanOutSec.toFixed(1)} s after its POST)`),
    ),
    `    aim: p95 under 2 s. "all out": from the first small POST until every small publication had its first e-mail.`,
    '',
  ];
  return lines.join('\n');
}

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

void main();
