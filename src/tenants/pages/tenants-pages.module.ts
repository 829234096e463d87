import { Module } from '@nestjs/common';
import { WebModule } from '@src/web/web.module';
import { LegalPagesController } from './legal-pages.controller';

/** The commune's own pages: legal notice, terms, personal data. */
@Module({ imports: [WebModule], controllers: [LegalPagesController] })
export class TenantsPagesModule {}
