import { Module, OnModuleInit } from '@nestjs/common';
import { AccountsModule } from '@src/accounts/accounts.module';
import { PageContexts } from '@src/web/page-context';
import { ConversationsService } from '../conversations.service';
import { ListingsModule } from '../listings.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { OutcomesModule } from '@src/outcomes/outcomes.module';
import { WebModule } from '@src/web/web.module';
import { ListingsPagesController } from './listings-pages.controller';
import { NewListingPagesController } from './new-listing-pages.controller';
import { MyListingsPagesController } from './my-listings-pages.controller';
import { ConversationsPagesController } from './conversations-pages.controller';
import { SearchPagesController } from './search-pages.controller';
import { NearMe } from './near-me';

/** The listings' pages: search, map, posting, a resident's listings and conversations. */
@Module({
  imports: [WebModule, ListingsModule, TenantsModule, OutcomesModule, AccountsModule],
  providers: [NearMe],
  controllers: [
    SearchPagesController,
    ListingsPagesController,
    NewListingPagesController,
    MyListingsPagesController,
    ConversationsPagesController,
  ],
})
export class ListingsPagesModule implements OnModuleInit {
  constructor(
    private readonly contexts: PageContexts,
    private readonly conversations: ConversationsService,
  ) {}

  onModuleInit(): void {
    // The header's "Messages" shows how many are unread.
    this.contexts.registerUnreadMessages((ref, principal) => this.conversations.unreadCount(ref, principal));
  }
}
