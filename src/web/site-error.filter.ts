import { ArgumentsHost, Catch, ExceptionFilter, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemFilter, toProblem } from '@libs/http';
import { PageRenderer } from './page-renderer';
import { sendPage } from './page-response';
import { PageContexts } from './page-context';
import { SignInRequired } from './page-guard';

/** Paths whose clients read problem+json, whatever they accept. */
export const MACHINE_PATHS = /^\/(api|health|admin\/queues|unsubscribe)(\/|$)/;

const HEADINGS: Record<number, string> = {
  400: 'Demande incorrecte',
  401: 'Connexion nécessaire',
  403: 'Accès refusé',
  404: 'Page introuvable',
  429: 'Trop de tentatives',
  500: 'Une erreur est survenue',
};

/**
 * Errors of the site's pages as French pages in the tenant's branding (404, 403, 500…), and
 * a guarded page without a session as a redirect to the sign-in page; everything else, the API
 * first, keeps problem+json through ProblemFilter.
 */
@Injectable()
@Catch()
export class SiteErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');
  private readonly problems = new ProblemFilter();

  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
  ) {}

  async catch(error: unknown, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // A guarded page without a session: to the sign-in page, which sends back here.
    if (error instanceof SignInRequired && !reply.sent)
      return void reply.redirect(`/connexion?retour=${encodeURIComponent(error.back)}`, 303);
    const wantsPage =
      !MACHINE_PATHS.test(req.url) && req.ctx?.tenant && /text\/html/.test(String(req.headers.accept ?? ''));
    if (!wantsPage || reply.sent) return this.problems.catch(error, host);
    const { body, headers } = toProblem(error);
    if (body.status >= 500)
      this.logger.error(`${req.method} ${req.url} failed: ${(error as Error)?.stack ?? String(error)}`);
    try {
      const heading = HEADINGS[body.status] ?? body.title;
      const detail =
        body.status === 404
          ? "Cette page n'existe pas ou n'est plus en ligne (une annonce close ou expirée, par exemple)."
          : (body.detail ?? body.title);
      const ctx = await this.contexts.of(req.ctx.tenant!, req, heading);
      for (const [k, v] of Object.entries(headers)) reply.header(k, v);
      sendPage(reply, this.pages.render('error', { ...ctx, heading, detail }), body.status);
    } catch (renderError) {
      // The error page itself failed (database away…): the plain answer still goes out.
      this.logger.error(`error page for ${req.method} ${req.url} failed: ${(renderError as Error)?.message}`);
      if (!reply.sent) this.problems.catch(error, host);
    }
  }
}
