import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { definedJobs, definedQueues, jobNamed } from './job-definition';
import { JOB_HANDLER, RetryLater } from './on-job.decorator';
import { queueConnection } from './redis-connection';
import { settleWithin } from './settle';

type Handler = (payload: unknown) => Promise<unknown>;

export class JobHandlerError extends Error {}

/**
 * Starts one BullMQ worker per defined queue once the application is up, routing each job to
 * the provider method marked `@OnJob(job)`. It refuses to start when a defined job has no
 * handler (or two), so a job can never sit in Redis with nobody to run it (job-definition.ts).
 */
@Injectable()
export class JobWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobWorkers.name);
  private readonly workers: Worker[] = [];
  private readonly releases: Array<() => void> = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const handlers = this.discoverHandlers();
    const missing = definedJobs()
      .filter((job) => !handlers.has(job.name))
      .map((job) => job.name);
    if (missing.length) throw new JobHandlerError(`no handler for job ${missing.join(', ')}: workers not started`);

    const queues = definedQueues();
    for (const { name: queue, concurrency } of queues) {
      const { connection, prefix, release } = queueConnection(this.config, queue, 'worker');
      const worker = new Worker(queue, (job, token) => this.run(handlers, job, token), {
        connection,
        prefix,
        concurrency,
        lockDuration: this.config.jobLockMs,
        stalledInterval: this.config.jobLockMs,
      });
      this.releases.push(release);
      worker.on('failed', (job, err) => {
        const tenant = (job?.data as { tenantId?: string } | undefined)?.tenantId;
        this.logger.warn(
          `job ${job?.name} ${job?.id}${tenant ? ` (tenant ${tenant})` : ''} failed on attempt ` +
            `${job?.attemptsMade}: ${err.message}`,
        );
      });
      worker.on('error', (err) => this.logger.warn(`worker ${queue}: ${err.message}`));
      this.workers.push(worker);
    }
    this.logger.log(`workers started for ${queues.map((q) => q.name).join(', ')}`);
  }

  /** Lets running jobs finish (before the database and transports close, which happens at shutdown). */
  async onModuleDestroy(): Promise<void> {
    // A connection closed mid-handshake leaves ioredis timers behind: let young workers connect first.
    await Promise.all(this.workers.map((w) => settleWithin(w.waitUntilReady(), 2_000)));
    await Promise.all(this.workers.map((w) => w.close()));
    // BullMQ 5: a close() landing while the stalled-job check awaits Redis leaves that check's
    // next stalled-check timer armed (it keeps the process alive); stop it once the check has looped.
    type Internals = { stalledCheckStopper?: () => void; stalledCheckerRunning?: boolean };
    for (let i = 0; i < 200 && this.workers.some((w) => (w as unknown as Internals).stalledCheckerRunning); i++) {
      for (const w of this.workers) (w as unknown as Internals).stalledCheckStopper?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.workers.length = 0;
    this.releases.splice(0).forEach((release) => release());
  }

  private async run(handlers: Map<string, Handler>, job: Job, token?: string): Promise<unknown> {
    const handler = handlers.get(job.name);
    if (!handler || jobNamed(job.name)?.queue.name !== job.queueName)
      throw new UnrecoverableError(`no handler for job ${job.name} on queue ${job.queueName}`);
    try {
      return await handler(job.data);
    } catch (err) {
      if (!(err instanceof RetryLater)) throw err;
      await job.moveToDelayed(Date.now() + err.delayMs, token);
      throw new DelayedError(err.message);
    }
  }

  private discoverHandlers(): Map<string, Handler> {
    const handlers = new Map<string, Handler>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || !wrapper.isDependencyTreeStatic() || typeof instance !== 'object') continue;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const fn = instance[method];
        const name = typeof fn === 'function' ? this.reflector.get<string | undefined>(JOB_HANDLER, fn) : undefined;
        if (!name) continue;
        if (handlers.has(name)) throw new JobHandlerError(`two handlers for job ${name}`);
        handlers.set(name, (payload) => (fn as (p: unknown) => Promise<unknown>).call(instance, payload));
      }
    }
    return handlers;
  }
}
