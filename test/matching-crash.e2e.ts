import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { categoryId, createResident } from './support/factories';
import { ROOT } from './support/commands';
import { seedAlertedNeighbours } from './support/matching';
import { SmtpSink } from './support/smtp-sink';
import { MAIL_IN_FLIGHT } from '@src/notifications/mail.jobs';
import { startTestApp, testEnv, TestApp } from './support/test-app';

/**
 * The worker is a separate process here (the API runs with WORKERS=off), so it can be killed
 * with SIGKILL in the middle of a fan-out and started again, as in production.
 */
describe('a worker killed in the middle of a fan-out', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: ChildProcess | undefined;

  // The lease must outlast a claimed e-mail's wait for a free SMTP connection in a live worker
  // (up to the mail concurrency's worth of e-mails ahead of it), or a live worker's e-mail would
  // be released and sent twice; 10 s is ample here and keeps the restart quick.
  const startWorker = (): ChildProcess => {
    const env = testEnv(t.db, {
      QUEUE_PREFIX: t.config.queuePrefix,
      SMTP_URL: sink.url,
      WORKERS: 'on',
      MAIL_LEASE_SEC: '10',
      MAIL_SWEEP_SEC: '1',
      JOB_LOCK_SEC: '5',
      LOG_LEVEL: 'error',
    });
    const child = spawn(process.execPath, [join(ROOT, 'dist/src/worker.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return child;
  };
  const stop = (child: ChildProcess | undefined, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'off', SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await stop(worker, 'SIGTERM');
    await t.close();
    await sink.stop();
  });

  it('loses no recipient and duplicates no notification after a restart', async () => {
    const courses = await categoryId(t.db, 'meylan', 'courses');
    // 600 neighbours with an alert on "courses" around Buclos.
    await seedAlertedNeighbours(t.db, 'meylan', courses, 600, 'crash');
    const author = await createResident(t.db, 'meylan');
    worker = startWorker();

    const res = await t.request({
      method: 'POST',
      url: '/api/v1/listings',
      session: author.session,
      payload: {
        kind: 'request',
        categoryId: courses,
        title: 'Courses pendant la panne',
        description: 'Quelqu’un peut-il m’aider pour les courses de la semaine ?',
        mode: 'in_person',
        location: { lat: 45.2125, lng: 5.77715 },
      },
    });
    expect(res.status).toBe(201);
    const about = (m: { subject: string }) => m.subject.includes('Courses pendant la panne');

    // Kill it as soon as the first e-mails of the fan-out arrive.
    await sink.waitFor(about, 30_000);
    await stop(worker, 'SIGKILL');
    const before = sink.messages.filter(about).length;
    expect(before).toBeLessThan(600);

    worker = startWorker();
    // Recipients the dead worker had not written yet wait for BullMQ to find its matching job
    // stalled (5 s lock here, checked every 5 s), then for the claims' lease: about 20 s.
    const deadline = Date.now() + 160_000;
    const distinct = () => new Set(sink.messages.filter(about).map((m) => m.to[0])).size;
    while (Date.now() < deadline && distinct() < 600) await new Promise((r) => setTimeout(r, 250));

    expect(distinct()).toBe(600);
    const { rows } = await t.db.admin.query(
      `SELECT count(*)::int AS n, count(DISTINCT recipient_id)::int AS recipients FROM match_notifications mn ` +
        `JOIN listings l ON l.tenant_id = mn.tenant_id AND l.id = mn.listing_id WHERE l.title = 'Courses pendant ` +
        `la panne'`,
    );
    expect(rows[0]).toEqual({ n: 600, recipients: 600 });
    // Only messages accepted by SMTP but not yet marked sent when the worker died may come twice.
    const duplicates = sink.messages.filter(about).length - 600;
    expect(duplicates).toBeLessThanOrEqual(MAIL_IN_FLIGHT.mail + MAIL_IN_FLIGHT.bulk);
  }, 240_000);
});
