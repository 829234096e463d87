import { Module, OnModuleInit } from '@nestjs/common';
import { AccountDataRegistry } from '../accounts/account-data.registry';
import { AccountsModule } from '../accounts/accounts.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { TenantsModule } from '../tenants/tenants.module';
import { TenantsService } from '../tenants/tenants.service';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { ListingPublication } from './listing-publication.service';
import { ListingsController } from './listings.controller';
import { ListingsRepository } from './listings.repository';
import { ListingsService } from './listings.service';

@Module({
  imports: [TenantsModule, AccountsModule, NotificationsModule],
  controllers: [ListingsController],
  providers: [ListingsRepository, ListingsService, ListingPublication, ConversationsRepository, ConversationsService],
  exports: [ListingsService, ListingPublication, ListingsRepository, ConversationsService],
})
export class ListingsModule implements OnModuleInit {
  constructor(
    private readonly tenants: TenantsService,
    private readonly accountData: AccountDataRegistry,
    private readonly listings: ListingsService,
    private readonly repo: ListingsRepository,
    private readonly conversations: ConversationsRepository,
  ) {}

  onModuleInit(): void {
    this.tenants.registerStatsSource((tenantId) => this.listings.counts(tenantId));
    this.accountData.registerExporter('listings', (tx, tenantId, account) => this.repo.exportByAuthor(tx, tenantId, account.id));
    this.accountData.registerExporter('conversations', (tx, tenantId, account) => this.conversations.exportFor(tx, tenantId, account.id));
    this.accountData.registerEraser(async (tx, tenantId, account) => {
      await this.repo.closeAndBlankByAuthor(tx, tenantId, account.id);
      await this.conversations.eraseFor(tx, tenantId, account.id);
    });
  }
}
