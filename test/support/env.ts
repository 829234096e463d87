/**
 * Connection settings of the test services; overridable for a machine whose services live elsewhere.
 * The benchmarks use them too (bench/support/scratch-database.ts, compiled by `npm run build`):
 * keep this file free of Jest and of the rest of the test harness.
 */
export const TEST_PG = {
  host: process.env.TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT ?? 5432),
  owner: { user: 'entraide_owner', password: process.env.ENTRAIDE_OWNER_PASSWORD ?? 'entraide_owner' },
  app: { user: 'entraide_app', password: process.env.ENTRAIDE_APP_PASSWORD ?? 'entraide_app' },
  /** A superuser (auto_explain in the plans test, pg_repack for listings:reorder): TEST_PG_SUPERUSER. */
  superuser: {
    user: process.env.TEST_PG_SUPERUSER ?? 'postgres',
    password: process.env.TEST_PG_SUPERUSER_PASSWORD ?? '',
  },
  /** Holds the extensions only (created by scripts/services.sh as superuser); never migrated. */
  pristine: 'entraide_test',
};
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function pgUrl(role: 'owner' | 'app' | 'superuser', database: string): string {
  const r = TEST_PG[role];
  return `postgres://${r.user}:${encodeURIComponent(r.password)}@${TEST_PG.host}:${TEST_PG.port}/${database}`;
}

/** Name of this run's migrated template, set by the global setup for every test worker. */
export function templateName(): string {
  const name = process.env.ENTRAIDE_TEST_TEMPLATE;
  if (!name)
    throw new Error(
      'ENTRAIDE_TEST_TEMPLATE is unset: run the tests through jest (its global setup builds the template)',
    );
  return name;
}
