import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { AccountsService } from '../accounts.service';
import { AcceptInvitationDto, LoginDto, SignupDto, TokenDto } from '../dto/accounts.dto';
import { passwordProblem } from '../passwords';
import { clearSessionCookie, setSessionCookie, userAgentOf } from '../session-cookie';
import { Form, safeReturn, submitForm, validated } from '@src/web/forms';
import { IdentityService } from '@src/identity/identity.service';
import { MessagePages } from '@src/web/message-pages';
import { PageContexts } from '@src/web/page-context';
import { PageContext, PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';

/** Where a sign-up brings the person back after verifying: a page of the site, never its front page by default. */
const VERIFY_SENT = {
  heading: 'Vérifiez votre boîte e-mail',
  paragraphs: [
    'Si cette adresse peut être utilisée, un e-mail vient de vous être envoyé avec un lien pour confirmer ' +
      'votre inscription.',
    'Pensez à vérifier vos courriers indésirables. Le lien est valable 48 heures.',
  ],
};

const SPENT_LINK = {
  heading: 'Ce lien ne fonctionne pas',
  paragraphs: [
    "Il a peut-être expiré ou déjà servi. Connectez-vous : si votre adresse n'est pas confirmée, un nouveau " +
      'lien peut vous être envoyé.',
  ],
  link: { href: '/connexion', label: 'Se connecter' },
};

function returnTo(path: string | undefined): string | undefined {
  const safe = safeReturn(path);
  return safe === '/' ? undefined : safe;
}

/** Signing in and out, signing up, invitations and the address confirmation. */
@ApiExcludeController()
@Controller()
export class SignInPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly messages: MessagePages,
    private readonly accounts: AccountsService,
    private readonly identity: IdentityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('connexion')
  async loginPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('retour') retour?: string,
  ) {
    const ctx = await this.formContext(ref, req, 'login', 'Se connecter');
    sendPage(reply, this.pages.render('login', { ...ctx, retour: safeReturn(retour), values: {} }));
  }

  @Post('connexion')
  async login(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(LoginDto, { email: body.email ?? '', password: body.password ?? '' });
        const session = await this.accounts.login(ref, dto.email, dto.password, req.ip, userAgentOf(req));
        setSessionCookie(reply, this.config, session.token);
        return reply.redirect(safeReturn(body.retour), 303);
      },
      summary: 'La connexion a échoué : corrigez les champs signalés.',
      refused: async ({ errors, formError, status, headers }) => {
        reply.headers(headers ?? {});
        const ctx = await this.formContext(ref, req, 'login', 'Erreur – Se connecter');
        const page = {
          ...ctx,
          retour: safeReturn(body.retour),
          values: { email: body.email },
          errors,
          formError,
        };
        return sendPage(reply, this.pages.render('login', page), status);
      },
    });
  }

  @Post('deconnexion')
  async logout(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const providerLogout = await this.identity.endSessionUrl(ref, req.ctx.principal, String(req.headers.host));
    if (req.ctx.principal) await this.accounts.logout(ref, req.ctx.principal);
    clearSessionCookie(reply, this.config);
    return reply.redirect(providerLogout ?? '/', 303);
  }

  @Get('inscription')
  async signupPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('envoye') sent?: string,
    @Query('retour') retour?: string,
  ) {
    if (sent === '1') {
      return this.messages.send(ref, req, reply, VERIFY_SENT, { current: 'signup' });
    }
    const ctx = await this.formContext(ref, req, 'signup', "S'inscrire");
    sendPage(reply, this.pages.render('signup', { ...ctx, retour: returnTo(retour), values: {} }));
  }

  @Post('inscription')
  async signup(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(SignupDto, {
          email: body.email ?? '',
          password: body.password ?? '',
          displayName: body.displayName ?? '',
          acceptTerms: body.acceptTerms === 'true',
        });
        await this.accounts.signup(ref, dto, req.ip, returnTo(body.retour));
        return reply.redirect('/inscription?envoye=1', 303);
      },
      refused: async ({ errors, detail, invalid, status }) => {
        const ctx = await this.formContext(ref, req, 'signup', "Erreur – S'inscrire");
        // The form's rules stop at the first broken field; the password's own rules are shown with them.
        const pw = body.password
          ? passwordProblem(body.password, { email: body.email, siteName: ctx.tenant.siteName })
          : undefined;
        if (pw && !errors.password && invalid) errors.password = pw;
        const formError = Object.keys(errors).length
          ? "L'inscription n'a pas abouti : corrigez les champs signalés."
          : detail;
        const values = { email: body.email, displayName: body.displayName, acceptTerms: body.acceptTerms === 'true' };
        const page = { ...ctx, retour: returnTo(body.retour), values, errors, formError };
        return sendPage(reply, this.pages.render('signup', page), status);
      },
    });
  }

  /** The link of a staff invitation (npm run cli -- staff:invite). */
  @Get('invitation')
  async invitationPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('token') token?: string,
  ) {
    const ctx = await this.context(ref, req, "Accepter l'invitation");
    sendPage(
      reply,
      this.pages.render('password-new', {
        ...ctx,
        invitation: true,
        action: '/invitation',
        token: token ?? '',
        values: {},
      }),
    );
  }

  @Post('invitation')
  async acceptInvitation(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(AcceptInvitationDto, {
          token: body.token ?? '',
          password: body.password ?? '',
          displayName: body.displayName ?? '',
        });
        const session = await this.accounts.acceptInvitation(
          ref,
          dto.token,
          dto.password,
          dto.displayName,
          userAgentOf(req),
        );
        setSessionCookie(reply, this.config, session.token);
        return reply.redirect(session.principal.roles.some((r) => r !== 'resident') ? '/moderation' : '/', 303);
      },
      summary: 'Corrigez les champs signalés.',
      refused: async ({ errors, formError, status }) => {
        const ctx = await this.context(ref, req, "Erreur – Accepter l'invitation");
        const page = {
          ...ctx,
          invitation: true,
          action: '/invitation',
          token: body.token,
          values: { displayName: body.displayName },
          errors,
          formError: errors.token ? "Ce lien d'invitation ne fonctionne plus : demandez-en un nouveau." : formError,
        };
        return sendPage(reply, this.pages.render('password-new', page), status);
      },
    });
  }

  /** The link of the verification e-mail: a page with a button, because link scanners open links. */
  @Get('compte/verification')
  async verifyPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('token') token?: string,
    @Query('fait') done?: string,
  ) {
    if (done === '1') {
      const ctx = await this.context(ref, req, 'Adresse confirmée', 'signup');
      const page = {
        heading: 'Votre adresse est confirmée',
        paragraphs: ctx.user
          ? ['Merci ! Vous êtes connecté(e) : vous pouvez publier une offre ou une demande, ou écrire à un voisin.']
          : ['Merci ! Vous pouvez maintenant vous connecter et publier une offre ou une demande.'],
        link: ctx.user
          ? { href: '/annonces', label: 'Voir les annonces' }
          : { href: '/connexion', label: 'Se connecter' },
      };
      return sendPage(reply, this.pages.render('message', { ...ctx, ...page }));
    }
    const ctx = await this.context(ref, req, 'Confirmer mon adresse e-mail', 'signup');
    sendPage(reply, this.pages.render('verify', { ...ctx, token: token ?? '' }));
  }

  @Post('compte/verification')
  async verify(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(TokenDto, { token: body.token ?? '' });
        const { session, retour } = await this.accounts.verifyAndSignIn(ref, dto.token, userAgentOf(req));
        setSessionCookie(reply, this.config, session.token);
        return reply.redirect(retour ? safeReturn(retour) : '/compte/verification?fait=1', 303);
      },
      refused: () =>
        this.messages.send(ref, req, reply, SPENT_LINK, { title: 'Lien invalide', current: 'signup', status: 400 }),
    });
  }

  /** The sign-in or sign-up form's page context, with the identity providers' buttons beside the form. */
  private async formContext(ref: TenantRef, req: FastifyRequest, page: 'login' | 'signup', title: string) {
    const ctx = await this.context(ref, req, title, page);
    return { ...ctx, ...this.identity.signInButtons(ref) };
  }

  private context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    return this.contexts.of(ref, req, title, current);
  }
}
