import { Module, OnModuleInit } from '@nestjs/common';
import { AccountDataRegistry } from '@src/accounts/account-data.registry';
import { AccountsModule } from '@src/accounts/accounts.module';
import { AuditModule } from '@src/audit/audit.module';
import { ListingsModule } from '@src/listings/listings.module';
import { NotificationsModule } from '@src/notifications/notifications.module';
import { StaffInboxModule } from '@src/staff/staff-inbox.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { OutcomesController } from './outcomes.controller';
import { OutcomesRepository } from './outcomes.repository';
import { OutcomesService } from './outcomes.service';

/** Fulfilment, the one reminder per listing, and participants' private feedback. */
@Module({
  imports: [TenantsModule, AccountsModule, ListingsModule, NotificationsModule, AuditModule, StaffInboxModule],
  controllers: [OutcomesController],
  providers: [OutcomesRepository, OutcomesService],
  exports: [OutcomesService],
})
export class OutcomesModule implements OnModuleInit {
  constructor(
    private readonly accountData: AccountDataRegistry,
    private readonly repo: OutcomesRepository,
  ) {}

  onModuleInit(): void {
    this.accountData.registerExporter('outcomes', (tx, account) => this.repo.exportFor(tx, account.id));
    this.accountData.registerEraser((tx, account) => this.repo.eraseFor(tx, account.id));
  }
}
