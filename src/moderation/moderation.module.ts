import { Module } from '@nestjs/common';
import { ListingsModule } from '../listings/listings.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { TenantsModule } from '../tenants/tenants.module';
import { AuditRepository } from './audit.repository';
import { ModerationController } from './moderation.controller';
import { ModerationRepository } from './moderation.repository';
import { ModerationService } from './moderation.service';

@Module({
  imports: [TenantsModule, ListingsModule, NotificationsModule],
  controllers: [ModerationController],
  providers: [ModerationRepository, ModerationService, AuditRepository],
  exports: [ModerationService, AuditRepository],
})
export class ModerationModule {}
