import { Client } from 'pg';

/**
 * A hot standby for public reads (DATABASE_REPLICA_URL), and how far it may be trusted.
 *
 * The monitor asks, every `intervalMs` (100 ms), the primary for its WAL insert position and the
 * standby for its replay position, each on a connection of its own (a poll never waits behind the
 * pools' queries, and costs one tiny statement per server). From these it knows:
 *
 * - the standby's replay LSN, to compare with a session's last write (read-your-writes below);
 * - its lag in time: each primary position is kept with the time it was seen, until the standby
 *   has replayed past it; the lag is the age of the oldest position not replayed yet (0 when the
 *   standby has replayed everything seen). An idle primary gives no lag, a paused or slow replay
 *   a lag that grows with the clock, whatever the amount of WAL;
 * - whether it answers at all: a poll that fails or does not answer within `timeoutMs` marks it
 *   down until a poll succeeds again.
 *
 * Reads go to the standby only while it answered recently (`staleMs`), is still in recovery, and
 * lags no more than `maxLagMs`; otherwise to the primary. A query that fails on the standby is run
 * again on the primary by the caller (`Database.read`), and makes the monitor check at once.
 *
 * Read-your-writes: after a transaction that wrote, the primary's WAL insert position (which is at
 * or past the end of its commit record) is remembered for the session, in a cookie (see
 * src/app.factory.ts): it costs no database write, holds across API processes, and a forged value
 * only sends its own holder's reads to the primary. That session's public reads use the standby
 * only once its replay position has passed it; until then the primary, which has the write. The
 * comparison is with the cached replay position: no round trip. The cookie needs to live only a
 * little longer than `maxLagMs`: a standby that has not replayed a write seen that long ago lags
 * past the bound, so every read goes to the primary anyway (`cookieMaxAgeSec`).
 */
export interface ReplicaOptions {
  /** Beyond this lag, reads go to the primary (DATABASE_REPLICA_MAX_LAG_MS). */
  maxLagMs: number;
  intervalMs?: number;
  /** A poll not answered within this marks the server it asked as not answering. */
  timeoutMs?: number;
  applicationName?: string;
}

export type ReplicaState = 'up' | 'lagging' | 'down';

/** What /health/ready reports of the standby. */
export interface ReplicaStatus {
  state: ReplicaState;
  /** How far the standby's replay is behind the primary, in ms; null while unknown (down). */
  lagMs: number | null;
  maxLagMs: number;
  replayLsn: string | null;
  /** Reads served by the standby, by the primary instead (standby lagging, down or behind a session's write), and
   * run again on the primary after failing on the standby, since the process started. */
  reads: { standby: number; primary: number; retried: number };
}

/** `X/Y` (hexadecimal halves of a WAL position) as one comparable number. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  if (!m) throw new Error(`not a WAL position: ${JSON.stringify(text).slice(0, 40)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** What `within` rejects with when the time is up. */
export class NoAnswerError extends Error {}

/**
 * `work`'s answer, or a rejection once `ms` have passed without one (`work` then runs on, its outcome ignored: a
 * query sent cannot be taken back, its connection stays busy until the server answers or goes away).
 */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** How many primary positions are kept while the standby is behind (10 s at 100 ms); past it, the newest is moved. */
const MAX_SAMPLES = 100;

export class ReplicaMonitor {
  readonly maxLagMs: number;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  /** A standby last heard from longer ago than this is taken as down. */
  private readonly staleMs: number;
  private readonly applicationName: string;
  private primary?: Client;
  private standby?: Client;
  /** Primary positions seen and not yet replayed by the standby, oldest first. */
  private samples: Array<{ at: number; lsn: bigint }> = [];
  private replay?: bigint;
  private replayAt = 0;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  readonly reads = { standby: 0, primary: 0, retried: 0 };
  /** Until then the standby gets no reads: one of them went unanswered (`holdOff`). */
  private heldOffUntil = 0;

  constructor(
    private readonly primaryUrl: string,
    private readonly standbyUrl: string,
    opts: ReplicaOptions,
  ) {
    this.maxLagMs = opts.maxLagMs;
    this.intervalMs = opts.intervalMs ?? 100;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.staleMs = Math.max(this.timeoutMs, this.intervalMs) + this.intervalMs * 5;
    this.applicationName = opts.applicationName ?? 'entraide-replica-monitor';
  }

