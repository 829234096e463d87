import 'reflect-metadata';
import { INestApplicationContext, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfig, ConfigModule, loadConfig } from '@libs/config';
import { Database, DatabaseModule, rows } from '@libs/db';
import { MailRenderer } from '@libs/mail';
import { JobQueue } from '@libs/queue';
import { MAIL_QUEUE } from '@src/queues';
import { NotificationsModule } from '@src/notifications/notifications.module';
import { OutboxService } from '@src/notifications/outbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsModule } from '@src/tenants/tenants.module';
import { WorkerModule } from '@src/worker.module';
import { CpuMeter, ProcessGroups } from './support/cpu';
import { startWorkerProcess } from './support/worker-process';
import { backendPids, commits, createScratchDatabase, ROOT, SCRATCH_REDIS_URL } from './support/scratch-database';
import { deletePrefixedKeys } from '@test/support/redis-keys';

/**
 * `npm run bench:mail`: e-mails through the whole pipeline (outbox row in a tenant
 * transaction → BullMQ job → claim → render → pooled SMTP → row marked sent), against a
 * baseline measured in the same run: as many pre-rendered messages sent by a bare
 * nodemailer pool of the same size to the same SMTP server (a child process).
 *
 * The pipeline runs in two topologies: as production runs it (the producing process queues,
 * a separate `dist/src/worker.js` process sends), and all in one process (the API with
 * WORKERS=on). Each figure is the median of ROUNDS runs. Next to the rate, the CPU time spent
 * per message by the processes involved: unlike the rate, it barely moves when something else
 * runs on the machine.
 */
