import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AccountsModule } from '../accounts/accounts.module';
import { ListingsModule } from '../listings/listings.module';
import { MatchingModule } from '../matching/matching.module';
import { ModerationModule } from '../moderation/moderation.module';
import { OrganisationsModule } from '../organisations/organisations.module';
import { TenantsModule } from '../tenants/tenants.module';
import { AdminModule } from '../admin/admin.module';
import { AdminPagesController } from './admin-pages.controller';
import { AssetsController } from './assets.controller';
import { MemberController } from './member.controller';
import { OrganisationsPagesController } from './organisations-pages.controller';
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
import { MACHINE_PATHS, SiteErrorFilter } from './site-error.filter';

/** The communes' sites: server-rendered pages over the same services as the API. */
@Module({
  imports: [TenantsModule, ListingsModule, AccountsModule, ModerationModule, MatchingModule, AdminModule, OutcomesModule, StaffModule, StatsModule, OrganisationsModule],
  controllers: [SiteController, MemberController, OrganisationsPagesController, AdminPagesController, StaffPagesController, FiguresPagesController, UnsubscribeController, OutcomeController, AssetsController],
  providers: [PageRenderer, PageContexts, SiteErrorFilter],
  exports: [SiteErrorFilter],
})
export class WebModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // Pages read one string per query field (Form): a repeated `?q=a&q=b` keeps its first value
    // rather than reaching a string method as an array (a 500). The API keeps arrays, which its DTOs refuse by name.
    this.adapterHost.httpAdapter?.getInstance<FastifyInstance>().addHook('preValidation', (req, _reply, done) => {
      const query = req.query as Record<string, unknown> | undefined;
      if (query && !MACHINE_PATHS.test(req.url)) for (const [k, v] of Object.entries(query)) if (Array.isArray(v)) query[k] = v[0];
      done();
    });
  }
}
