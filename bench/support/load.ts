import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Pool } from 'pg';
import type { HttpLoadJob, HttpLoadReport } from './http-load-worker';

/**
 * Closed-loop load at a fixed concurrency for a fixed time, on the two sides of the
 * comparison, with the same measurements: completed requests per second, latency
 * percentiles from per-request process.hrtime timings, and where the CPU went.
 */
export interface LoadResult {
  completed: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** HTTP answers outside 2xx, or SQL transactions that failed. */
  failures: number;
  cpu: CpuUse;
}

export interface CpuUse {
  /** Share of the main thread's event loop spent busy (the API, or the SQL driver). */
  mainLoop: number;
  /** Share of the load generator's event loop spent busy (HTTP only). */
  generatorLoop?: number;
  /** This Node process (every thread), in CPU-µs per completed request. */
  nodeUsPerRequest: number;
  /**
   * The measured database's PostgreSQL backends, in CPU-µs per completed request (0 when the server runs elsewhere).
   */
  postgresUsPerRequest: number;
  /** Everything else (kernel network work, other processes), in CPU-µs per completed request. */
  otherUsPerRequest: number;
  /** Whole machine busy, 0..1 of all cores. */
  machineBusy: number;
}

/** Process ids of the PostgreSQL backends serving the measured database (pg_stat_activity). */
export type BackendPids = () => Promise<number[]>;

/** Nearest-rank percentile of latencies in milliseconds. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One unit of work of the baseline: statements run in order in one tenant transaction. */
export interface SqlWork {
  tenantId: string;
  statements: Array<{ sql: string; params: unknown[]; name?: string; alone?: boolean }>;
}

/**
 * The baseline: `connections` workers, each looping START TRANSACTION and set_config(app.tenant_id) (one round trip)
 * → the statements → COMMIT on a connection borrowed from `pool`, as Database.withTenant does; statements that scope
 * themselves (`alone`) are sent alone, as Database.readAlone does.
 */
export async function runSqlLoad(
  pool: Pool,
  items: SqlWork[],
  connections: number,
  seconds: number,
  backends?: BackendPids,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const probe = await startCpuProbe(backends);
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  const worker = async () => {
    while (process.hrtime.bigint() < deadline) {
      const item = items[next++ % items.length];
      const t0 = process.hrtime.bigint();
      const client = await pool.connect();
      try {
        const alone = item.statements.every((st) => st.alone);
        // As Database.withTenant: the transaction opened and scoped in one round trip (a simple query).
        if (!alone)
          await client.query(`START TRANSACTION; SELECT set_config('app.tenant_id', '${item.tenantId}', true)`);
        for (const statement of item.statements)
          await (statement.name
            ? client.query({ name: statement.name, text: statement.sql, values: statement.params })
            : client.query(statement.sql, statement.params));
        if (!alone) await client.query('COMMIT');
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch {
        failures++;
        await client.query('ROLLBACK').catch(() => undefined);
      } finally {
        client.release();
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return summarise(Float64Array.from(latencies), elapsed, failures, await probe.stop(latencies.length));
}

/** The API side: autocannon in a worker thread of its own, so it does not share the API's event loop. */
export async function runHttpLoad(
  port: number,
  items: Array<{ host: string; path: string }>,
  connections: number,
  seconds: number,
  backends?: BackendPids,
): Promise<LoadResult> {
  const job: HttpLoadJob = {
    url: `http://127.0.0.1:${port}`,
    requests: items.map(({ host, path }) => ({ host, path })),
    connections,
    seconds,
  };
  const probe = await startCpuProbe(backends);
  const report = await new Promise<HttpLoadReport>((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'http-load-worker.js'), { workerData: job });
    worker.once('message', (report: HttpLoadReport) => {
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load generator exited with code ${code} before reporting`)));
  });
  if (report.error) throw new Error(`autocannon: ${report.error}`);
  const latencies = new Float64Array(report.latencies);
  const cpu = await probe.stop(latencies.length);
  cpu.generatorLoop = report.loopBusy;
  return summarise(latencies, report.seconds, report.non2xx + report.errors + report.timeouts, cpu);
}

function summarise(latencies: Float64Array, seconds: number, failures: number, cpu: CpuUse): LoadResult {
  latencies.sort();
  return {
    completed: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failures,
    cpu,
  };
}

/**
 * CPU accounting between two instants: this process (all threads), the measured database's
 * backends, the whole machine (/proc/stat), and this thread's event loop. Other databases
 * on the same server (a test run, say) land in "other", not in PostgreSQL.
 */
export async function startCpuProbe(backends?: BackendPids) {
  const pids0 = backends ? await backends() : [];
  const postgres0 = processTicks(pids0);
  const machine0 = machineTicks();
  const node0 = process.cpuUsage();
  const loop0 = performance.eventLoopUtilization();
  return {
    async stop(completed: number): Promise<CpuUse> {
      const machine1 = machineTicks();
      const node = process.cpuUsage(node0);
      const mainLoop = performance.eventLoopUtilization(loop0).utilization;
      const pids1 = backends ? await backends() : [];
      const postgres1 = processTicks([...new Set([...pids0, ...pids1])]);
      // A backend that appeared meanwhile counts from zero; one that ended is lost (pools keep theirs).
      let postgresTicks = 0;
      for (const [pid, ticks] of postgres1) postgresTicks += ticks - (postgres0.get(pid) ?? 0);
      const postgresUs = (postgresTicks * 1e6) / TICKS_PER_SECOND;
      const nodeUs = node.user + node.system;
      const busyUs = ((machine1.busy - machine0.busy) * 1e6) / TICKS_PER_SECOND;
      const totalTicks = machine1.total - machine0.total;
      const per = (us: number) => us / Math.max(1, completed);
      return {
        mainLoop,
        nodeUsPerRequest: per(nodeUs),
        postgresUsPerRequest: per(postgresUs),
        otherUsPerRequest: per(Math.max(0, busyUs - nodeUs - postgresUs)),
        machineBusy: totalTicks > 0 ? (machine1.busy - machine0.busy) / totalTicks : NaN,
      };
    },
  };
}

/** utime + stime of each process, in ticks, from /proc/<pid>/stat; processes not found (or not local) are left out. */
function processTicks(pids: number[]): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After "(comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(pid, Number(f[11]) + Number(f[12]));
    } catch {
      /* ended meanwhile, or the server is not on this machine */
    }
  }
  return ticks;
}

/** USER_HZ on Linux. */
const TICKS_PER_SECOND = 100;

function machineTicks(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return { busy: NaN, total: NaN };
  }
}