const COUNT = Number(process.env.BENCH_COUNT ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Requests producing mail at the same time; each e-mail is its own transaction, as in the API. */
const PRODUCERS = 32;
/** The same pool size as the application's MailTransport. */
const POOL = { maxConnections: 8, maxMessages: 500 };
const SLUGS = ['meylan', 'grenoble', 'seyssins', 'metropole', 'lyon'];
/** BENCH_ONLY=bare,delivery,separate,in-process: a subset, for profiling one side (node --cpu-prof). */
const wanted = (measure: string) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(measure);

interface Figure {
  /** messages per second, wall clock */
  rate: number;
  /** CPU milliseconds per message, summed over the processes doing the work */
  cpuMs: number;
  /** the same, per group of processes */
  split: Record<string, number>;
}

async function main(): Promise<void> {
  const sink = await startSink();
  const db = await createScratchDatabase('entraide_bench');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: db.appUrl,
    REDIS_URL: SCRATCH_REDIS_URL,
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-00',
    LOG_LEVEL: 'warn',
    TENANTS_DIR: join(ROOT, 'tenants'),
    QUEUE_PREFIX: `bench${process.pid}`,
    DB_POOL_SIZE: '20',
  };
  const config = loadConfig(env);
  const figures: Record<'bare' | 'delivery' | 'separate' | 'inProcess', Figure[]> = {
    bare: [],
    delivery: [],
    separate: [],
    inProcess: [],
  };
  // What each side costs: the bare pool is this process and the SMTP server; the pipeline adds
  // the worker process and PostgreSQL's server processes (Redis is shared with other users of
  // the machine, so it is left out; it is a small share).
  const barePids: ProcessGroups = () => Promise.resolve({ bench: [process.pid], smtp: [sink.pid] });
  try {
    // Production topology: this process produces (as the API does), a worker process sends.
    const worker = await startWorkerProcess(env);
    const producer = await context(ProducerModule(config));
    const pipelinePids: ProcessGroups = async () => ({
      bench: [process.pid],
      worker: [worker.pid],
      postgres: await backendPids(db.name),
      smtp: [sink.pid],
    });
    try {
      await bare(sink, 200, barePids);
      await pipeline(sink, 200, producer, pipelinePids);
      for (let r = 0; r < ROUNDS; r++) {
        if (wanted('bare')) figures.bare.push(await bare(sink, COUNT, barePids));
        const c0 = await commits(db.name);
        if (wanted('delivery')) figures.delivery.push(await pipeline(sink, COUNT, producer, pipelinePids, 'queue'));
        if (process.env.BENCH_VERBOSE)
          process.stderr.write(
            `  delivery+production: ${((await commits(db.name)) - c0) / COUNT} commits per message\n`,
          );
        if (wanted('separate')) figures.separate.push(await pipeline(sink, COUNT, producer, pipelinePids));
      }
    } finally {
      await producer.close();
      await worker.stop();
    }
    // One process: the workers inside the producing process (WORKERS=on).
    if (wanted('in-process')) {
      const inProcess = await context(InProcessModule(config));
      const inProcessPids: ProcessGroups = async () => ({
        bench: [process.pid],
        postgres: await backendPids(db.name),
        smtp: [sink.pid],
      });
      try {
        await pipeline(sink, 200, inProcess, inProcessPids);
        for (let r = 0; r < ROUNDS; r++) figures.inProcess.push(await pipeline(sink, COUNT, inProcess, inProcessPids));
      } finally {
        await inProcess.close();
      }
    }
  } finally {
    // Clean-up failures are reported without hiding the error that got us here.
    for (const step of [
      () => deletePrefixedKeys(SCRATCH_REDIS_URL, config.queuePrefix),
      () => db.drop(),
      () => sink.stop(),
    ]) {
      await step().catch((err: Error) => process.stderr.write(`bench:mail clean-up: ${err.message}\n`));
    }
  }

  const bareRate = median(figures.bare.map((f) => f.rate));
  const bareCpu = median(figures.bare.map((f) => f.cpuMs));
  const line = (label: string, fs: Figure[], baseline: boolean) => {
    const rate = median(fs.map((f) => f.rate));
    const cpu = median(fs.map((f) => f.cpuMs));
    const vs = baseline
      ? ''
      : `   ${pct(rate / bareRate).padStart(5)} of bare   ${pct(bareCpu / cpu).padStart(5)} of bare per CPU-second`;
    const mid = fs.find((f) => f.cpuMs === cpu);
    const split = mid
      ? ` (${Object.entries(mid.split)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ')})`
      : '';
    return (
      `  ${label.padEnd(48)} ${rate.toFixed(0).padStart(5)} msg/s  ${cpu.toFixed(2).padStart(5)} ` +
      `CPU-ms/msg${vs}   rates [${fs.map((f) => f.rate.toFixed(0)).join(', ')}]${split}`
    );
  };
  process.stdout.write(
    [
      `mail bench: ${COUNT} e-mails, median of ${ROUNDS} rounds, SMTP pool of ${POOL.maxConnections} connections, ` +
        `${new Date().toISOString().slice(0, 10)}`,
      line('bare nodemailer pool, pre-rendered', figures.bare, true),
      line('pipeline, queue → SMTP → sent (worker process)', figures.delivery, false),
      line('pipeline, request → … → sent (worker process)', figures.separate, false),
      line('pipeline, request → … → sent (workers in API)', figures.inProcess, false),
      '',
    ].join('\n'),
  );
}

/** Rate and CPU per message of `count` messages, the clock and the CPU meter started together. */
async function timed(count: number, groups: ProcessGroups, started: bigint, meter: CpuMeter): Promise<Figure> {
  const rate = count / elapsed(started);
  const split = Object.fromEntries(Object.entries(await meter.stop()).map(([k, v]) => [k, (v * 1000) / count]));
  return { rate, cpuMs: Object.values(split).reduce((a, b) => a + b, 0), split };
}

function ProducerModule(config: AppConfig) {
  @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, TenantsModule, NotificationsModule] })
  class BenchProducerModule {}
  return BenchProducerModule;
}

function InProcessModule(config: AppConfig) {
  @Module({ imports: [WorkerModule.forRoot(config), NotificationsModule] })
  class BenchInProcessModule {}
  return BenchInProcessModule;
}

const context = (module: Type<unknown>) =>
  NestFactory.createApplicationContext(module, { logger: ['error', 'warn'], abortOnError: false });

