import { Module, OnModuleInit } from '@nestjs/common';
import { AccountsModule } from '@src/accounts/accounts.module';
import { AuditModule } from '@src/audit/audit.module';
import { ListingPublication } from '@src/listings/listing-publication.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { holdReasons, reviewText, rulesFor } from './rules/moderation-rules';
import { ListingsModule } from '@src/listings/listings.module';
import { NotificationsModule } from '@src/notifications/notifications.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { ModerationController } from './moderation.controller';
import { ModerationRepository } from './moderation.repository';
import { ModerationService } from './moderation.service';

@Module({
  imports: [TenantsModule, AccountsModule, ListingsModule, NotificationsModule, AuditModule],
  controllers: [ModerationController],
  providers: [ModerationRepository, ModerationService],
  exports: [ModerationService, AuditModule],
})
export class ModerationModule implements OnModuleInit {
  constructor(
    private readonly publication: ListingPublication,
    private readonly tenants: TenantsService,
  ) {}

  /** The tenant's automatic rules (French defaults plus its file's additions) hold listings and messages. */
  onModuleInit(): void {
    this.publication.addHoldRule(async (tenant, text) =>
      holdReasons(reviewText(text, rulesFor((await this.tenants.get(tenant)).settings.moderation.rules))),
    );
  }
}
