import { categoryId, createResident, FACTORY_PASSWORD, publishListing, ResidentFixture } from './support/factories';
import { seedAlertedNeighbours } from './support/matching';
import { CLUSTER_NODES, LocalRedisCluster } from './support/redis-cluster';
import { SinkMessage, SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';
import { BACKGROUND_QUEUE, MAIL_BULK_QUEUE, MAIL_QUEUE } from '@src/queues';

/**
 * The queues, rate limits and dashboard on the three-master Redis Cluster of scripts/services.sh (REDIS_CLUSTER_NODES,
 * no REDIS_URL at all): a publication's fan-out runs through all three queues (matching, mail, mail-bulk), each in
 * one slot of its own (`{QUEUE_PREFIX:queue}`), and PostgreSQL's outbox stays the truth when a master crashes.
 */
const QUEUES = [MAIL_QUEUE.name, MAIL_BULK_QUEUE.name, BACKGROUND_QUEUE.name];
const NEIGHBOURS = 600;
const BUCLOS = { lat: 45.2125, lng: 5.77715 };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const queueTag = (prefix: string, queue: string) => `{${prefix}:${queue}}`;

/** The master holding each queue's slot under `prefix`. */
const mastersOf = (cluster: LocalRedisCluster, prefix: string) =>
  Promise.all(QUEUES.map((q) => cluster.portOf(queueTag(prefix, q))));

/**
 * A prefix of this run whose three queues sit on three different masters, as the default prefix's do (checked
 * below): where a queue lands depends on its prefix, and the tests need the bulk queue's master apart from the others.
 */
async function prefixOverEveryMaster(cluster: LocalRedisCluster): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const prefix = `rc${process.pid}-${i}`;
    if (new Set(await mastersOf(cluster, prefix)).size === QUEUES.length) return prefix;
  }
  throw new Error('no prefix spreads the queues over the three masters');
}

