import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { escapeLiteral } from 'pg';
import { prepareValue } from 'pg/lib/utils';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { currentContext, type WalPosition } from '@libs/tenancy/request-context';
import { isTenantId, type TenantId } from '@libs/tenancy/tenant-id';
import { NoAnswerError, parseLsn, ReplicaMonitor, type ReplicaStatus, within } from './replica';

/** A transaction with no tenant in it (`Database.withoutTenant`): RLS hides every tenant row. */
export type Tx = EntityManager;

/**
 * A transaction scoped to one tenant by `Database.withTenant`: `app.tenant_id` is set, so RLS
 * applies, and `tenantId` is the tenant it was opened for. Repository methods take a `TenantTx`
 * and read the tenant from it, so no other id can be swapped in for the tenant's:
 *
 *   async findById(tx: TenantTx, id: string): Promise<Account | null> {
 *     return tx.findOneBy(Account, { tenantId: tx.tenantId, id });
 *   }
 *
 * It is a TypeORM `EntityManager` (entities, query builder); its raw `query()` answers `any`,
 * so hand-written SQL goes through `rows<Row>()` instead.
 */
export type TenantTx = EntityManager & {
  readonly tenantId: TenantId;
  /** Whether `preparedRows` may name its statements on this connection (DB_PREPARED_STATEMENTS). */
  readonly prepare?: boolean;
};

/**
 * Rows of a hand-written statement, typed by the caller's declared row interface `T` (required:
 * `rows(tx, sql)` without a type does not compile). Columns are aliased to the interface's
 * names in the SQL (`created_at AS "createdAt"`); rows that are not the domain type yet are
 * turned into it explicitly by the repository. TypeORM's `query()` answers an UPDATE or DELETE
 * with `[rows, rowCount]` instead of rows; this reads the structured result, so
 * `UPDATE … RETURNING` gives its rows like a SELECT.
 */
export async function rows<T extends object = never>(tx: Tx, sql: Sql<T>, params: unknown[] = []): Promise<T[]> {
  if (!tx.queryRunner) throw new Error('rows() needs a transaction (Database.withTenant / withoutTenant)');
  if (typeof sql !== 'string') throw new Error('rows() needs the text of a statement');
  const result: { records: T[] } = await tx.queryRunner.query(sql, params, true);
  return result.records;
}

/**
 * Rows of a hot statement (see `rows`), as a named prepared statement when the transaction allows
 * it: parsed and planned once per connection and statement text, then PostgreSQL keeps a generic
 * plan when it costs no more than the custom ones. For statements whose best plan does not depend
 * on their values (public search: a KNN scan by tenant and category whatever they are); the
 * outbox's claims showed what a generic plan made on an empty table costs (see `inTenants`).
 * Without DB_PREPARED_STATEMENTS (a pooler that forgets named statements between transactions),
 * the same as `rows`.
 */
export async function preparedRows<T extends object = never>(
  tx: TenantTx,
  sql: Sql<T>,
  params: unknown[] = [],
): Promise<T[]> {
  if (!tx.prepare || typeof sql !== 'string' || !tx.queryRunner) return rows<T>(tx, sql, params);
  const client = (await tx.queryRunner.connect()) as NamedQueryClient;
  const result = await client.query<T>({ name: statementName(sql), text: sql, values: params });
  return result.rows;
}

