import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JobName, JobPayloads, JobQueue, OnJob } from '../../libs/queue';
import { MissionMatchingService } from './mission-matching.service';

const SWEEP_EVERY_MS = 30_000;
const DIGEST_CHECK_EVERY_MS = 10 * 60_000;

/** BullMQ handlers of mission alerts: one mission, the catch-up sweep, the daily digests. */
@Injectable()
export class MissionMatchingProcessor implements OnApplicationBootstrap {
  constructor(private readonly missions: MissionMatchingService, private readonly queue: JobQueue) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([
      { name: JobName.SweepMissionMatching, everyMs: SWEEP_EVERY_MS },
      { name: JobName.SendMissionDigests, everyMs: DIGEST_CHECK_EVERY_MS },
    ]);
  }

  @OnJob(JobName.MatchMission)
  async match({ tenantId, missionId }: JobPayloads[JobName.MatchMission]) {
    const result = await this.missions.matchMission(tenantId, missionId);
    await this.missions.markDispatched(tenantId, missionId);
    return result;
  }

  @OnJob(JobName.SweepMissionMatching)
  sweep() {
    return this.missions.requeueUndispatched();
  }

  @OnJob(JobName.SendMissionDigests)
  digests() {
    return this.missions.sendDueMissionDigests();
  }
}
