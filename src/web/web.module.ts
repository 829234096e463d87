import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AccountsModule } from '@src/accounts/accounts.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { AssetsController } from './assets.controller';
import { MessagePages } from './message-pages';
import { PageContexts } from './page-context';
import { PageGuard } from './page-guard';
import { PageRenderer } from './page-renderer';
import { MACHINE_PATHS, SiteErrorFilter } from './site-error.filter';

/**
 * The machinery every page shares: the renderer, the page context, the guard and error filter,
 * the assets. Each area's pages live with the area (src/<area>/pages) and import this module.
 */
@Module({
  imports: [TenantsModule, AccountsModule],
  controllers: [AssetsController],
  providers: [PageRenderer, PageContexts, MessagePages, PageGuard, SiteErrorFilter],
  exports: [PageRenderer, PageContexts, MessagePages, PageGuard, SiteErrorFilter],
})
export class WebModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // Pages read one string per query field (Form): a repeated `?q=a&q=b` keeps its first value
    // rather than reaching a string method as an array (a 500). The API keeps arrays, which its DTOs refuse by name.
    this.adapterHost.httpAdapter?.getInstance<FastifyInstance>().addHook('preValidation', (req, _reply, done) => {
      const query = req.query as Record<string, unknown> | undefined;
      if (query && !MACHINE_PATHS.test(req.url))
        for (const [k, v] of Object.entries(query)) if (Array.isArray(v)) query[k] = v[0];
      done();
    });
  }
}
