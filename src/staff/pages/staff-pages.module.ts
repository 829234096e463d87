import { Module } from '@nestjs/common';
import { StaffModule } from '../staff.module';
import { ListingsModule } from '@src/listings/listings.module';
import { OutcomesModule } from '@src/outcomes/outcomes.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { WebModule } from '@src/web/web.module';
import { StaffPagesController } from './staff-pages.controller';

/** The town-hall team's pages: the inbox and the relayed residents. */
@Module({
  imports: [WebModule, StaffModule, ListingsModule, OutcomesModule, TenantsModule],
  controllers: [StaffPagesController],
})
export class StaffPagesModule {}
