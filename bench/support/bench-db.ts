import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../libs/db';
import { migrate } from '../../libs/db/migrate';
import { loadTenantCatalogue } from '../../src/tenants/tenant-files';
import { syncTenants } from '../../src/tenants/tenants-sync';

/** The local services, as the tests find them (same variables and defaults as test/support/env.ts). */
const PG = {
  host: process.env.TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT ?? 5432),
  owner: { user: 'entraide_owner', password: process.env.ENTRAIDE_OWNER_PASSWORD ?? 'entraide_owner' },
  app: { user: 'entraide_app', password: process.env.ENTRAIDE_APP_PASSWORD ?? 'entraide_app' },
  /** Extensions only, created by scripts/services.sh. */
  pristine: 'entraide_test',
};
export const BENCH_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const url = (role: 'owner' | 'app', database: string) =>
  `postgres://${PG[role].user}:${encodeURIComponent(PG[role].password)}@${PG.host}:${PG.port}/${database}`;

async function maintenance<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url('owner', 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface BenchDatabase {
  name: string;
  appUrl: string;
  adminUrl: string;
  drop(): Promise<void>;
}

/** A database of the benchmark's own: a copy of the pristine one, migrated and synced with the real code. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `entraide_bench_${process.pid}`;
  await maintenance(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}" TEMPLATE "${PG.pristine}"`);
  });
  const adminUrl = url('owner', name);
  await migrate(adminUrl);
  const ds = createDataSource(adminUrl, { poolSize: 1, applicationName: 'entraide-bench' });
  await ds.initialize();
  try {
    await syncTenants(ds, loadTenantCatalogue(join(__dirname, '..', '..', '..', 'tenants')));
  } finally {
    await ds.destroy();
  }
  return {
    name,
    appUrl: url('app', name),
    adminUrl,
    drop: () => maintenance((c) => dropWhenFree(c, name)),
  };
}

/**
 * A just-closed pool's connections linger for a moment (pg-pool does not wait for them), and
 * the owner role may not terminate the application role's sessions: wait for them to go.
 */
async function dropWhenFree(c: Client, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}"`);
      return;
    } catch (err) {
      if (attempt >= 100 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Server processes serving `database` right now (their CPU time counts in the benchmark's accounting). */
export function backendPids(database: string): Promise<number[]> {
  return maintenance(async (c) => (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows.map((r) => r.pid));
}

/** Transactions committed in `database` so far (pg_stat_database), to count them per message. */
export function commits(database: string): Promise<number> {
  return maintenance(async (c) => Number((await c.query('SELECT xact_commit FROM pg_stat_database WHERE datname = $1', [database])).rows[0].xact_commit));
}
