import { Module, OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../../libs/audit';
import { AccountDataRegistry } from '../accounts/account-data.registry';
import { AccountsModule } from '../accounts/accounts.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OutboxService } from '../notifications/outbox.service';
import { TenantsModule } from '../tenants/tenants.module';
import { TenantsService } from '../tenants/tenants.service';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { IdempotencyRepository } from './idempotency.repository';
import { ListingPublication } from './listing-publication.service';
import { ListingsController } from './listings.controller';
import { ListingsRepository } from './listings.repository';
import { ListingsService } from './listings.service';
import { StaffInboxRepository } from './staff-inbox.repository';

@Module({
  imports: [TenantsModule, AccountsModule, NotificationsModule, AuditModule],
  controllers: [ListingsController],
  providers: [ListingsRepository, IdempotencyRepository, ListingsService, ListingPublication, ConversationsRepository, ConversationsService, StaffInboxRepository],
  exports: [ListingsService, ListingPublication, ListingsRepository, ConversationsService, ConversationsRepository, StaffInboxRepository],
})
export class ListingsModule implements OnModuleInit {
  constructor(
    private readonly tenants: TenantsService,
    private readonly accountData: AccountDataRegistry,
    private readonly listings: ListingsService,
    private readonly repo: ListingsRepository,
    private readonly conversations: ConversationsRepository,
    private readonly outbox: OutboxService,
    private readonly inbox: StaffInboxRepository,
    private readonly idempotency: IdempotencyRepository,
  ) {}

  onModuleInit(): void {
    this.tenants.registerStatsSource((tenantId) => this.listings.counts(tenantId));
    this.accountData.registerExporter('listings', (tx, tenantId, account) => this.repo.exportByAuthor(tx, tenantId, account.id));
    this.accountData.registerExporter('conversations', (tx, tenantId, account) => this.conversations.exportFor(tx, tenantId, account.id));
    this.accountData.registerEraser(async (tx, tenantId, account) => {
      const { keys, prefixes } = await this.conversations.mentionKeys(tx, tenantId, account.id);
      await this.outbox.forgetMentions(tx, tenantId, keys, prefixes);
      await this.inbox.eraseFor(tx, tenantId, account.id);
      await this.idempotency.eraseFor(tx, tenantId, account.id);
      await this.repo.closeAndBlankByAuthor(tx, tenantId, account.id);
      await this.conversations.eraseFor(tx, tenantId, account.id);
    });
  }
}
