import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue, OnJob, QueueModule } from '@libs/queue';
import { SendReminders } from './outcomes.jobs';
import { OutcomesModule } from './outcomes.module';
import { OutcomesService } from './outcomes.service';

/** Writes the due "Avez-vous trouvé de l'aide ?" reminders every 15 minutes. */
@Injectable()
export class RemindersProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(RemindersProcessor.name);

  constructor(
    private readonly outcomes: OutcomesService,
    private readonly queue: JobQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([{ job: SendReminders, everyMs: 15 * 60_000 }]);
  }

  @OnJob(SendReminders)
  async send(): Promise<number> {
    const sent = await this.outcomes.sendDueReminders(new Date());
    if (sent) this.logger.log(`${sent} reminder(s) queued`);
    return sent;
  }
}

@Module({ imports: [OutcomesModule, QueueModule], providers: [RemindersProcessor] })
export class OutcomesWorkerModule {}
