import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { frenchDate, frenchOneDecimal } from '@libs/text';
import { PageContexts } from '@src/web/page-context';
import { PageContext, PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { TenantDirectory } from '../tenant-directory.service';
import { ACCESSIBILITY_STATUS_LABEL } from '../tenant-file.schema';
import { TenantsService } from '../tenants.service';

/**
 * The commune's own pages: legal notice, terms of use, personal data, the accessibility
 * statement the RGAA requires, the site map and the help page.
 */
@ApiExcludeController()
@Controller()
export class LegalPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
  ) {}

  @Get('mentions-legales')
  async legalNotice(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const [ctx, t] = await Promise.all([this.context(ref, req, 'Mentions légales'), this.tenants.get(ref)]);
    sendPage(
      reply,
      this.pages.render('legal', { ...ctx, page: 'mentions', heading: 'Mentions légales', host: t.settings.host }),
    );
  }

  @Get('conditions-utilisation')
  terms(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.legal(ref, req, reply, 'cgu', "Conditions générales d'utilisation");
  }

  @Get('donnees-personnelles')
  privacy(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.legal(ref, req, reply, 'donnees', 'Données personnelles');
  }

  @Get('accessibilite')
  async accessibility(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const [ctx, t] = await Promise.all([
      this.context(ref, req, "Déclaration d'accessibilité", 'accessibility'),
      this.tenants.get(ref),
    ]);
    const a = t.settings.accessibility ?? { status: 'none' as const, nonCompliances: [] };
    sendPage(
      reply,
      this.pages.render('accessibility', {
        ...ctx,
        statement: {
          status: a.status,
          label: ACCESSIBILITY_STATUS_LABEL[a.status],
          audited: Boolean(a.auditDate),
          auditDate: a.auditDate ? frenchDate(new Date(`${a.auditDate}T12:00:00Z`)) : undefined,
          auditedBy: a.auditedBy,
          scope: a.scope,
          rate: typeof a.rate === 'number' ? frenchOneDecimal(a.rate) : undefined,
          nonCompliances: a.nonCompliances,
          contactEmail: a.contactEmail ?? t.settings.contact.email,
          siteUrl: this.directory.origin(t.slug),
        },
      }),
    );
  }

  @Get('plan-du-site')
  async siteMap(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendPage(reply, this.pages.render('site-map', await this.context(ref, req, 'Plan du site', 'site-map')));
  }

  @Get('aide')
  async help(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendPage(reply, this.pages.render('help', await this.context(ref, req, 'Aide', 'help')));
  }

  private async legal(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, page: string, heading: string) {
    const ctx = await this.context(ref, req, heading);
    sendPage(reply, this.pages.render('legal', { ...ctx, page, heading }));
  }

  private context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    return this.contexts.of(ref, req, title, current);
  }
}
