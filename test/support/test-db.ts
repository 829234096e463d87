import { Client, Pool } from 'pg';
import { parseTenantId, type TenantId } from '@libs/tenancy/tenant-id';
import { pgUrl, templateName, TEST_REDIS_URL } from './env';
import { cloneDatabase, dropDatabase, withMaintenance } from './pg-admin';
import { deletePrefixedKeys } from './redis-keys';

let counter = 0;

/**
 * The QUEUE_PREFIX of the applications and commands a test runs on database `name` (testEnv): their queues and rate
 * limits in the tests' Redis, removed with the database.
 */
export const testQueuePrefix = (name: string) => `t${process.pid}-${name}`;

/** A database of this test file's own, cloned from the run's migrated and synced template. */
export interface TestDatabase {
  name: string;
  appUrl: string;
  adminUrl: string;
  /** Owner connection (bypasses RLS): for arranging and inspecting rows in tests. */
  admin: Pool;
  tenantId(slug: string): Promise<TenantId>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // pid first (leftover clean-up reads it); the random part keeps files of one worker apart.
  const name = `entraide_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  await withMaintenance((c) => cloneDatabase(c, name, templateName()));
  const admin = new Pool({ connectionString: pgUrl('owner', name), max: 3 });
  const ids = new Map<string, TenantId>();
  return {
    name,
    appUrl: pgUrl('app', name),
    adminUrl: pgUrl('owner', name),
    admin,
    async tenantId(slug) {
      if (!ids.has(slug)) {
        const { rows } = await admin.query('SELECT id FROM tenants WHERE slug = $1', [slug]);
        if (!rows[0]) throw new Error(`no tenant ${slug}`);
        ids.set(slug, parseTenantId(rows[0].id));
      }
      return ids.get(slug)!;
    },
    async drop() {
      await admin.end();
      // What commands run on this database left queued (an invitation's e-mail, with no worker to send it).
      await deletePrefixedKeys(TEST_REDIS_URL, testQueuePrefix(name));
      await withMaintenance((c) => dropDatabase(c, name));
    },
  };
}

/** A connection as the application role, for proving what row-level security lets through. */
export async function connectAsApp(db: TestDatabase): Promise<Client> {
  const c = new Client({ connectionString: db.appUrl });
  await c.connect();
  return c;
}