describe('queues, rate limits and the queue dashboard on a Redis Cluster of three masters', () => {
  let cluster: LocalRedisCluster;
  let prefix: string;
  let sink: SmtpSink;
  let t: TestApp;
  let courses: string;
  let author: ResidentFixture;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.require();
    prefix = await prefixOverEveryMaster(cluster);
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        WORKERS: 'on',
        SMTP_URL: sink.url,
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: CLUSTER_NODES,
        QUEUE_PREFIX: prefix,
        // The sweeper re-queues from PostgreSQL what Redis lost: every second here, so a crash heals quickly.
        MAIL_SWEEP_SEC: '1',
      },
    });
    courses = await categoryId(t.db, 'meylan', 'courses');
    await seedAlertedNeighbours(t.db, 'meylan', courses, NEIGHBOURS, 'grappe');
    author = await createResident(t.db, 'meylan');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
    // This file's keys only (queues and rate limits share the prefix): others may use the cluster.
    if (cluster && prefix) await cluster.deleteKeys(`{${prefix}:*`);
  });

  const about = (title: string) => (m: SinkMessage) => m.subject.includes(title);
  const recipientsOf = (title: string) => new Set(sink.messages.filter(about(title)).map((m) => m.to[0]));
  const publish = (title: string) =>
    publishListing(t, author, {
      kind: 'request',
      categoryId: courses,
      title,
      description: 'Quelqu’un peut-il m’aider pour les courses de la semaine ?',
      location: BUCLOS,
    });
  const allReached = async (title: string, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && recipientsOf(title).size < NEIGHBOURS) await pause(100);
    expect(recipientsOf(title).size).toBe(NEIGHBOURS);
  };
  /** What a key of another slot in a script would log (CROSSSLOT), and, on a healthy cluster, any failed job. */
  const crossSlot = () => t.logs.filter((l) => /CROSSSLOT/.test(l));
  const jobFailures = () => t.logs.filter((l) => /failed on attempt|could not schedule|worker [\w-]+:/.test(l));

  it('spreads the default prefix’s three queues over the three masters', async () => {
    expect(new Set(await mastersOf(cluster, 'entraide')).size).toBe(3);
  });

  it('fans a publication out to 600 neighbours, each e-mail once, each queue in one slot of its own', async () => {
    const title = 'Courses du marché de la Revirée';
    await publish(title);
    await allReached(title, 60_000);
    await pause(500); // room for any duplicate to show up
    expect(sink.messages.filter(about(title))).toHaveLength(NEIGHBOURS);

    // Every key of a queue (waiting and scheduled jobs, ids, events…) is on the master of its hash tag, in one slot.
    const byPort = await cluster.keysByPort(`{${prefix}:*`);
    const masters = await mastersOf(cluster, prefix);
    for (const [i, queue] of QUEUES.entries()) {
      const tag = `${queueTag(prefix, queue)}:`;
      const holders = [...byPort].filter(([, keys]) => keys.some((k) => k.startsWith(tag))).map(([port]) => port);
      expect({ queue, holders }).toEqual({ queue, holders: [masters[i]] });
      const keys = byPort.get(masters[i])!.filter((k) => k.startsWith(tag));
      expect(new Set(await Promise.all(keys.map((k) => cluster.slotOf(k)))).size).toBe(1);
    }
    expect(new Set(masters).size).toBe(3);
    expect(crossSlot()).toEqual([]);
    expect(jobFailures()).toEqual([]);
  }, 90_000);

  it(
    'loses no e-mail and sends none twice when the master of the bulk queue is killed mid fan-out and ' +
      'started again',
    async () => {
      const bulkMaster = await cluster.portOf(queueTag(prefix, MAIL_BULK_QUEUE.name));
      const title = 'Courses pendant la coupure';
      await publish(title);
      // Past the first wave (the mail queue), into the bulk: kill the bulk queue's master with SIGKILL.
      const until = Date.now() + 30_000;
      while (Date.now() < until && sink.messages.filter(about(title)).length < 80) await pause(10);
      await cluster.kill(bulkMaster);
      try {
        const before = recipientsOf(title).size;
        expect(before).toBeGreaterThanOrEqual(80);
        expect(before).toBeLessThan(NEIGHBOURS);

        // The other masters keep serving their queues: a password reset (mail queue) still goes out.
        const reset = await t.request({
          method: 'POST',
          url: '/api/v1/auth/password-reset',
          payload: { email: author.email },
        });
        expect(reset.status).toBe(202);
        await sink.waitFor((m) => m.to.includes(author.email), 15_000);

        await pause(2_000); // a few seconds down in all
      } finally {
        await cluster.start(bulkMaster); // also when an expectation failed: the cluster is left whole
      }
      await allReached(title, 120_000);
      await pause(1_000);
      expect(sink.messages.filter(about(title))).toHaveLength(NEIGHBOURS);

      // PostgreSQL agrees: one notification per neighbour, every e-mail of both fan-outs sent.
      const { rows } = await t.db.admin.query(
        `SELECT count(*)::int AS n, count(DISTINCT mn.recipient_id)::int AS recipients FROM match_notifications mn ` +
          `JOIN listings l ON l.tenant_id = mn.tenant_id AND l.id = mn.listing_id WHERE l.title = $1`,
        [title],
      );
      expect(rows[0]).toEqual({ n: NEIGHBOURS, recipients: NEIGHBOURS });
      const outbox = await t.db.admin.query(
        `SELECT status, count(*)::int AS n FROM outbox_emails WHERE recipient LIKE 'grappe.%' GROUP BY status`,
      );
      expect(outbox.rows).toEqual([{ status: 'sent', n: 2 * NEIGHBOURS }]);
      expect(crossSlot()).toEqual([]);
    },
    240_000,
  );

  it('limits sign-ins and password resets on the cluster, an attempt’s three counters in one slot', async () => {
    const owner = await createResident(t.db, 'meylan');
    const login = (password: string, ip: string) =>
      t.request({ method: 'POST', url: '/api/v1/auth/login', ip, payload: { email: owner.email, password } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login('pas le bon mot de passe', '203.0.113.7')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect((await login(FACTORY_PASSWORD, '203.0.113.8')).status).toBe(200);

    // A script over keys of several slots fails (CROSSSLOT) and the limiter lets everything through: these share one.
    const tag = `{${prefix}:rl:login:${owner.tenantId}}:`;
    const byPort = await cluster.keysByPort(`${tag}*`);
    expect(byPort.size).toBe(1);
    const [keys] = [...byPort.values()];
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(new Set(await Promise.all(keys.map((k) => cluster.slotOf(k)))).size).toBe(1);

    const resets: number[] = [];
    for (let i = 0; i < 4; i++)
      resets.push(
        (
          await t.request({
            method: 'POST',
            url: '/api/v1/auth/password-reset',
            ip: `203.0.113.${20 + i}`,
            payload: { email: owner.email },
          })
        ).status,
      );
    expect(resets).toEqual([202, 202, 202, 429]);
  });

  it('shows the three queues in the operators’ dashboard', async () => {
    const admin = await createResident(t.db, 'metropole', { roles: ['resident', 'federation_admin'] });
    const api = await t.request({
      url: '/admin/queues/api/queues',
      host: 'metropole.localhost',
      session: admin.session,
    });
    expect(api.status).toBe(200);
    const queues = api.json().queues as Array<{ name: string; counts: Record<string, number> }>;
    expect(queues.map((q) => q.name).sort()).toEqual([...QUEUES].sort());
    for (const q of queues) expect(q.counts).toEqual(expect.objectContaining({ waiting: expect.any(Number) }));
  });
});
