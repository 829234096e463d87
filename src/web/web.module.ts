import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { ListingsModule } from '../listings/listings.module';
import { MatchingModule } from '../matching/matching.module';
import { ModerationModule } from '../moderation/moderation.module';
import { TenantsModule } from '../tenants/tenants.module';
import { AdminModule } from '../admin/admin.module';
import { AdminPagesController } from './admin-pages.controller';
import { AssetsController } from './assets.controller';
import { MemberController } from './member.controller';
import { PageContexts } from './page-context';
import { PageRenderer } from './page-renderer';
import { SiteController } from './site.controller';
import { UnsubscribeController } from './unsubscribe.controller';
import { OutcomeController } from './outcome.controller';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { StaffModule } from '../staff/staff.module';
import { StatsModule } from '../stats/stats.module';
import { StaffPagesController } from './staff-pages.controller';
import { FiguresPagesController } from './figures-pages.controller';
import { SiteErrorFilter } from './site-error.filter';

/** The communes' sites: server-rendered pages over the same services as the API. */
@Module({
  imports: [TenantsModule, ListingsModule, AccountsModule, ModerationModule, MatchingModule, AdminModule, OutcomesModule, StaffModule, StatsModule],
  controllers: [SiteController, MemberController, AdminPagesController, StaffPagesController, FiguresPagesController, UnsubscribeController, OutcomeController, AssetsController],
  providers: [PageRenderer, PageContexts, SiteErrorFilter],
  exports: [SiteErrorFilter],
})
export class WebModule {}
