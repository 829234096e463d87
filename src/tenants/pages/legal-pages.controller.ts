import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { PageContexts } from '@src/web/page-context';
import { PageContext, PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';

/** The commune's legal pages: legal notice, terms of use, personal data. */
@ApiExcludeController()
@Controller()
export class LegalPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
  ) {}

  @Get('mentions-legales')
  legalNotice(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.legal(ref, req, reply, 'mentions', 'Mentions légales');
  }

  @Get('conditions-utilisation')
  terms(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.legal(ref, req, reply, 'cgu', "Conditions générales d'utilisation");
  }

  @Get('donnees-personnelles')
  privacy(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.legal(ref, req, reply, 'donnees', 'Données personnelles');
  }

  private async legal(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, page: string, heading: string) {
    const ctx = await this.context(ref, req, heading);
    sendPage(reply, this.pages.render('legal', { ...ctx, page, heading }));
  }

  private context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    return this.contexts.of(ref, req, title, current);
  }
}
