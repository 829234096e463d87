import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobName, JobPayloads, JobQueue, OnJob } from '../../libs/queue';
import { MatchingService } from './matching.service';
import { MatchingEvents } from './matching-events';

const SWEEP_EVERY_MS = 30_000;
const DIGEST_CHECK_EVERY_MS = 10 * 60_000;

/** BullMQ handlers of matching: one publication, the catch-up sweep, the daily digests. */
@Injectable()
export class MatchingProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MatchingProcessor.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly matching: MatchingService, private readonly events: MatchingEvents, private readonly queue: JobQueue) {}

  onApplicationBootstrap(): void {
    void this.schedule();
    // A flushed Redis forgets schedules too; every worker process puts them back.
    this.timer = setInterval(() => void this.schedule(), 5 * 60_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  @OnJob(JobName.MatchListing)
  async match({ tenantId, listingId, version }: JobPayloads[JobName.MatchListing]) {
    const result = await this.matching.matchListing(tenantId, listingId);
    await this.events.markDispatched(tenantId, listingId, version);
    return result;
  }

  @OnJob(JobName.SweepMatching)
  sweep() {
    return this.events.requeueUndispatched();
  }

  @OnJob(JobName.SendDigests)
  digests() {
    return this.matching.sendDueDigests();
  }

  private async schedule(): Promise<void> {
    try {
      await this.queue.repeat(JobName.SweepMatching, {}, SWEEP_EVERY_MS);
      await this.queue.repeat(JobName.SendDigests, {}, DIGEST_CHECK_EVERY_MS);
    } catch (e) {
      this.logger.warn(`could not schedule matching jobs (Redis?): ${(e as Error).message}`);
    }
  }
}
