import { Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { NotificationsModule } from '@src/notifications/notifications.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { TenantsService } from '@src/tenants/tenants.service';
import { AccountDataRegistry } from './account-data.registry';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { MeController } from './me.controller';

@Module({
  imports: [TenantsModule, NotificationsModule],
  controllers: [AuthController, MeController],
  providers: [AccountsRepository, AccountsService, AccountDataRegistry, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AccountsService, AccountDataRegistry],
})
export class AccountsModule implements OnModuleInit {
  constructor(
    private readonly tenants: TenantsService,
    private readonly accounts: AccountsService,
  ) {}

  onModuleInit(): void {
    this.tenants.registerStatsSource(async (tenantId) => ({ residents: await this.accounts.residentCount(tenantId) }));
  }
}
