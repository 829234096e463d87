import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import type { Form } from '@src/web/forms';
import { MessagePages } from '@src/web/message-pages';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { AlertsService } from '../alerts.service';

const DONE = {
  heading: 'Désinscription confirmée',
  paragraphs: [
    "C'est noté : vous ne recevrez plus d'alertes d'annonces. Vous pouvez les réactiver à tout moment depuis " +
      'votre compte.',
  ],
  link: { href: '/mon-compte', label: 'Mon compte' },
};
const INVALID = {
  heading: 'Lien de désinscription invalide',
  paragraphs: ['Ce lien ne correspond à aucun abonnement sur ce site.'],
};

/**
 * RFC 8058 one-click unsubscribe from match e-mails. POST needs neither session nor Origin
 * (mail providers call it) and is idempotent; GET only shows a page asking to confirm, since
 * link scanners open every link.
 */
@ApiExcludeController()
@Controller('unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly messages: MessagePages,
  ) {}

  @Get(':token')
  async confirm(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('token') token: string,
    @Res() reply: FastifyReply,
    @Query('fait') done?: string,
  ) {
    if (!this.alerts.tokenValid(tenant, token)) return this.messages.send(tenant, req, reply, INVALID, { status: 404 });
    if (done === '1') return this.messages.send(tenant, req, reply, DONE);
    const ctx = await this.contexts.of(tenant, req, 'Ne plus recevoir les alertes');
    sendPage(reply, this.pages.render('unsubscribe', { ...ctx, token }));
  }

  @Post(':token')
  @HttpCode(200)
  async unsubscribe(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('token') token: string,
    @Body() form: Form | undefined,
    @Res() reply: FastifyReply,
  ) {
    if (!(await this.alerts.unsubscribe(tenant, token)))
      return this.messages.send(tenant, req, reply, INVALID, { status: 404 });
    // The site's own form goes on to a page (POST/Redirect/GET); a mail client's one-click POST gets its answer here.
    if (form?.depuis === 'site') return reply.redirect(`/unsubscribe/${encodeURIComponent(token)}?fait=1`, 303);
    return this.messages.send(tenant, req, reply, DONE);
  }
}
