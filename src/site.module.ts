import { Module } from '@nestjs/common';
import { ListingsPagesModule } from './listings/pages/listings-pages.module';
import { AccountsPagesModule } from './accounts/pages/accounts-pages.module';
import { TenantsPagesModule } from './tenants/pages/tenants-pages.module';
import { ModerationPagesModule } from './moderation/pages/moderation-pages.module';
import { OrganisationsPagesModule } from './organisations/pages/organisations-pages.module';
import { OutcomesPagesModule } from './outcomes/pages/outcomes-pages.module';
import { StaffPagesModule } from './staff/pages/staff-pages.module';
import { AdminPagesModule } from './admin/pages/admin-pages.module';
import { StatsPagesModule } from './stats/pages/stats-pages.module';
import { AlertsPagesModule } from './alerts/pages/alerts-pages.module';
import { IdentityPagesModule } from './identity/pages/identity-pages.module';
import { WebModule } from './web/web.module';

/** The communes' sites: the shared page machinery (src/web) and the pages of each area. */
@Module({
  imports: [
    WebModule,
    ListingsPagesModule,
    AccountsPagesModule,
    TenantsPagesModule,
    ModerationPagesModule,
    OrganisationsPagesModule,
    OutcomesPagesModule,
    StaffPagesModule,
    AdminPagesModule,
    StatsPagesModule,
    AlertsPagesModule,
    IdentityPagesModule,
  ],
})
export class SiteModule {}
