import { Module } from '@nestjs/common';
import { QueueModule } from '@libs/queue';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { SendConditions } from './send-conditions';

/**
 * What other modules call to send e-mail: OutboxService, and SendConditions to say when a
 * conditional e-mail may still leave. The sending itself (processor, sweeper, renderer,
 * transport) lives in MailWorkerModule, loaded where workers run.
 */
@Module({
  imports: [QueueModule],
  providers: [OutboxRepository, OutboxService, SendConditions],
  exports: [OutboxService, SendConditions],
})
export class NotificationsModule {}
