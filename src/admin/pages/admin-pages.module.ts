import { Module } from '@nestjs/common';
import { AdminModule } from '../admin.module';
import { AccountsModule } from '@src/accounts/accounts.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { WebModule } from '@src/web/web.module';
import { AdminPagesController } from './admin-pages.controller';
import { AdminCataloguePagesController } from './admin-catalogue-pages.controller';

/** The administrators' page, and the federation's catalogue. */
@Module({
  imports: [WebModule, AdminModule, AccountsModule, TenantsModule],
  controllers: [AdminPagesController, AdminCataloguePagesController],
})
export class AdminPagesModule {}