/** The baseline: one rendered verification e-mail sent `count` times by a bare pool, all handed over at once. */
async function bare(sink: Sink, count: number, groups: ProcessGroups): Promise<Figure> {
  await sink.reset();
  const renderer = new MailRenderer({ templatesDir: join(__dirname, '..', 'src', 'notifications', 'templates') });
  const mail = renderer.render('account-verification', 'meylan', {
    displayName: 'Camille D.',
    verifyUrl: `https://entraide.meylan.fr/compte/verification?token=${randomUUID()}`,
    tenant: {
      siteName: 'Entraidons-nous',
      name: 'Meylan',
      origin: 'https://entraide.meylan.fr',
      theme: { primary: '#1f5d8c', primaryContrast: '#ffffff' },
      contact: {},
    },
  });
  const transport = createTransport({ url: `smtp://127.0.0.1:${sink.port}`, pool: true, ...POOL } as SMTPPool.Options);
  const meter = await CpuMeter.start(groups);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      transport.sendMail({
        from: { name: 'Entraidons-nous', address: 'ne-pas-repondre@entraide.meylan.fr' },
        to: `resident-${i}@example.org`,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${randomUUID()}@entraide.meylan.fr>`,
      }),
    ),
  );
  await sink.waitFor(count);
  const figure = await timed(count, groups, started, meter);
  transport.close();
  return figure;
}

/**
 * `count` e-mails as the API produces them (add in a tenant transaction, dispatch after
 * commit), timed until every row is marked sent. With `from: 'queue'` the queue is paused
 * while they are produced and the clock starts when it resumes: what is timed is delivery
 * (job → claim → render → SMTP → marked sent), the part a bare SMTP pool is compared with.
 */
async function pipeline(
  sink: Sink,
  count: number,
  app: INestApplicationContext,
  groups: ProcessGroups,
  from: 'request' | 'queue' = 'request',
): Promise<Figure> {
  await sink.reset();
  const outbox = app.get(OutboxService);
  const db = app.get(Database);
  const directory = app.get(TenantDirectory);
  const queue = app.get(JobQueue).queue(MAIL_QUEUE.name);
  const tenants = SLUGS.map((slug) => directory.bySlugOrUndefined(slug)!);
  const run = randomUUID().slice(0, 8);
  if (from === 'queue') await queue.pause();
  let meter = await CpuMeter.start(groups);
  let started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      for (let i = next++; i < count; i = next++) {
        const tenant = tenants[i % tenants.length];
        const id = await db.withTenant(tenant.id, (tx) =>
          outbox.add(tx, {
            tenantId: tenant.id,
            to: `resident-${i}@example.org`,
            template: 'account-verification',
            data: {
              displayName: 'Camille D.',
              verifyUrl: `${directory.origin(tenant.slug)}/compte/verification?token=${randomUUID()}`,
            },
            dedupeKey: `bench:${run}:${i}`,
          }),
        );
        await outbox.dispatch(tenant.id, [id]);
      }
    }),
  );
  if (process.env.BENCH_VERBOSE) process.stderr.write(`  produced ${count} in ${elapsed(started).toFixed(2)} s\n`);
  if (from === 'queue') {
    meter = await CpuMeter.start(groups);
    started = process.hrtime.bigint();
    await queue.resume();
  }
  await sink.waitFor(count);
  // The pipeline's work ends when the rows say so, not when the server has the bytes.
  for (;;) {
    const unsent = await Promise.all(
      tenants.map((t) =>
        db.withTenant(t.id, (tx) =>
          rows<{ n: number }>(
            tx,
            `SELECT count(*)::int AS n FROM outbox_emails WHERE tenant_id = $1 AND status <> 'sent'`,
            [t.id],
          ),
        ),
      ),
    );
    if (unsent.every((rows) => rows[0].n === 0)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return timed(count, groups, started, meter);
}

interface Sink {
  port: number;
  pid: number;
  reset(): Promise<void>;
  waitFor(count: number): Promise<void>;
  stop(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(join(__dirname, 'support', 'sink-process.js'), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Never leave it behind, whatever happens to this process.
  process.once('exit', () => child.kill());
  const ask = <T>(type: string, key: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (m: Record<string, T>) => {
        if (!(key in m)) return;
        child.off('message', onMessage);
        resolve(m[key]);
      };
      child.on('message', onMessage);
      if (type) child.send({ type });
    });
  const port = await ask<number>('', 'port');
  const count = () => ask<number>('count', 'count');
  return {
    port,
    pid: child.pid!,
    async reset() {
      child.send({ type: 'reset' });
      while ((await count()) !== 0) await new Promise((r) => setTimeout(r, 5));
    },
    async waitFor(n) {
      while ((await count()) < n) await new Promise((r) => setTimeout(r, 5));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

main().catch((err: Error) => {
  process.stderr.write(`bench:mail failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
