import { spawn } from 'node:child_process';
import { Client } from 'pg';

/**
 * The order listings are kept in on disk after `listings:reorder`: a tenant's published listings together, by
 * category, then along the geohash (a Z-order curve) of their public point. A search near a point reads the nearest
 * ~25 listings of a tenant (and often of a category); in insertion order each is on a heap page of its own among
 * all the communes' pages, so at a million listings a search touched ~25 pages no processor cache held. In this
 * order they share a few pages: at 1,000,000 listings PostgreSQL's time per search fell from ~285 to ~180 µs, that
 * of 10,000 listings being ~125 (docs/PERFORMANCE.md). New and edited listings land wherever there is room, so the
 * order wears off with the days; a nightly run restores it.
 */
export const LISTINGS_DISK_ORDER =
  "tenant_id, (status <> 'published'), category_id, ST_GeoHash(public_location::geometry, 9)";

export interface ReorderOptions {
  /** Seconds pg_repack waits for its two short exclusive locks before giving up (nothing is killed). */
  waitTimeoutSec?: number;
  log?: (line: string) => void;
}

export class ReorderError extends Error {}

/**
 * Rewrites the listings table in LISTINGS_DISK_ORDER with pg_repack, online: reads and writes go on during the copy
 * (pg_repack logs them with a trigger and replays them), and it takes an exclusive lock only for a moment at the
 * start and at the swap, waiting at most `waitTimeoutSec` for it without cancelling anyone's query. Indexes,
 * constraints, triggers and row-level security stay (the table keeps its identity; only its files are swapped);
 * then VACUUM (ANALYZE), so that the first searches do not each write hint bits on the copied rows' pages. Needs
 * the pg_repack client on this machine and the extension in the database (scripts/services.sh installs both), a
 * superuser's connection (`superuserUrl`), and free disk space for a copy of the table and its indexes.
 */
export async function reorderListings(superuserUrl: string, opts: ReorderOptions = {}): Promise<{ seconds: number }> {
  const started = process.hrtime.bigint();
  await repack(superuserUrl, opts);
  const c = new Client({ connectionString: superuserUrl, application_name: 'entraide-listings-reorder' });
  await c.connect();
  try {
    await c.query('VACUUM (ANALYZE) listings');
  } finally {
    await c.end();
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function repack(superuserUrl: string, opts: ReorderOptions): Promise<void> {
  const url = new URL(superuserUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new ReorderError('the connection names no database');
  const args = [
    `--dbname=${database}`,
    `--host=${url.hostname || '127.0.0.1'}`,
    `--port=${url.port || '5432'}`,
    ...(url.username ? [`--username=${decodeURIComponent(url.username)}`] : []),
    '--table=public.listings',
    `--order-by=${LISTINGS_DISK_ORDER}`,
    '--no-kill-backend',
    `--wait-timeout=${opts.waitTimeoutSec ?? 60}`,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'entraide-listings-reorder' };
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  return new Promise((resolve, reject) => {
    const child = spawn('pg_repack', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) {
          output.push(line);
          opts.log?.(`pg_repack: ${line}`);
        }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new ReorderError('pg_repack is not installed here (Debian: postgresql-15-repack; scripts/services.sh)')
          : err,
      ),
    );
    child.on('close', (code) => {
      // pg_repack exits 0 after a warning that it skipped the table (e.g. when it could not take its lock in time).
      const failed = output.find((l) => /^(ERROR|WARNING)/.test(l.trim()));
      if (code === 0 && !failed) resolve();
      else reject(new ReorderError(`pg_repack failed (exit ${code}): ${failed ?? output.join(' / ')}`));
    });
  });
}
