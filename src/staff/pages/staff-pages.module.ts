import { Module } from '@nestjs/common';
import { StaffModule } from '../staff.module';
import { ListingsModule } from '@src/listings/listings.module';
import { OutcomesModule } from '@src/outcomes/outcomes.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { WebModule } from '@src/web/web.module';
import { StaffPagesController } from './staff-pages.controller';
import { StaffInboxPagesController } from './staff-inbox-pages.controller';
import { StaffListingsPagesController } from './staff-listings-pages.controller';
import { StaffExportPagesController } from './staff-export-pages.controller';

/** The town-hall team's pages: the inbox and the relayed residents. */
@Module({
  imports: [WebModule, StaffModule, ListingsModule, OutcomesModule, TenantsModule],
  controllers: [
    StaffInboxPagesController,
    StaffPagesController,
    StaffListingsPagesController,
    StaffExportPagesController,
  ],
})
export class StaffPagesModule {}
