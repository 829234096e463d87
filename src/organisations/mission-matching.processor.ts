import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JobName, JobPayloads, JobQueue, OnJob } from '../../libs/queue';
import { MissionMatchingService } from './mission-matching.service';

const SWEEP_EVERY_MS = 30_000;

/** BullMQ handlers of mission alerts: one mission, and the catch-up sweep. */
@Injectable()
export class MissionMatchingProcessor implements OnApplicationBootstrap {
  constructor(private readonly missions: MissionMatchingService, private readonly queue: JobQueue) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([{ name: JobName.SweepMissionMatching, everyMs: SWEEP_EVERY_MS }]);
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
}
