import { Module } from '@nestjs/common';
import { QueueModule } from '@libs/queue';
import { NotificationsModule } from '@src/notifications/notifications.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { AlertSources } from './alert-sources';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

/**
 * The alerts pipeline (see alert-source.ts): sources register with AlertSources; publications
 * call AlertsService.announce; the unsubscribe page (pages/) calls AlertsService.
 */
@Module({
  imports: [TenantsModule, NotificationsModule, QueueModule],
  providers: [AlertSources, AlertsRepository, AlertsService],
  exports: [AlertSources, AlertsService],
})
export class AlertsModule {}