/** The name a statement is prepared under on each connection: from its text, so one text is prepared once. */
function statementName(sql: string): string {
  return `p_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
}

/** The first row of a statement (see `rows`), or undefined. */
export async function firstRow<T extends object = never>(
  tx: Tx,
  sql: Sql<T>,
  params: unknown[] = [],
): Promise<T | undefined> {
  return (await rows<T>(tx, sql, params))[0];
}

/** A statement run for its effect (INSERT, UPDATE, DELETE without RETURNING): answers how many rows it touched. */
export async function execute(tx: Tx, sql: string, params: unknown[] = []): Promise<number> {
  if (!tx.queryRunner) throw new Error('execute() needs a transaction (Database.withTenant / withoutTenant)');
  const result: { affected?: number } = await tx.queryRunner.query(sql, params, true);
  return result.affected ?? 0;
}

/** The statement's text, once the caller has named the type of its rows (`rows<Row>(…)`); without it, nothing fits. */
type Sql<T> = [T] extends [never] ? { readonly 'rows<T>() needs the declared type of its rows': never } : string;

/**
 * The application's only door to PostgreSQL. Every tenant-scoped unit of work runs in a
 * transaction whose first statement sets `app.tenant_id` locally, so row-level security
 * applies and a pooled connection never carries a tenant into the next transaction.
 */
export class Database {
  constructor(
    readonly dataSource: DataSource,
    /** DB_PREPARED_STATEMENTS: hot statements run as named prepared statements (`preparedRows`). */
    private readonly prepare = false,
    /**
     * DATABASE_REPLICA_URL: the hot standby public reads may use (`read`), its monitor (libs/db/replica.ts), and how
     * long a read waits for it before the primary answers instead (DATABASE_REPLICA_TIMEOUT_MS).
     */
    private readonly standby?: { db: Database; monitor: ReplicaMonitor; timeoutMs: number },
  ) {}

  /**
   * A public read (search, map, a listing's or project's page, public figures): on the standby when
   * there is one that is up, lags no more than its bound and has replayed this session's last write
   * (the request's `walPosition`, or `after`); on the primary otherwise. The work may run twice: a
   * failure on the standby (the server went away, a query cancelled by replay, or a row not found
   * that the standby may not have yet) is run again on the primary, so the reader never sees it;
   * so is a read the standby has not answered within its timeout (a frozen server, a black-holed
   * network: the connection stays with the abandoned read until the server answers or goes), after
   * which the standby gets no reads for five timeouts.
   * Without a standby, exactly `withTenant`.
   */
  read<T>(
    tenantId: TenantId,
    work: (tx: TenantTx) => Promise<T>,
    opts: { jit?: boolean; after?: bigint } = {},
  ): Promise<T> {
    return this.routed((db) => db.withTenant(tenantId, work, opts), opts.after);
  }

  /**
   * A public read that is one statement scoping itself to its tenant (it begins with app_scope_tenant, as
   * app_nearest_listings does), sent alone: a transaction of its own in one round trip, where `read` takes three
   * (START TRANSACTION and set_config, the statement, COMMIT). Routed as `read` is; named when
   * DB_PREPARED_STATEMENTS allows it. A statement that does not scope itself sees no tenant's rows.
   */
  readAlone<T extends object = never>(sql: Sql<T>, params: unknown[]): Promise<T[]> {
    if (typeof sql !== 'string') throw new Error('readAlone() needs the text of a statement');
    return this.routed((db) => db.alone<T>(sql, params));
  }

  private async alone<T extends object>(sql: string, params: unknown[]): Promise<T[]> {
    const qr = this.dataSource.createQueryRunner();
    try {
      const client = (await qr.connect()) as NamedQueryClient;
      const result = await client.query<T>({
        name: this.prepare ? statementName(sql) : undefined,
        text: sql,
        values: params,
      });
      return result.rows;
    } finally {
      await qr.release();
    }
  }

  /** `run` on the standby when it may answer (see `read`), else on the primary. */
  private async routed<T>(run: (db: Database) => Promise<T>, after?: bigint): Promise<T> {
    const standby = this.standby;
    if (!standby) return run(this);
    const position = currentContext()?.walPosition;
    const mustSee = [after, position?.mustSee, position?.wrote].reduce<bigint | undefined>(
      (max, lsn) => (lsn !== undefined && (max === undefined || lsn > max) ? lsn : max),
      undefined,
    );
    if (!standby.db.dataSource.isInitialized) {
      // Down when the process started: its pool is opened once the monitor hears from it again.
      if (standby.monitor.usable()) this.openStandby(standby.db.dataSource);
      standby.monitor.reads.primary++;
      return run(this);
    }
    if (!standby.monitor.usable(mustSee)) {
      standby.monitor.reads.primary++;
      return run(this);
    }
    try {
      const result = await within(run(standby.db), standby.timeoutMs, 'standby read');
      standby.monitor.reads.standby++;
      return result;
    } catch (err) {
      standby.monitor.reads.retried++;
      // Unanswered: the standby gets no reads for a while (five timeouts), whatever its polls say.
      if (err instanceof NoAnswerError) standby.monitor.holdOff(standby.timeoutMs * 5);
      void standby.monitor.check();
      return run(this);
    }
  }

  private opening?: Promise<unknown>;
  private openStandby(ds: DataSource): void {
    this.opening ??= ds
      .initialize()
      .catch(() => undefined)
      .finally(() => (this.opening = undefined));
  }

  /** The standby's state for /health/ready; undefined without DATABASE_REPLICA_URL. */
  replicaStatus(): ReplicaStatus | undefined {
    return this.standby?.monitor.status();
  }

  /**
   * `jit: false` turns PostgreSQL's JIT off for this transaction, in the same round trip: for
   * queries the planner costs far above what they really cost, where compiling is the cost.
   */
  async withTenant<T>(
    tenantId: TenantId,
    work: (tx: TenantTx) => Promise<T>,
    opts: { jit?: boolean } = {},
  ): Promise<T> {
    // The id is written into the statement (below), so it must be exactly a UUID, whatever its type said.
    if (!isTenantId(tenantId)) throw new Error(`withTenant: not a tenant id: ${JSON.stringify(tenantId).slice(0, 60)}`);
    const qr = this.dataSource.createQueryRunner();
    try {
      // One round trip opens the transaction and scopes it: without parameters the statements
      // go as one simple query. Round trips, not the statements, are what a unit of work costs.
      await qr.query(
        `START TRANSACTION; SELECT set_config('app.tenant_id', '${tenantId}', ` +
          `true)${opts.jit === false ? '; SET LOCAL jit = off' : ''}`,
      );
      let result: T;
      try {
        const tx: TenantTx = Object.assign(qr.manager, { tenantId, prepare: this.prepare });
        result = await work(tx);
      } catch (err) {
        await qr.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      const position = this.standby && currentContext()?.walPosition;
      if (position) await commitNoting(qr, position);
      else await qr.query('COMMIT');
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
   * parameters, with casts where the type matters (`$2::uuid[]`). Answers each statement's rows,
   * typed `R` (the declared row of the batch's statements, alike in a group commit).
   */
  async inTenants<R extends object = Record<string, unknown>>(statements: TenantStatement[]): Promise<R[][]> {
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
      // Without DB_PREPARED_STATEMENTS (a pooler in transaction mode gives each transaction whichever
      // server connection is free, one that never saw this connection's PREPAREs), every statement
      // runs as its own text: nothing of the batch outlives its transaction.
      const text =
        this.prepare && statements.some((st) => st.name)
          ? ['START TRANSACTION', 'SET LOCAL plan_cache_mode = force_custom_plan']
          : ['START TRANSACTION'];
      for (const { tenantId, sql, params, name: named } of statements) {
        if (!isTenantId(tenantId))
          throw new Error(`inTenants: not a tenant id: ${JSON.stringify(tenantId).slice(0, 60)}`);
        if (named && !STATEMENT_NAME.test(named))
          throw new Error(`inTenants: not a statement name: ${JSON.stringify(named).slice(0, 60)}`);
        const name = this.prepare ? named : undefined;
        if (name && !known.has(name)) prepare.set(name, `PREPARE ${name} AS ${sql}`);
        const statement = name
          ? `EXECUTE ${name}${params.length ? `(${params.map((_, i) => `$${i + 1}`).join(', ')})` : ''}`
          : sql;
        text.push(`SELECT set_config('app.tenant_id', '${tenantId}', true)`, inline(statement, params));
      }
      text.push('COMMIT');
      try {
        const results = await client.query<R>([...prepare.values(), ...text].join(';\n'));
        for (const name of prepare.keys()) known.add(name);
        // The PREPAREs, START TRANSACTION (and SET LOCAL), then (set_config, statement) per statement, then COMMIT.
        return statements.map((_, i) => results[prepare.size + text.length - 2 * statements.length + 2 * i].rows);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (!this.prepare) throw err;
        // Whether a PREPARE of the failed batch stayed is the server's to say.
        const names = await client
          .query<{ name: string }>('SELECT name FROM pg_prepared_statements')
          .catch(() => undefined);
        known.clear();
        // One statement: the driver answers one result, not an array of them.
        for (const r of (names as unknown as { rows: Array<{ name: string }> } | undefined)?.rows ?? [])
          known.add(r.name);
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
    await this.standby?.monitor.stop();
    await this.opening;
    await this.standby?.db.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * COMMIT, in the same round trip as asking whether the transaction wrote (it has a transaction id
 * only then) and the WAL insert position after it, which is at or past the commit's record: the
 * position the session's next reads must see (read-your-writes, libs/db/replica.ts).
 */
async function commitNoting(qr: QueryRunner, position: WalPosition): Promise<void> {
  const client = (await qr.connect()) as PgClient;
  const results = await client.query<{ wrote?: boolean; lsn?: string }>(
    'SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS wrote; COMMIT; ' +
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
  );
  if (!results[0].rows[0]?.wrote) return;
  const lsn = parseLsn(results[2].rows[0].lsn!);
  if (position.wrote === undefined || lsn > position.wrote) position.wrote = lsn;
}

export interface TenantStatement {
  tenantId: TenantId;
  sql: string;
  params: unknown[];
  /**
   * Prepares the statement once per connection under this name (PREPARE … AS sql) and
   * executes it from then on: a statement run on every batch is planned once, not each time.
   * Only with DB_PREPARED_STATEMENTS; without it, the statement runs as it is.
   */
  name?: string;
}

type PgClient = { query<R>(text: string): Promise<Array<{ rows: R[] }>> };
/** The driver's client, for a named statement (extended protocol: parsed once per connection and name). */
type NamedQueryClient = { query<R>(q: { name?: string; text: string; values: unknown[] }): Promise<{ rows: R[] }> };
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

/**
 * The schema in code: each module's `entities/*.entity.ts`, found by name so that a module keeps
 * its tables to itself (deleting its folder deletes them). test/entities.e2e.ts proves every
 * table has exactly one entity that matches it; migrations stay the only source of DDL.
 */
const ENTITY_FILES = join(__dirname, '..', '..', '{src,libs}', '**', 'entities', '*.entity.{js,ts}');

export function createDataSource(
  url: string,
  opts: { poolSize?: number; migrations?: string[]; applicationName?: string; connectTimeoutMs?: number } = {},
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [ENTITY_FILES],
    migrations: opts.migrations ?? [],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize: opts.poolSize ?? 10,
    applicationName: opts.applicationName ?? 'entraide',
    ...(opts.connectTimeoutMs ? { connectTimeoutMS: opts.connectTimeoutMs } : {}),
  });
}
