import { Module, OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../../libs/audit';
import { AccountDataRegistry } from '../accounts/account-data.registry';
import { AccountsModule } from '../accounts/accounts.module';
import { ListingsModule } from '../listings/listings.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { TenantsModule } from '../tenants/tenants.module';
import { OutcomesController } from './outcomes.controller';
import { OutcomesRepository } from './outcomes.repository';
import { OutcomesService } from './outcomes.service';

/** Fulfilment, the one reminder per listing, and participants' private feedback. */
@Module({
  imports: [TenantsModule, AccountsModule, ListingsModule, NotificationsModule, AuditModule],
  controllers: [OutcomesController],
  providers: [OutcomesRepository, OutcomesService],
  exports: [OutcomesService],
})
export class OutcomesModule implements OnModuleInit {
  constructor(private readonly accountData: AccountDataRegistry, private readonly repo: OutcomesRepository) {}

  onModuleInit(): void {
    this.accountData.registerExporter('outcomes', (tx, tenantId, account) => this.repo.exportFor(tx, tenantId, account.id));
    this.accountData.registerEraser((tx, tenantId, account) => this.repo.eraseFor(tx, tenantId, account.id));
  }
}
