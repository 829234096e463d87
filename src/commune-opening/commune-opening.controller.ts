import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { DomainError, ForbiddenError, NotFoundError } from '@libs/errors';
import { problem, sendProblem } from '@libs/http';
import { platformTemplates } from '@src/web/templates';
import { CommuneOpeningService, OpeningRefused } from './commune-opening.service';

const STATE_COOKIE = 'entraide_opening_state';
const NBSP = '\u00a0';

interface RecordedView {
  title: string;
  commune: string;
  givenName: string;
  email: string;
  alreadyPending: boolean;
}

interface RefusedView {
  title: string;
  heading: string;
  detail: string;
  back?: { url: string; name: string };
}

/** The platform's own pages (no commune's site, theme or scripts here), as plain as the dormant commune's page. */
const templates = platformTemplates<{ recorded: RecordedView; refused: RefusedView }>({
  recorded: `<main>
<h1>Votre demande d’ouverture est enregistrée</h1>
{{#if alreadyPending}}
<p>Vous avez déjà demandé l’ouverture du service d’entraide à {{commune}}&nbsp;: votre demande est en attente.</p>
{{else}}
<p>Merci{{#if givenName}} {{givenName}}{{/if}}. Votre demande d’ouverture du service d’entraide entre voisins
à {{commune}} est transmise à l’opérateur de la plateforme.</p>
{{/if}}
<h2>La suite</h2>
<ol>
<li>L’opérateur vérifie auprès de la mairie de {{commune}} que la demande l’engage&nbsp;: la commune devient
l’éditeur du site et le responsable des données de ses habitants.</li>
<li>Il ouvre le site, avec les catégories d’entraide de l’intercommunalité.</li>
<li>Vous recevez à l’adresse {{email}} une invitation à en devenir le premier administrateur.</li>
</ol>
</main>`,
  refused: `<main>
<h1>{{heading}}</h1>
<p>{{detail}}</p>
{{#if back}}<p><a href="{{back.url}}">Revenir à la page d’entraide de {{back.name}}</a></p>{{/if}}
</main>`,
});

/**
 * « Demander l’ouverture »: served on the platform's own host (BASE_DOMAIN, where no commune lives), so that the
 * platform's ProConnect client has one redirect URI whatever the commune. A dormant commune's page links here.
 */
@ApiExcludeController()
@Controller('ouverture')
export class CommuneOpeningController {
  constructor(
    private readonly opening: CommuneOpeningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('demande')
  async start(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('commune') insee?: string) {
    if (!this.onPlatformHost(req)) return notHere(reply);
    try {
      const flow = await this.opening.start(String(insee ?? ''), this.callbackUrl(req));
      reply.setCookie(STATE_COOKIE, flow.state, this.cookieOptions(600));
      return reply.redirect(flow.url, 302);
    } catch (err) {
      return this.refused(req, reply, err);
    }
  }

  @Get('retour')
  async callback(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.onPlatformHost(req)) return notHere(reply);
    reply.clearCookie(STATE_COOKIE, this.cookieOptions());
    try {
      const current = new URL(req.url, `${this.config.publicScheme}://${req.headers.host}`);
      const done = await this.opening.callback(current, req.cookies[STATE_COOKIE]);
      return send(
        reply,
        200,
        templates.render('recorded', { title: `Demande d’ouverture enregistrée${NBSP}: ${done.commune}`, ...done }),
      );
    } catch (err) {
      return this.refused(req, reply, err);
    }
  }

  private refused(req: FastifyRequest, reply: FastifyReply, err: unknown) {
    if (!(err instanceof DomainError)) throw err;
    const status = err instanceof NotFoundError ? 404 : err instanceof ForbiddenError ? 403 : 401;
    const commune = err instanceof OpeningRefused ? err.commune : undefined;
    const heading = status === 403 ? 'Demande d’ouverture refusée' : 'Demande d’ouverture impossible';
    return send(
      reply,
      status,
      templates.render('refused', {
        title: heading,
        heading,
        detail: err.detail ?? FAILED_DEFAULT,
        back: commune && {
          url: `${this.config.publicScheme}://${commune.slug}.${String(req.headers.host)}/`,
          name: commune.name,
        },
      }),
    );
  }

  /** BASE_DOMAIN itself (any port): a commune's host, dormant or open, does not serve these routes. */
  private onPlatformHost(req: FastifyRequest): boolean {
    const host = String(req.headers.host ?? '')
      .toLowerCase()
      .replace(/:\d+$/, '');
    return this.config.openingProConnect !== undefined && host === this.config.baseDomain;
  }

  private callbackUrl(req: FastifyRequest): string {
    return `${this.config.publicScheme}://${req.headers.host}/ouverture/retour`;
  }

  private cookieOptions(maxAge?: number) {
    const secure = this.config.publicScheme === 'https';
    return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/ouverture', maxAge };
  }
}

const FAILED_DEFAULT = 'La demande n’a pas abouti.';

function notHere(reply: FastifyReply) {
  sendProblem(reply, problem(404, "Aucun site d'entraide n'est servi à cette adresse."));
}

function send(reply: FastifyReply, status: number, html: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .header(
      'content-security-policy',
      "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
    .send(html);
}
