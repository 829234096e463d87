import { Module } from '@nestjs/common';
import { WebModule } from '@src/web/web.module';
import { TenantsModule } from '../tenants.module';
import { FaviconController } from './favicon.controller';
import { LegalPagesController } from './legal-pages.controller';

/** The commune's own pages: legal notice, terms, personal data, accessibility, site map, help; its favicon. */
@Module({ imports: [WebModule, TenantsModule], controllers: [LegalPagesController, FaviconController] })
export class TenantsPagesModule {}
