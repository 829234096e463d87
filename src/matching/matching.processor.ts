import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JobName, JobPayloads, JobQueue, OnJob } from '../../libs/queue';
import { MatchingService } from './matching.service';
import { MatchingEvents } from './matching-events';

const SWEEP_EVERY_MS = 30_000;
const DIGEST_CHECK_EVERY_MS = 10 * 60_000;

/** BullMQ handlers of matching: one publication, the catch-up sweep, the daily digests. */
@Injectable()
export class MatchingProcessor implements OnApplicationBootstrap {
  constructor(private readonly matching: MatchingService, private readonly events: MatchingEvents, private readonly queue: JobQueue) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([
      { name: JobName.SweepMatching, everyMs: SWEEP_EVERY_MS },
      { name: JobName.SendDigests, everyMs: DIGEST_CHECK_EVERY_MS },
    ]);
  }

  @OnJob(JobName.MatchListing)
  match({ tenantId, listingId, version }: JobPayloads[JobName.MatchListing]) {
    // The publication's event is marked done in the transaction of the job's last write: until
    // that commits, the sweep queues the job again (and a re-run skips what was written).
    return this.matching.matchListing(tenantId, listingId, new Date(), (tx) => this.events.markDispatched(tx, tenantId, listingId, version));
  }

  @OnJob(JobName.SweepMatching)
  sweep() {
    return this.events.requeueUndispatched();
  }

  @OnJob(JobName.SendDigests)
  digests() {
    return this.matching.sendDueDigests();
  }
}
