import { DataSource, EntityManager } from 'typeorm';

export type Tx = EntityManager;

/**
 * Rows of any statement. TypeORM's `query()` answers an UPDATE or DELETE with
 * `[rows, rowCount]` instead of rows; this reads the structured result, so
 * `UPDATE … RETURNING` gives its rows like a SELECT.
 */
export async function rows<T = Record<string, any>>(tx: Tx, sql: string, params: unknown[] = []): Promise<T[]> {
  if (!tx.queryRunner) throw new Error('rows() needs a transaction (Database.withTenant / withoutTenant)');
  const result = await tx.queryRunner.query(sql, params, true);
  return result.records as T[];
}

/**
 * The application's only door to PostgreSQL. Every tenant-scoped unit of work runs in a
 * transaction whose first statement sets `app.tenant_id` locally, so row-level security
 * applies and a pooled connection never carries a tenant into the next transaction.
 */
export class Database {
  constructor(readonly dataSource: DataSource) {}

  withTenant<T>(tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      return work(tx);
    });
  }

  /** For platform-wide reads (tenant directory, federations, catalogue): RLS hides every tenant row here. */
  withoutTenant<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export function createDataSource(url: string, opts: { poolSize?: number; migrations?: string[]; applicationName?: string } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [],
    migrations: opts.migrations ?? [],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize: opts.poolSize ?? 10,
    applicationName: opts.applicationName ?? 'entraide',
  });
}
