import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue, OnJob, QueueModule } from '@libs/queue';
import { MissionRemindersService } from './mission-reminders.service';
import { SendMissionReminders } from './organisations.jobs';
import { OrganisationsModule } from './organisations.module';

/** Writes the day-before reminders of missions every 15 minutes. */
@Injectable()
export class MissionRemindersProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MissionRemindersProcessor.name);

  constructor(
    private readonly reminders: MissionRemindersService,
    private readonly queue: JobQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([{ job: SendMissionReminders, everyMs: 15 * 60_000 }]);
  }

  @OnJob(SendMissionReminders)
  async send(): Promise<number> {
    const sent = await this.reminders.sendDue(new Date());
    if (sent) this.logger.log(`${sent} mission reminder(s) queued`);
    return sent;
  }
}

/**
 * Organisations where workers run: their alert source (missions) registers with the alerts
 * pipeline, and the missions' reminders are sent.
 */
@Module({ imports: [OrganisationsModule, QueueModule], providers: [MissionRemindersProcessor] })
export class OrganisationsWorkerModule {}
