import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue, OnJob, PayloadOf } from '@libs/queue';
import { parseTenantId } from '@libs/tenancy';
import { AlertsService, FanOutResult } from './alerts.service';
import { LegacyAlertJobs, MatchAlert, SendAlertDigests, SweepAlerts } from './alerts.jobs';

const SWEEP_EVERY_MS = 30_000;
const DIGEST_CHECK_EVERY_MS = 10 * 60_000;

/** BullMQ handlers of the alerts: one publication's fan-out, the catch-up sweep, the daily digests. */
@Injectable()
export class AlertsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertsProcessor.name);

  constructor(
    private readonly alerts: AlertsService,
    private readonly queue: JobQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([
      { job: SweepAlerts, everyMs: SWEEP_EVERY_MS },
      { job: SendAlertDigests, everyMs: DIGEST_CHECK_EVERY_MS },
    ]);
    // The previous version's schedules would repeat forever: remove them (one release; see LegacyAlertJobs).
    const legacy = [
      LegacyAlertJobs.SweepMatching,
      LegacyAlertJobs.SweepMissionMatching,
      LegacyAlertJobs.SendDigests,
      LegacyAlertJobs.SendMissionDigests,
    ];
    void Promise.all(legacy.map((job) => this.queue.queue(job.queue.name).removeJobScheduler(job.name))).catch(
      (e: Error) => this.logger.warn(`could not remove the previous alert schedules: ${e.message}`),
    );
  }

  @OnJob(MatchAlert)
  match({ tenantId, kind, itemId, version }: PayloadOf<typeof MatchAlert>): Promise<FanOutResult> {
    return this.alerts.fanOut(kind, parseTenantId(tenantId), itemId, { version });
  }

  @OnJob(SweepAlerts)
  sweep(): Promise<number> {
    return this.alerts.requeueUndispatched();
  }

  @OnJob(SendAlertDigests)
  digests(): Promise<number> {
    return this.alerts.sendDueDigests();
  }

  // The previous version's jobs, for one release.

  @OnJob(LegacyAlertJobs.MatchListing)
  matchListing({
    tenantId,
    listingId,
    version,
  }: PayloadOf<typeof LegacyAlertJobs.MatchListing>): Promise<FanOutResult> {
    return this.alerts.fanOut('listing', parseTenantId(tenantId), listingId, { version });
  }

  @OnJob(LegacyAlertJobs.MatchMission)
  matchMission({ tenantId, missionId }: PayloadOf<typeof LegacyAlertJobs.MatchMission>): Promise<FanOutResult> {
    return this.alerts.fanOut('mission', parseTenantId(tenantId), missionId);
  }

  @OnJob(LegacyAlertJobs.SweepMatching)
  legacySweep(): Promise<number> {
    return this.alerts.requeueUndispatched();
  }

  @OnJob(LegacyAlertJobs.SweepMissionMatching)
  legacyMissionSweep(): Promise<number> {
    return this.alerts.requeueUndispatched();
  }

  @OnJob(LegacyAlertJobs.SendDigests)
  legacyDigests(): Promise<number> {
    return this.alerts.sendDueDigests();
  }

  @OnJob(LegacyAlertJobs.SendMissionDigests)
  legacyMissionDigests(): Promise<number> {
    return this.alerts.sendDueDigests();
  }
}
