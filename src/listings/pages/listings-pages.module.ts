import { Module } from '@nestjs/common';
import { ListingsModule } from '../listings.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { OutcomesModule } from '@src/outcomes/outcomes.module';
import { WebModule } from '@src/web/web.module';
import { ListingsPagesController } from './listings-pages.controller';
import { NewListingPagesController } from './new-listing-pages.controller';
import { MyListingsPagesController } from './my-listings-pages.controller';
import { ConversationsPagesController } from './conversations-pages.controller';

/** The listings' pages: search, map, posting, a resident's listings and conversations. */
@Module({
  imports: [WebModule, ListingsModule, TenantsModule, OutcomesModule],
  controllers: [
    ListingsPagesController,
    NewListingPagesController,
    MyListingsPagesController,
    ConversationsPagesController,
  ],
})
export class ListingsPagesModule {}
