import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Database } from '@libs/db';
import { categoryId, createResident, ResidentFixture } from './support/factories';
import { TEST_PG } from './support/env';
import { startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-db';

/**
 * Public reads on the hot standby of scripts/services.d/10-postgres-standby.sh (cluster 15/standby, port 5433),
 * with the real streaming replication: replay is paused on the standby (as superuser) to make its lag
 * deterministic, and the standby is stopped and started again to see the site answer without it.
 */
const STANDBY = { host: TEST_PG.host, port: 5433, cluster: ['15', 'standby'] };
// Long enough for the steps after pausing replay to finish inside it on a busy machine.
const MAX_LAG_MS = 10000;
const BUCLOS = { lat: 45.2125, lng: 5.77715 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('reads on the standby (DATABASE_REPLICA_URL)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let standby: Client | undefined;
  let author: ResidentFixture;
  let courses: string;
  /** The standby's processes while a test holds them stopped (SIGSTOP): thawed after it whatever happened. */
  const frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen.splice(0)) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone already
      }
    }
  };

  const superuser = () => {
    const c = new Client({
      host: STANDBY.host,
      port: STANDBY.port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 5000,
    });
    // Stopping the standby ends this connection too.
    c.on('error', () => undefined);
    return c;
  };
  const replicaStatus = () => t.app.get(Database).replicaStatus()!;
  const reads = () => replicaStatus().reads;
  /** Waits until the standby has replayed everything the primary had written when called. */
  const caughtUp = async () => {
    const { rows } = await db.admin.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    await until('the standby to replay the primary', async () => {
      const r = await standby!.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [
        rows[0].lsn,
      ]);
      return r.rows[0].ok;
    });
  };
  const pause = () => standby!.query('SELECT pg_wal_replay_pause()');
  const resume = async () => {
    await standby?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
  };
  /** The session's cookies as a browser sends them back (the session, and the WAL position once it wrote). */
  const cookieJar = (who: ResidentFixture) => {
    const jar = new Map<string, string>([['entraide_session', who.session]]);
    return {
      header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      keep: (cookies: Array<{ name: string; value: string }>) => cookies.forEach((c) => jar.set(c.name, c.value)),
      get: (name: string) => jar.get(name),
    };
  };
  const search = async (cookie?: string) => {
    const res = await t.request({
      url: '/api/v1/listings?category=courses&limit=100',
      headers: cookie ? { cookie } : {},
    });
    expect(res.status).toBe(200);
    return res.json<{ items: Array<{ id: string; title: string }> }>().items.map((i) => i.id);
  };

  /** A search now goes straight to the primary: not tried on the standby first. */
  const expectSearchOnPrimary = async () => {
    const before = reads();
    expect(await search()).toEqual(expect.any(Array));
    expect(reads()).toMatchObject({ primary: before.primary + 1, standby: before.standby, retried: before.retried });
  };
  /** Once the monitor takes the standby for up again, it answers the next search. */
  const expectStandbyBack = async (ms?: number) => {
    await until('the standby to be up again', async () => replicaStatus().state === 'up', ms);
    const up = reads();
    await search();
    expect(reads().standby).toBe(up.standby + 1);
  };

  beforeAll(async () => {
    // A run killed while the standby was frozen (SIGSTOP, below) would have left it so: harmless when it runs.
    try {
      execFileSync('pkill', ['-CONT', '-f', `${STANDBY.cluster.join('/')}`], { stdio: 'ignore' });
    } catch {
      // no such process: nothing was frozen
    }
    standby = superuser();
    try {
      await standby.connect();
      const { rows } = await standby.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      if (!rows[0].r) throw new Error('the server on port 5433 is not in recovery');
    } catch (err) {
      standby = undefined;
      throw new Error(
        `No hot standby answers on ${STANDBY.host}:${STANDBY.port} (${(err as Error).message}): ` +
          'run scripts/services.sh, which sets up the streaming standby (scripts/services.d/10-postgres-standby.sh)',
      );
    }
    await resume();
    db = await createTestDatabase();
    // The database was created on the primary: the standby has it once it has replayed that far.
    await caughtUp();
    const replicaUrl = db.appUrl.replace(`:${TEST_PG.port}/`, `:${STANDBY.port}/`);
    t = await startTestApp({
      db,
      env: { DATABASE_REPLICA_URL: replicaUrl, DATABASE_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS) },
    });
    author = await createResident(db, 'meylan', { displayName: 'Odile R.' });
    courses = await categoryId(db, 'meylan', 'courses');
    await caughtUp();
    await until('the monitor to see the standby up', async () => t.app.get(Database).replicaStatus()!.state === 'up');
  });

  afterAll(async () => {
    thaw();
    await resume();
    // Leave the standby running, whatever the tests did to it (starting a running cluster fails: nothing to do).
    try {
      execFileSync('pg_ctlcluster', [...STANDBY.cluster, 'start'], { stdio: 'ignore' });
    } catch {
      // already running
    }
    await until(
      'the standby to answer again',
      async () => {
        const c = superuser();
        try {
          await c.connect();
          return (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0].r;
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      60000,
    );
    await t?.close();
    await standby?.end().catch(() => undefined);
    await db?.drop();
  });

  it('serves public reads from the standby: its connections, and the reads it answered', async () => {
    const before = reads();
    await search();
    expect((await t.request({ url: `/api/v1/listings.geojson?bbox=5.7,45.1,5.9,45.3&zoom=14` })).status).toBe(200);
    expect((await t.request({ url: '/api/v1/stats' })).status).toBe(200);
    expect((await t.request({ url: '/annonces?category=courses' })).status).toBe(200);
    const after = reads();
    expect(after.standby - before.standby).toBeGreaterThanOrEqual(4);
    expect(after.retried).toBe(before.retried);
    const { rows } = await standby!.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'entraide-app-replica'`,
      [db.name],
    );
    expect(rows[0].n).toBeGreaterThan(0);
    const health = await t.request({ url: '/health/ready', host: 'localhost' });
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      checks: { postgres: 'up', redis: 'up', replica: 'up' },
      replica: { state: 'up', maxLagMs: MAX_LAG_MS, readsFrom: 'standby' },
    });
  });

  it('shows a resident their new listing at once, on their pages and in search, while replay is paused', async () => {
    const jar = cookieJar(author);
    await caughtUp();
    await pause();
    try {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/listings',
        headers: { cookie: jar.header(), origin: 'http://meylan.localhost' },
        payload: {
          kind: 'offer',
          categoryId: courses,
          title: 'Courses du mardi pendant la pause',
          description: 'Je passe au marché chaque mardi, je peux prendre vos courses au passage.',
          mode: 'in_person',
          location: BUCLOS,
        },
      });
      expect(res.status).toBe(201);
      const { id } = res.json<{ id: string }>();
      jar.keep(res.cookies);
      expect(jar.get('entraide_wal')).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

      // Another visitor, within the lag bound: the standby answers, without the listing it has not replayed.
      const visitorBefore = reads();
      const seen = (await search()).includes(id);
      expect({ seen, onStandby: reads().standby - visitorBefore.standby, replica: replicaStatus() }).toMatchObject({
        seen: false,
        onStandby: 1,
      });
      // Their link to it still works: missing on the standby, it is asked of the primary.
      const page = await t.request({ url: `/api/v1/listings/${id}` });
      expect(page.status).toBe(200);
      expect(reads().retried).toBe(visitorBefore.retried + 1);

      // The author: the primary, for search, the listing and their pages.
      expect(await search(jar.header())).toContain(id);
      const own = await t.request({ url: `/api/v1/listings/${id}`, headers: { cookie: jar.header() } });
      expect(own.json()).toMatchObject({ id, title: 'Courses du mardi pendant la pause' });
      for (const url of ['/annonces?category=courses', `/annonces/${id}`, '/mes-annonces']) {
        const html = await t.request({ url, headers: { cookie: jar.header() } });
        expect({ url, status: html.status }).toEqual({ url, status: 200 });
        expect(html.body).toContain('Courses du mardi pendant la pause');
      }

      // Past the bound, every read goes to the primary: the visitor sees it too, and /health/ready says why.
      await until(
        'the standby to lag past the bound',
        async () => {
          // The paused standby lags from the first WAL written after the pause; writing some makes it sure.
          await db.admin.query('SELECT pg_current_xact_id()');
          return t.app.get(Database).replicaStatus()!.state === 'lagging';
        },
        MAX_LAG_MS + 20000,
      );
      const lagging = reads();
      expect(await search()).toContain(id);
      expect(reads().primary).toBeGreaterThan(lagging.primary);
      expect(reads().standby).toBe(lagging.standby);
      const health = await t.request({ url: '/health/ready', host: 'localhost' });
      expect(health.status).toBe(200);
      expect(health.json()).toMatchObject({ checks: { replica: 'lagging' }, replica: { readsFrom: 'primary' } });
      expect(health.json().replica.lagMs).toBeGreaterThan(MAX_LAG_MS);
    } finally {
      await resume();
    }
    // Replayed, the standby serves everyone again, the author included.
    await caughtUp();
    await until('the standby to be up again', async () => t.app.get(Database).replicaStatus()!.state === 'up');
    const back = reads();
    expect(await search(jar.header())).toHaveLength((await search()).length);
    expect(reads().standby).toBe(back.standby + 2);
  });

  it('keeps reads off a standby that answers its monitor but not a read (held off for five timeouts)', async () => {
    await caughtUp();
    // A lock taken on the primary is replayed on the standby; with replay paused before its end, the standby keeps it:
    // reads of listings wait there, while the monitor's polls (no table) still answer and the lag stays small.
    const locker = new Client({ connectionString: db.adminUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE listings IN ACCESS EXCLUSIVE MODE');
      // The lock's WAL record reaches the standby once flushed: a commit elsewhere flushes it at once.
      await db.admin.query('SELECT txid_current()');
      await until('the standby to replay the lock', async () => {
        const { rows } = await standby!.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
            WHERE d.datname = $1 AND l.mode = 'AccessExclusiveLock' AND l.relation IS NOT NULL`,
          [db.name],
        );
        return rows[0].n > 0;
      });
      await pause();
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    try {
      expect(replicaStatus().state).toBe('up');
      const before = reads();
      expect(await search()).toEqual(expect.any(Array)); // waits DATABASE_REPLICA_TIMEOUT_MS, then the primary
      expect(reads()).toMatchObject({ retried: before.retried + 1 });
      // The monitor still hears from the standby, yet it gets no reads for now.
      expect(replicaStatus().state).toBe('down');
      await expectSearchOnPrimary();
    } finally {
      await resume();
    }
    await expectStandbyBack(30000);
  });

  it('answers from the primary when the standby freezes (it answers nothing at all), and says so', async () => {
    await caughtUp();
    // Every process of the standby cluster stopped with SIGSTOP: connections stay open, queries get no answer, as
    // with a frozen host or a network that drops packets.
    const { rows } = await standby!.query<{ dir: string }>('SELECT current_setting($1) AS dir', ['data_directory']);
    const postmaster = Number(readFileSync(join(rows[0].dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const before = reads();
    // The postmaster first, so that no backend is forked after its children are listed.
    frozen.push(postmaster);
    process.kill(postmaster, 'SIGSTOP');
    const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' });
    for (const pid of children.split('\n').filter(Boolean).map(Number)) {
      frozen.push(pid);
      process.kill(pid, 'SIGSTOP');
    }
    try {
      // At once, while the monitor still takes it for up: the read waits DATABASE_REPLICA_TIMEOUT_MS, then the
      // primary answers it.
      for (const url of ['/api/v1/listings?category=courses', '/annonces?category=courses', '/chiffres']) {
        const res = await t.request({ url });
        expect({ url, status: res.status }).toEqual({ url, status: 200 });
      }
      expect(reads().retried).toBeGreaterThan(before.retried);
      await until('the monitor to see the standby down', async () => replicaStatus().state === 'down');
      const health = await t.request({ url: '/health/ready', host: 'localhost' });
      expect(health.json()).toMatchObject({ checks: { replica: 'down' }, replica: { readsFrom: 'primary' } });
      await expectSearchOnPrimary();
    } finally {
      thaw();
    }
    // Thawed, it takes the reads back once the hold-off after the unanswered read is over (five timeouts).
    await expectStandbyBack(30000);
  });

  it('keeps answering from the primary when the standby stops, and says so on /health/ready', async () => {
    await caughtUp();
    execFileSync('pg_ctlcluster', [...STANDBY.cluster, 'stop', '-m', 'fast'], { stdio: 'ignore' });
    await standby?.end().catch(() => undefined);
    standby = undefined;
    // At once, before the monitor has noticed: whatever failed on the standby is answered by the primary.
    for (const url of [
      '/api/v1/listings?category=courses',
      '/annonces?category=courses',
      '/api/v1/listings.geojson?bbox=5.7,45.1,5.9,45.3&zoom=14',
      '/api/v1/stats',
      '/chiffres',
    ]) {
      const res = await t.request({ url });
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
    await until(
      'the monitor to see the standby down',
      async () => t.app.get(Database).replicaStatus()!.state === 'down',
    );
    const health = await t.request({ url: '/health/ready', host: 'localhost' });
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      checks: { postgres: 'up', redis: 'up', replica: 'down' },
      replica: { state: 'down', lagMs: null, readsFrom: 'primary' },
    });
    await expectSearchOnPrimary();

    // Started again, it catches up and takes the reads back.
    execFileSync('pg_ctlcluster', [...STANDBY.cluster, 'start'], { stdio: 'ignore' });
    standby = await until(
      'the standby to answer again',
      async () => {
        const c = superuser();
        await c.connect();
        return c;
      },
      60000,
    );
    await caughtUp();
    await expectStandbyBack();
  });
});
