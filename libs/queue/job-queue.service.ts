import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@libs/config';
import type { JobDefinition, NoPayload } from './job-definition';
import { queueConnection } from './redis-connection';
import { settleWithin } from './settle';

export interface JobRequest<P = unknown> {
  job: JobDefinition<P>;
  payload: P;
  /** Derived from what the job does, so adding it twice is a no-op while the first is pending. */
  jobId?: string;
  delayMs?: number;
}

/**
 * Finished jobs leave Redis at once: the durable record of any work is in PostgreSQL, and a
 * job id that lingered in the completed or failed set would stop the same work being queued
 * again (BullMQ ignores an add whose id exists).
 */
const DEFAULT_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: true,
  removeOnFail: true,
  // Unexpected errors (database away…) retry a few times; the sweeper covers the rest.
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
};

/** The producer side of BullMQ: one Queue per queue name, opened at first use. */
@Injectable()
export class JobQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly queues = new Map<string, Queue>();
  private readonly releases: Array<() => void> = [];
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async add<P>(r: JobRequest<P>): Promise<void> {
    await this.queue(r.job.queue.name).add(r.job.name, r.payload, {
      ...DEFAULT_JOB_OPTIONS,
      jobId: r.jobId,
      delay: r.delayMs,
    });
  }

  async addBulk<P>(requests: ReadonlyArray<JobRequest<P>>): Promise<void> {
    // One job is one Redis script; a bulk add wraps it in MULTI/EXEC for nothing.
    if (requests.length === 1) return this.add(requests[0]);
    const byQueue = new Map<string, JobRequest<P>[]>();
    for (const r of requests) {
      const list = byQueue.get(r.job.queue.name) ?? [];
      list.push(r);
      byQueue.set(r.job.queue.name, list);
    }
    await Promise.all(
      [...byQueue].map(([queue, jobs]) =>
        this.queue(queue).addBulk(
          jobs.map((r) => ({
            name: r.job.name,
            data: r.payload,
            opts: { ...DEFAULT_JOB_OPTIONS, jobId: r.jobId, delay: r.delayMs },
          })),
        ),
      ),
    );
  }

  /** Runs `job` every `everyMs` across all worker processes (one BullMQ job scheduler, idempotent). */
  async repeat<P>(job: JobDefinition<P>, payload: P, everyMs: number): Promise<void> {
    const queue = this.queue(job.queue.name);
    const existing = await queue.getJobScheduler(job.name);
    if (existing?.every === everyMs) return;
    await queue.upsertJobScheduler(
      job.name,
      { every: everyMs },
      { name: job.name, data: payload, opts: { removeOnComplete: true, removeOnFail: true } },
    );
  }

  /**
   * Keeps platform-wide jobs scheduled: now, and again every few minutes, because a flushed
   * Redis forgets its schedules too. Every worker process calls it; the schedule is one per name.
   */
  keepRepeating(jobs: Array<{ job: JobDefinition<NoPayload>; everyMs: number }>): void {
    const schedule = async () => {
      for (const j of jobs) {
        await this.repeat(j.job, {}, j.everyMs).catch((e: Error) =>
          this.logger.warn(`could not schedule ${j.job.name}: ${e.message}`),
        );
      }
    };
    void schedule();
    const timer = setInterval(() => void schedule(), 5 * 60_000);
    timer.unref();
    this.timers.push(timer);
  }

  /** The BullMQ queue itself, for the worker host and for tests that inspect it. */
  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      const { connection, prefix, release } = queueConnection(this.config, name, 'producer');
      q = new Queue(name, { connection, prefix });
      this.releases.push(release);
      // ioredis reconnects by itself; a failed add is reported to its caller.
      q.on('error', (e: Error) => this.logger.debug(`queue ${name}: ${e.message}`));
      this.queues.set(name, q);
    }
    return q;
  }

  async onApplicationShutdown(): Promise<void> {
    this.timers.forEach(clearInterval);
    // Closing a connection mid-handshake leaves ioredis timers behind: let it connect first.
    await Promise.all(
      [...this.queues.values()].map((q) =>
        settleWithin(q.waitUntilReady(), 2_000).then(() => q.close().catch(() => undefined)),
      ),
    );
    this.queues.clear();
    this.releases.splice(0).forEach((release) => release());
  }
}
