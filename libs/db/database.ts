import { escapeLiteral } from 'pg';
import { prepareValue } from 'pg/lib/utils';
import { DataSource, EntityManager } from 'typeorm';

export type Tx = EntityManager;

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  /**
   * `jit: false` turns PostgreSQL's JIT off for this transaction, in the same round trip: for
   * queries the planner costs far above what they really cost, where compiling is the cost.
   */
  async withTenant<T>(tenantId: string, work: (tx: Tx) => Promise<T>, opts: { jit?: boolean } = {}): Promise<T> {
    // The id is written into the statement (below), so it must be exactly a UUID.
    if (!TENANT_ID.test(tenantId)) throw new Error(`withTenant: not a tenant id: ${JSON.stringify(tenantId).slice(0, 60)}`);
    const qr = this.dataSource.createQueryRunner();
    try {
      // One round trip opens the transaction and scopes it: without parameters the statements
      // go as one simple query. Round trips, not the statements, are what a unit of work costs.
      await qr.query(`START TRANSACTION; SELECT set_config('app.tenant_id', '${tenantId}', true)${opts.jit === false ? '; SET LOCAL jit = off' : ''}`);
      let result: T;
      try {
        result = await work(qr.manager);
      } catch (err) {
        await qr.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await qr.query('COMMIT');
      return result;
    } finally {
      await qr.release();
    }
  }

  /**
   * Statements of several tenants in one transaction and one round trip, for the worker's
   * group commits: each statement runs after `app.tenant_id` is set to its own tenant, so
   * row-level security applies to it exactly as in `withTenant`. The simple query protocol
   * has no parameters: each `$n` of a statement is replaced by its value as an escaped literal
   * (values as `pg` would send them), so `sql` must be constant text whose only `$` are its
   * parameters, with casts where the type matters (`$2::uuid[]`). Answers each statement's rows.
   */
  async inTenants(statements: TenantStatement[]): Promise<Array<Array<Record<string, any>>>> {
    if (!statements.length) return [];
    const qr = this.dataSource.createQueryRunner();
    try {
      const client = (await qr.connect()) as PgClient;
      const known = preparedOn(client);
      const prepare = new Map<string, string>();
      // Named statements are parsed once per connection (PREPARE) and planned at each run with
      // the values and the table's current size. Their generic plan, made once and kept, was
      // tried: made while the outbox was nearly empty (a new deployment, the first rows of a
      // fan-out), it reached rows through the tenant's dedupe index instead of the primary key
      // (equal costs for one row), and kept doing so as the table grew: a claim of 50 rows read
      // the tenant's 10,000 rows 50 times, until the next ANALYZE replaced the plan.
      const text = statements.some((st) => st.name) ? ['START TRANSACTION', 'SET LOCAL plan_cache_mode = force_custom_plan'] : ['START TRANSACTION'];
      for (const { tenantId, sql, params, name } of statements) {
        if (!TENANT_ID.test(tenantId)) throw new Error(`inTenants: not a tenant id: ${JSON.stringify(tenantId).slice(0, 60)}`);
        if (name && !STATEMENT_NAME.test(name)) throw new Error(`inTenants: not a statement name: ${JSON.stringify(name).slice(0, 60)}`);
        if (name && !known.has(name)) prepare.set(name, `PREPARE ${name} AS ${sql}`);
        const statement = name ? `EXECUTE ${name}${params.length ? `(${params.map((_, i) => `$${i + 1}`).join(', ')})` : ''}` : sql;
        text.push(`SELECT set_config('app.tenant_id', '${tenantId}', true)`, inline(statement, params));
      }
      text.push('COMMIT');
      try {
        const results = await client.query([...prepare.values(), ...text].join(';\n'));
        for (const name of prepare.keys()) known.add(name);
        // The PREPAREs, START TRANSACTION (and SET LOCAL), then (set_config, statement) per statement, then COMMIT.
        return statements.map((_, i) => results[prepare.size + text.length - 2 * statements.length + 2 * i].rows);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        // Whether a PREPARE of the failed batch stayed is the server's to say.
        const names = await client.query('SELECT name FROM pg_prepared_statements').catch(() => undefined);
        known.clear();
        for (const r of (names as unknown as { rows: Array<{ name: string }> } | undefined)?.rows ?? []) known.add(r.name);
        throw err;
      }
    } finally {
      await qr.release();
    }
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

export interface TenantStatement {
  tenantId: string;
  sql: string;
  params: unknown[];
  /**
   * Prepares the statement once per connection under this name (PREPARE … AS sql) and
   * executes it from then on: a statement run on every batch is planned once, not each time.
   */
  name?: string;
}

type PgClient = { query(text: string): Promise<Array<{ rows: Array<Record<string, any>> }>> };
const STATEMENT_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Names prepared on each pooled connection (a connection is one session). */
const prepared = new WeakMap<object, Set<string>>();
function preparedOn(client: object): Set<string> {
  let names = prepared.get(client);
  if (!names) prepared.set(client, (names = new Set()));
  return names;
}

/** `$1`, `$2`… of `sql` replaced by their values as escaped literals. */
export function inline(sql: string, params: unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i >= params.length) throw new Error(`inline: no value for $${n}`);
    const value = prepareValue(params[i]);
    if (value === null) return 'NULL';
    if (typeof value !== 'string') throw new Error(`inline: binary value for $${n}`);
    return escapeLiteral(value);
  });
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
