import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { DomainError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { setSessionCookie, userAgentOf } from '@src/accounts/session-cookie';
import { Form, formStatus, isFormError, safeReturn, submitForm, formTitle } from '@src/web/forms';
import { MessagePages } from '@src/web/message-pages';
import { PageContexts } from '@src/web/page-context';
import { Me, PageRoles } from '@src/web/page-guard';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { CallbackOutcome, IdentityService } from '../identity.service';

const STATE_COOKIE = 'entraide_oidc_state';
const LINK_COOKIE = 'entraide_oidc_link';
const ROLE_LABEL = { moderator: 'modération', admin: 'administration' } as const;
const DONE: Record<string, string> = {
  accorde: 'Le rôle est accordé.',
  refuse: 'La demande est refusée.',
  deja: 'Cette demande a déjà été traitée.',
};

const STAFF_REQUEST_SENT = {
  heading: 'Votre demande est transmise',
  paragraphs: [
    "Vous êtes connecté. Un administrateur de la commune va examiner votre demande d'accès à l'équipe : " +
      'vous aurez votre rôle dès qu’il l’aura accordée.',
  ],
  link: { href: '/', label: "Aller à l'accueil" },
};

const AdminPage = () =>
  PageRoles(['admin', 'federation_admin'], 'Cette page est réservée aux administrateurs de la commune.');

/** The claims a staff rule reads, as the administrator reads them. */
const EVIDENCE_LABEL: Record<string, string> = { siret: 'SIRET', groups: 'groupes' };

/**
 * Sign-in through a tenant's identity providers (`/connexion/:provider`, its callback `…/retour`),
 * the password proof before linking a provider to an existing account, and the staff requests.
 */
@ApiExcludeController()
@Controller()
export class IdentityPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly messages: MessagePages,
    private readonly identity: IdentityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('connexion/:provider')
  async start(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('provider') provider: string,
    @Query('retour') retour?: string,
  ) {
    try {
      const flow = await this.identity.start(ref, provider, this.callbackUrl(req, provider), safeReturn(retour));
      // The browser that started the flow is the one that may finish it (login CSRF).
      reply.setCookie(STATE_COOKIE, flow.state, this.cookieOptions('/connexion', 600));
      return reply.redirect(flow.url, 302);
    } catch (err) {
      return this.failure(ref, req, reply, err);
    }
  }

  @Get('connexion/:provider/retour')
  async callback(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('provider') provider: string,
  ) {
    reply.clearCookie(STATE_COOKIE, this.cookieOptions('/connexion'));
    let outcome: CallbackOutcome;
    try {
      const current = new URL(req.url, `${this.config.publicScheme}://${req.headers.host}`);
      outcome = await this.identity.callback(ref, provider, current, req.cookies[STATE_COOKIE], userAgentOf(req));
    } catch (err) {
      return this.failure(ref, req, reply, err);
    }
    if (outcome.kind === 'link') {
      reply.setCookie(LINK_COOKIE, outcome.linkToken, this.cookieOptions('/compte/liaison', 15 * 60));
      return reply.redirect('/compte/liaison', 303);
    }
    setSessionCookie(reply, this.config, outcome.session.token);
    return reply.redirect(outcome.staffRequest ? '/compte/demande-equipe' : outcome.retour, 303);
  }

  @Get('compte/liaison')
  async linkPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.renderLink(ref, req, reply, {});
  }

  @Post('compte/liaison')
  async link(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Form,
  ) {
    const token = req.cookies[LINK_COOKIE] ?? '';
    return submitForm({
      action: async () => {
        const done = await this.identity.confirmLink(ref, token, body.password ?? '', req.ip, userAgentOf(req));
        reply.clearCookie(LINK_COOKIE, this.cookieOptions('/compte/liaison'));
        setSessionCookie(reply, this.config, done.session.token);
        return reply.redirect(done.staffRequest ? '/compte/demande-equipe' : '/', 303);
      },
      refused: ({ detail, status }) => this.renderLink(ref, req, reply, { errors: { password: detail ?? '' } }, status),
    });
  }

  @Get('compte/demande-equipe')
  async staffRequestSent(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.messages.send(ref, req, reply, STAFF_REQUEST_SENT, { title: "Demande d'accès à l'équipe" });
  }

  @Get('administration/equipe/demandes')
  @AdminPage()
  async staffRequests(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('fait') done?: string,
  ) {
    const ctx = await this.contexts.of(ref, req, "Demandes d'accès à l'équipe", 'admin');
    const requests = (await this.identity.pendingStaffRequests(ref)).map((r) => ({
      ...r,
      roleLabel: ROLE_LABEL[r.role],
      evidenceText: Object.entries(r.evidence)
        .map(([k, v]) => `${EVIDENCE_LABEL[k] ?? k} : ${v}`)
        .join(', '),
    }));
    const notice = DONE[done ?? ''];
    sendPage(reply, this.pages.render('staff-requests', { ...ctx, requests, notice }));
  }

  @Post('administration/equipe/demandes/:id')
  @AdminPage()
  async decide(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    let done = 'deja';
    if (/^[0-9a-f-]{36}$/i.test(id) && (body.decision === 'approve' || body.decision === 'refuse'))
      done = await this.identity.decideStaffRequest(ref, me, id, body.decision === 'approve').then(
        () => (body.decision === 'approve' ? 'accorde' : 'refuse'),
        (err: unknown) => {
          if (!isFormError(err)) throw err;
          return 'deja';
        },
      );
    return reply.redirect(`/administration/equipe/demandes?fait=${done}`, 303);
  }

  private async renderLink(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    state: { errors?: Record<string, string> },
    status = 200,
  ) {
    const pending = await this.identity.pendingLink(ref, req.cookies[LINK_COOKIE] ?? '');
    if (!pending) {
      const expired = {
        heading: 'Cette demande a expiré',
        paragraphs: ['Recommencez depuis la page de connexion.'],
        link: { href: '/connexion', label: 'Se connecter' },
      };
      return this.messages.send(ref, req, reply, expired, { title: 'Demande expirée', current: 'login', status: 400 });
    }
    const title = formTitle('Lier votre compte', state.errors);
    const ctx = await this.contexts.of(ref, req, title, 'login');
    const formError = state.errors ? 'La liaison a échoué : corrigez le champ signalé.' : undefined;
    sendPage(
      reply,
      this.pages.render('identity-link', {
        ...ctx,
        email: pending.email,
        providerLabel: pending.provider,
        ...state,
        formError,
      }),
      status,
    );
  }

  private async failure(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, err: unknown) {
    if (!(err instanceof DomainError)) throw err;
    const page = {
      heading: 'Connexion impossible',
      paragraphs: [err.detail ?? "La connexion n'a pas abouti."],
      link: { href: '/connexion', label: 'Revenir à la page de connexion' },
    };
    return this.messages.send(ref, req, reply, page, { current: 'login', status: formStatus(err) });
  }

  private callbackUrl(req: FastifyRequest, provider: string): string {
    return `${this.config.publicScheme}://${req.headers.host}/connexion/${encodeURIComponent(provider)}/retour`;
  }

  private cookieOptions(path: string, maxAge?: number) {
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.config.publicScheme === 'https', path, maxAge };
  }
}
