import { Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentTenant, TenantRef } from '../../libs/tenancy';
import { TenantsService } from '../tenants/tenants.service';
import { MatchingService } from './matching.service';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(siteName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – ${esc(siteName)}</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a1a1a;background:#fff;border-radius:.3rem;cursor:pointer}button:focus{outline:3px solid #1f5d8c;outline-offset:2px}</style>
</head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

/**
 * RFC 8058 one-click unsubscribe. POST needs neither session nor page (mail providers call it);
 * GET only shows a page asking to confirm, since link scanners open every link.
 */
@ApiExcludeController()
@Controller('unsubscribe')
export class UnsubscribeController {
  constructor(private readonly matching: MatchingService, private readonly tenants: TenantsService) {}

  @Get(':token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async confirm(@CurrentTenant() tenant: TenantRef, @Param('token') token: string, @Res() reply: FastifyReply) {
    const site = await this.tenants.get(tenant);
    if (!this.matching.tokenValid(tenant, token)) {
      return reply.status(404).send(page(site.siteName, 'Lien de désinscription invalide', '<p>Ce lien ne correspond à aucun abonnement sur ce site.</p>'));
    }
    return reply.send(
      page(
        site.siteName,
        'Ne plus recevoir les alertes',
        `<p>Vous ne recevrez plus d'e-mails vous signalant des annonces de voisins sur ${esc(site.siteName)}.</p>
         <form method="post" action="/unsubscribe/${esc(token)}"><button type="submit">Confirmer la désinscription</button></form>`,
      ),
    );
  }

  @Post(':token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async unsubscribe(@CurrentTenant() tenant: TenantRef, @Param('token') token: string, @Res() reply: FastifyReply) {
    const site = await this.tenants.get(tenant);
    if (!(await this.matching.unsubscribe(tenant, token))) {
      return reply.status(404).header('content-type', 'text/html; charset=utf-8').send(page(site.siteName, 'Lien de désinscription invalide', '<p>Ce lien ne correspond à aucun abonnement sur ce site.</p>'));
    }
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .send(page(site.siteName, 'Désinscription confirmée', `<p>C'est noté : vous ne recevrez plus d'alertes d'annonces de ${esc(site.siteName)}. Vous pouvez les réactiver à tout moment depuis votre compte.</p>`));
  }
}
