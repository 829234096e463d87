import { Module, OnModuleInit } from '@nestjs/common';
import { AccountDataRegistry } from '@src/accounts/account-data.registry';
import { AccountsModule } from '@src/accounts/accounts.module';
import { StaffInboxRepository } from './staff-inbox.repository';
import { StaffInboxService } from './staff-inbox.service';

/**
 * The staff inbox alone, so that the modules writing to it (listings, outcomes, alerts) need not
 * import the staff module, which itself acts through them.
 */
@Module({
  imports: [AccountsModule],
  providers: [StaffInboxRepository, StaffInboxService],
  exports: [StaffInboxService],
})
export class StaffInboxModule implements OnModuleInit {
  constructor(
    private readonly accountData: AccountDataRegistry,
    private readonly repo: StaffInboxRepository,
  ) {}

  onModuleInit(): void {
    this.accountData.registerEraser((tx, account) => this.repo.eraseFor(tx, account.id));
  }
}
