import { Module } from '@nestjs/common';
import { StaffModule } from '../staff.module';
import { ListingsModule } from '../../listings/listings.module';
import { OutcomesModule } from '../../outcomes/outcomes.module';
import { TenantsModule } from '../../tenants/tenants.module';
import { WebModule } from '../../web/web.module';
import { StaffPagesController } from './staff-pages.controller';

/** The town-hall team's pages: the inbox and the relayed residents. */
@Module({ imports: [WebModule, StaffModule, ListingsModule, OutcomesModule, TenantsModule], controllers: [StaffPagesController] })
export class StaffPagesModule {}
