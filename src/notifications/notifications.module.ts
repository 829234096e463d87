import { Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../libs/config';
import { QueueModule } from '../../libs/queue';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';

/**
 * What other modules call to send e-mail: OutboxService. The sending itself (processor,
 * sweeper, renderer, transport) lives in MailWorkerModule, loaded where workers run.
 */
@Module({
  imports: [QueueModule],
  providers: [OutboxRepository, OutboxService],
  exports: [OutboxService],
})
export class NotificationsModule implements OnModuleInit {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleInit(): void {
    // The development inbox lives in the process that sends; with WORKERS=off that is the worker.
    if (this.config.env === 'development' && !this.config.workersInProcess && !this.config.smtpUrl) {
      new Logger('NotificationsModule').warn('WORKERS=off without SMTP_URL: mail goes to the worker process\'s own inbox, not to /dev/mail here; set SMTP_URL to a shared server to read it');
    }
  }
}
