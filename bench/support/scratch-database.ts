import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { pgUrl, TEST_PG } from '@test/support/env';

/**
 * The benchmarks' databases, on the local services as the tests find them (test/support/env.ts:
 * same variables, same defaults), and the helpers that read a database's activity.
 */
export { TEST_REDIS_URL as SCRATCH_REDIS_URL } from '@test/support/env';

/** The repository root, seen from dist/bench/support. */
export const ROOT = join(__dirname, '..', '..', '..');

const ident = (name: string) => {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  return `"${name}"`;
};

async function maintenance<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: pgUrl('owner', 'postgres'), application_name: 'entraide-bench' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface ScratchDatabase {
  name: string;
  /** Owner role: bypasses row-level security, for seeding. */
  ownerUrl: string;
  /** The application role, under row-level security, as the API connects. */
  appUrl: string;
  /** A superuser, for listings:reorder (pg_repack). */
  superuserUrl: string;
  drop(): Promise<void>;
}

/**
 * A database of the benchmark's own, named after `prefix` and this process: a copy of the
 * pristine database, migrated and synced with the same commands production runs.
 */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}`;
  await maintenance(async (c) => {
    await dropLeftovers(c, prefix);
    await dropDatabase(c, name);
    await retryWhileBusy(() => c.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(TEST_PG.pristine)}`));
  });
  const db: ScratchDatabase = {
    name,
    ownerUrl: pgUrl('owner', name),
    appUrl: pgUrl('app', name),
    superuserUrl: pgUrl('superuser', name),
    drop: () => maintenance((c) => dropDatabase(c, name)),
  };
  try {
    const env = {
      ...process.env,
      DATABASE_ADMIN_URL: db.ownerUrl,
      TENANTS_DIR: join(ROOT, 'tenants'),
      LOG_LEVEL: 'warn',
    };
    execFileSync('node', ['dist/libs/db/migrate.js'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('node', ['dist/src/cli.js', 'tenants:sync'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

/** Server processes serving `database` right now (their CPU time counts in a benchmark's accounting). */
export function backendPids(database: string): Promise<number[]> {
  return maintenance(async (c) =>
    (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows.map(
      (r) => r.pid,
    ),
  );
}

/** Transactions committed in `database` so far (pg_stat_database), to count them per message. */
export function commits(database: string): Promise<number> {
  return maintenance(async (c) =>
    Number(
      (
        await c.query<{ xact_commit: string }>('SELECT xact_commit FROM pg_stat_database WHERE datname = $1', [
          database,
        ])
      ).rows[0].xact_commit,
    ),
  );
}

/**
 * DROP … WITH (FORCE), retried for a few seconds: the owner may not terminate the
 * application role's sessions, and those of a pool that was just closed can take a moment
 * to leave the server.
 */
async function dropDatabase(c: Client, name: string): Promise<void> {
  await retryWhileBusy(() => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
}

/** Also covers CREATE DATABASE … TEMPLATE while a test run is copying the same template. */
async function retryWhileBusy(statement: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await statement();
      return;
    } catch (err) {
      if (attempt >= 40 || !/member of the role|being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Databases of earlier runs that were killed before their clean-up (their process is gone). */
async function dropLeftovers(c: Client, prefix: string): Promise<void> {
  const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ $1`, [
    `^${prefix}_[0-9]+$`,
  ]);
  for (const { datname } of rows) {
    const pid = Number(datname.slice(prefix.length + 1));
    if (!processAlive(pid)) await dropDatabase(c, datname);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
