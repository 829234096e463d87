import { Module, OnModuleInit } from '@nestjs/common';
import { AccountDataRegistry } from '@src/accounts/account-data.registry';
import { AccountsModule } from '@src/accounts/accounts.module';
import { AlertsModule } from '@src/alerts/alerts.module';
import { AuditModule } from '@src/audit/audit.module';
import { NotificationsModule } from '@src/notifications/notifications.module';
import { OutboxService } from '@src/notifications/outbox.service';
import { TenantsModule } from '@src/tenants/tenants.module';
import { StaffInboxModule } from '@src/staff/staff-inbox.module';
import { TenantsService } from '@src/tenants/tenants.service';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { IdempotencyRepository } from './idempotency.repository';
import { ListingAlertSource } from './listing-alert.source';
import { ListingPublication } from './listing-publication.service';
import { ListingRecords } from './listing-records.service';
import { ListingsController } from './listings.controller';
import { ListingsRepository } from './listings.repository';
import { ListingsService } from './listings.service';

@Module({
  imports: [TenantsModule, AccountsModule, NotificationsModule, AuditModule, StaffInboxModule, AlertsModule],
  controllers: [ListingsController],
  providers: [
    ListingsRepository,
    IdempotencyRepository,
    ListingsService,
    ListingPublication,
    ListingRecords,
    ConversationsRepository,
    ConversationsService,
    ListingAlertSource,
  ],
  exports: [ListingsService, ListingPublication, ListingRecords, ConversationsService],
})
export class ListingsModule implements OnModuleInit {
  constructor(
    private readonly tenants: TenantsService,
    private readonly accountData: AccountDataRegistry,
    private readonly listings: ListingsService,
    private readonly repo: ListingsRepository,
    private readonly conversations: ConversationsRepository,
    private readonly outbox: OutboxService,
    private readonly idempotency: IdempotencyRepository,
  ) {}

  onModuleInit(): void {
    this.tenants.registerStatsSource((tenantId) => this.listings.counts(tenantId));
    this.accountData.registerExporter('listings', (tx, account) => this.repo.exportByAuthor(tx, account.id));
    this.accountData.registerExporter('conversations', (tx, account) => this.conversations.exportFor(tx, account.id));
    this.accountData.registerEraser(async (tx, account) => {
      const { keys, prefixes } = await this.conversations.mentionKeys(tx, account.id);
      await this.outbox.forgetMentions(tx, tx.tenantId, keys, prefixes);
      await this.idempotency.eraseFor(tx, account.id);
      await this.repo.closeAndBlankByAuthor(tx, account.id);
      await this.conversations.eraseFor(tx, account.id);
    });
  }
}