  /** Polls once (so the first reads already know the standby's state), then every interval. */
  async start(): Promise<void> {
    await this.check();
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.check().finally(loop), this.intervalMs);
      this.timer.unref();
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
    for (const c of [this.primary, this.standby]) await c?.end().catch(() => undefined);
    this.primary = this.standby = undefined;
  }

  /** Whether a read that must see `after` (a WAL position) may go to the standby now. */
  usable(after?: bigint): boolean {
    if (!this.answering()) return false;
    if (this.currentLag() > this.maxLagMs) return false;
    return after === undefined || this.replay! >= after;
  }

  status(): ReplicaStatus {
    const fresh = this.answering();
    const lagMs = fresh ? this.currentLag() : null;
    return {
      state: !fresh ? 'down' : lagMs! > this.maxLagMs ? 'lagging' : 'up',
      lagMs,
      maxLagMs: this.maxLagMs,
      replayLsn: this.replay === undefined ? null : formatLsn(this.replay),
      reads: { ...this.reads },
    };
  }

  /**
   * No reads for `ms`: a read went unanswered, and a standby that still answers the monitor's tiny polls may be too
   * slow for real reads (a lock held by replay, a saturated host); each read would otherwise wait its timeout first.
   */
  holdOff(ms: number): void {
    this.heldOffUntil = Math.max(this.heldOffUntil, Date.now() + ms);
  }

  /** One poll of both servers now (or the one under way); called again on a failed standby read. */
  check(): Promise<void> {
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Heard from recently, and not held off after a read it left unanswered. */
  private answering(): boolean {
    const now = Date.now();
    return this.replay !== undefined && now - this.replayAt <= this.staleMs && now >= this.heldOffUntil;
  }

  private currentLag(): number {
    // The oldest position not replayed was written at most one interval before it was seen.
    return this.samples.length ? Date.now() - this.samples[0].at : 0;
  }

  private async poll(): Promise<void> {
    const [primary, standby] = await Promise.all([
      this.ask('primary', 'SELECT pg_current_wal_insert_lsn()::text AS lsn, true AS primary'),
      this.ask('standby', 'SELECT pg_last_wal_replay_lsn()::text AS lsn, NOT pg_is_in_recovery() AS primary'),
    ]);
    const now = Date.now();
    if (primary?.lsn && primary.primary) {
      const lsn = parseLsn(primary.lsn);
      const last = this.samples[this.samples.length - 1];
      if (!last || lsn > last.lsn) {
        if (this.samples.length < MAX_SAMPLES) this.samples.push({ at: now, lsn });
        // Keeping the oldest time and moving the newest position only overstates the lag (the safe side).
        else last.lsn = lsn;
      }
    }
    // A standby that is no longer in recovery (promoted) is no standby of this primary any more.
    if (standby?.lsn && !standby.primary) {
      this.replay = parseLsn(standby.lsn);
      this.replayAt = now;
      while (this.samples.length && this.samples[0].lsn <= this.replay) this.samples.shift();
    } else if (this.replay !== undefined && !standby) {
      this.replayAt = 0;
    }
  }

  /** One row from one server, or undefined if it did not answer in time (its connection is then dropped). */
  private async ask(
    server: 'primary' | 'standby',
    sql: string,
  ): Promise<{ lsn: string | null; primary: boolean } | undefined> {
    let client = this[server];
    try {
      if (!client) {
        client = new Client({
          connectionString: server === 'primary' ? this.primaryUrl : this.standbyUrl,
          application_name: this.applicationName,
          connectionTimeoutMillis: this.timeoutMs,
        });
        // A connection that dies between polls (the server stopped) is noticed by the next query.
        client.on('error', () => undefined);
        this[server] = client;
        await client.connect();
      }
      const answer = client.query<{ lsn: string | null; primary: boolean }>(sql);
      return (await within(answer, this.timeoutMs, server)).rows[0];
    } catch {
      if (this[server] === client) this[server] = undefined;
      void client?.end().catch(() => undefined);
      return undefined;
    }
  }
}
