import { spawn } from 'node:child_process';
import { Client } from 'pg';

/**
 * The order listings are kept in on disk after `listings:reorder`: a tenant's published listings together, by
 * category, then along the geohash (a Z-order curve) of their public point. A search near a point reads the nearest
 * ~25 listings of a tenant (and often of a category); in insertion order each is on a heap page of its own among
 * all the communes' pages, so at a million listings a search touched ~25 pages no processor cache held. In this
 * order they share a few pages: at 1,000,000 listings PostgreSQL's time per search fell from ~260 to ~175 µs, that
 * of 10,000 listings being ~110 (docs/PERFORMANCE.md). New and edited listings land wherever there is room, so the
 * order wears off with the days; a nightly run restores it.
 */
export const LISTINGS_DISK_ORDER =
  "tenant_id, (status <> 'published'), category_id, ST_GeoHash(public_location::geometry, 9)";

export interface ReorderOptions {
  /**
   * Seconds pg_repack tries for each of its two short exclusive locks before giving up (it cancels nobody). While a
   * try waits (at most 1 s each), searches and writes queue behind it.
   */
  waitTimeoutSec?: number;
  /**
   * Seconds after which the whole run is interrupted (pg_repack then removes what it created), e.g. while it waits for
   * a transaction older than itself to end.
   */
  deadlineSec?: number;
  log?: (line: string) => void;
}

export class ReorderError extends Error {}

/** What libpq needs to reach the database `url` names, as environment variables (pg_repack is a libpq client). */
function libpqEnvironment(url: URL): NodeJS.ProcessEnv {
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  // pg_repack writes the database and user names into a connection string of its own, unquoted.
  if (!/^[\w.-]+$/.test(database)) throw new ReorderError('the connection names no database, or an unusual one');
  if (user && !/^[\w.-]+$/.test(user)) throw new ReorderError('the connection names an unusual user');
  const env: NodeJS.ProcessEnv = {
    PGHOST: param('host') ?? (url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost'),
    PGPORT: param('port') ?? (url.port || '5432'),
    PGDATABASE: database,
    PGAPPNAME: 'entraide-listings-reorder',
    ...(user ? { PGUSER: user } : {}),
    ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
  };
  for (const [name, variable] of [
    ['sslmode', 'PGSSLMODE'],
    ['sslrootcert', 'PGSSLROOTCERT'],
    ['sslcert', 'PGSSLCERT'],
    ['sslkey', 'PGSSLKEY'],
  ] as const) {
    const value = param(name);
    if (value !== undefined) env[variable] = value;
  }
  return env;
}

/**
 * Rewrites the listings table in LISTINGS_DISK_ORDER with pg_repack, online: reads and writes go on during the copy
 * (pg_repack logs them with a trigger and replays them), and it takes an exclusive lock only for a moment at the
 * start and at the swap, trying at most `waitTimeoutSec` for each without cancelling anyone's query. Indexes,
 * constraints, triggers and row-level security stay (the table keeps its identity; only its files are swapped);
 * then VACUUM (ANALYZE), so that the first searches do not each write hint bits on the copied rows' pages. Needs
 * the pg_repack client on this machine and the extension in the database (scripts/services.sh installs both), a
 * superuser's connection (`superuserUrl`), and free disk space for a copy of the table and its indexes. A run that
 * cannot finish (a lock not obtained in time, the deadline, a signal) leaves the table as it was.
 */
export async function reorderListings(superuserUrl: string, opts: ReorderOptions = {}): Promise<{ seconds: number }> {
  const started = process.hrtime.bigint();
  const env = libpqEnvironment(new URL(superuserUrl));
  const c = new Client({ connectionString: superuserUrl, application_name: 'entraide-listings-reorder' });
  await c.connect();
  try {
    // A run killed before it could clean up leaves its trigger, which logs every write until removed.
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'listings'::regclass AND tgname = 'repack_trigger'`,
    );
    if (rows[0].n > 0)
      throw new ReorderError(
        'listings still has the trigger of an interrupted pg_repack run: remove it with ' +
          '`DROP EXTENSION pg_repack CASCADE; CREATE EXTENSION pg_repack` (as superuser), then run again',
      );
    await repack(env, opts);
    await c.query('VACUUM (ANALYZE) listings');
  } finally {
    await c.end();
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function repack(libpqEnv: NodeJS.ProcessEnv, opts: ReorderOptions): Promise<void> {
  const args = [
    `--dbname=${libpqEnv.PGDATABASE}`,
    '--table=public.listings',
    `--order-by=${LISTINGS_DISK_ORDER}`,
    '--no-kill-backend',
    `--wait-timeout=${opts.waitTimeoutSec ?? 10}`,
    // VACUUM (ANALYZE) follows.
    '--no-analyze',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('pg_repack', args, { env: { ...process.env, ...libpqEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const collector = () => {
      let partial = '';
      return {
        add: (chunk: Buffer) => {
          const lines = (partial + chunk.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) keep(line);
        },
        end: () => keep(partial),
      };
    };
    const keep = (line: string) => {
      if (!line.trim()) return;
      output.push(line);
      opts.log?.(`pg_repack: ${line}`);
    };
    const out = collector();
    const err = collector();
    child.stdout.on('data', out.add);
    child.stderr.on('data', err.add);
    // SIGINT lets pg_repack drop its trigger and its copy before it exits.
    let interrupted: string | undefined;
    const interrupt = (why: string) => {
      interrupted ??= why;
      child.kill('SIGINT');
    };
    const onSignal = (signal: NodeJS.Signals) => interrupt(`stopped by ${signal}`);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const deadlineSec = opts.deadlineSec ?? 3600;
    const deadline = setTimeout(() => interrupt(`still running after ${deadlineSec} s`), deadlineSec * 1000);
    const done = () => {
      clearTimeout(deadline);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      done();
      reject(
        e.code === 'ENOENT'
          ? new ReorderError('pg_repack is not installed here (Debian: postgresql-15-repack; scripts/services.sh)')
          : e,
      );
    });
    child.on('close', (code, signal) => {
      done();
      out.end();
      err.end();
      // pg_repack exits 0 after a warning that it skipped the table (e.g. when it could not take its lock in time).
      const failed = output.find((l) => /^(ERROR|WARNING)/.test(l.trim()));
      if (code === 0 && !failed && !interrupted) return resolve();
      const status = code === null ? `signal ${signal}` : `exit ${code}`;
      const why = [interrupted, failed ?? output.join(' / ')].filter(Boolean).join(': ');
      reject(new ReorderError(`pg_repack failed (${status}): ${why}`));
    });
  });
}
