import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../libs/config';
import { ProblemException } from '../../libs/http';
import { CurrentTenant, isStaff, TenantRef } from '../../libs/tenancy';
import { AccountsService } from '../accounts/accounts.service';
import { AcceptInvitationDto, EmailDto, LoginDto, ResetConfirmDto, SignupDto, TokenDto } from '../accounts/dto/accounts.dto';
import { passwordProblem } from '../accounts/passwords';
import { clearSessionCookie, setSessionCookie } from '../accounts/session-cookie';
import { CreateListingDto, MessageDto, ReportDto, SearchListingsQuery } from '../listings/dto/listings.dto';
import { ConversationsService } from '../listings/conversations.service';
import { IDEMPOTENCY_HEADER, idempotentRequest } from '../listings/idempotency.repository';
import { ListingsService } from '../listings/listings.service';
import { TenantsService } from '../tenants/tenants.service';
import { Form, formAlert, formErrors, isFormError, safeReturn, validated } from './forms';
import { PageContexts } from './page-context';
import { PageContext, PageRenderer } from './page-renderer';
import { sendPage } from './page-response';

/** The radius of "près de chez moi". */
const NEAR_ME_M = 2000;

const SENT = 'Si cette adresse correspond à un compte, un e-mail vient de lui être envoyé avec un lien valable une heure. Pensez à vérifier vos courriers indésirables.';

const LEAFLET_CSS = ['/assets/vendor/leaflet/leaflet.css'];
const MAP_ASSETS = {
  stylesheets: [...LEAFLET_CSS, '/assets/vendor/markercluster/MarkerCluster.css', '/assets/vendor/markercluster/MarkerCluster.Default.css'],
  scripts: ['/assets/vendor/leaflet/leaflet.js', '/assets/vendor/markercluster/leaflet.markercluster.js', '/assets/leaflet-setup.js', '/assets/map.js'],
};
export const PICKER_ASSETS = { stylesheets: LEAFLET_CSS, scripts: ['/assets/vendor/leaflet/leaflet.js', '/assets/leaflet-setup.js', '/assets/location-picker.js'] };

/** The new-listing form through the API's rules; its place is the map point, else the neighbourhood's. */
export async function listingFromForm(contexts: PageContexts, ref: TenantRef, body: Form): Promise<CreateListingDto> {
  const location = await contexts.chosenPoint(ref, body);
  if (!location) throw ProblemException.invalid([{ field: 'location', message: 'choisissez le quartier (ou placez un point sur la carte)' }]);
  return validated(CreateListingDto, { kind: body.kind ?? '', categoryId: body.categoryId ?? '', title: body.title ?? '', description: body.description ?? '', mode: body.mode ?? '', location });
}

/** A posting form sent once, then changed and sent again (after "back"). */
export const FORM_ALREADY_SENT = 'Ce formulaire a déjà servi à publier une annonce (voir « Mes annonces »). Pour en publier une autre, envoyez-le à nouveau.';

/** Why a listing waits for a moderator, as its author reads it. */
const HOLD_REASONS: Record<string, string> = {
  paid: 'elle semble mentionner un prix ou une rémunération (l’entraide est gratuite) ;',
  contact_email: 'elle contient une adresse e-mail (le site transmet les messages sans la montrer) ;',
  contact_phone: 'elle contient un numéro de téléphone (le site transmet les messages sans le montrer) ;',
  blocked_word: 'elle contient un mot que la commune fait relire.',
};

/**
 * The commune's site: server-rendered pages over the same services as the API, forms that
 * work without JavaScript. State changes come from this site's own forms: the AuthGuard
 * checks their Origin, and the session cookie is SameSite=Lax.
 */
@ApiExcludeController()
@Controller()
export class SiteController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    private readonly listings: ListingsService,
    private readonly conversations: ConversationsService,
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async home(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const [ctx, stats, categories, offers, requests] = await Promise.all([
      this.context(ref, req, 'Accueil', 'home'),
      this.tenants.stats(ref),
      this.tenants.categories(ref),
      this.listings.search(ref, { kind: 'offer', limit: 4 }),
      this.listings.search(ref, { kind: 'request', limit: 4 }),
    ]);
    // A commune with the organisations side shows its latest projects too.
    const projects = ctx.tenant.organisations ? (await this.listings.search(ref, { kind: 'project', limit: 4 })).items : undefined;
    sendPage(reply, this.pages.render('home', { ...ctx, stats, categories, offers: offers.items, requests: requests.items, projects }));
  }

  @Get('annonces')
  async browse(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Form) {
    const filters = {
      kind: raw.kind === 'offer' || raw.kind === 'request' ? raw.kind : undefined,
      category: raw.category || undefined,
      neighbourhood: raw.neighbourhood || undefined,
      q: raw.q?.trim() || undefined,
      pres: raw.pres === '1' ? '1' : undefined,
      cursor: raw.cursor || undefined,
    };
    const principal = req.ctx.principal;
    const [ctx, categories, neighbourhoods, me] = await Promise.all([
      this.context(ref, req, 'Annonces', 'listings'),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
      this.contexts.account(ref, req),
    ]);
    // "Près de chez moi": within 2 km of the resident's private location, nearest first.
    const home = filters.pres && me?.location ? { near: `${me.location.lat},${me.location.lng}`, radius: String(NEAR_ME_M) } : {};
    let items: unknown[] = [];
    let next: string | undefined;
    let errors: Record<string, string> | undefined;
    if (filters.pres && !me?.location) errors = { pres: principal ? 'indiquez votre quartier dans « Mon compte » pour trier par distance' : 'connectez-vous pour chercher près de chez vous' };
    try {
      const { pres: _pres, ...searchable } = filters;
      const query = await validated(SearchListingsQuery, { ...searchable, ...home, limit: '20' });
      const page = await this.listings.search(ref, query);
      items = page.items;
      if (page.nextCursor) next = `/annonces?${new URLSearchParams({ ...stripEmpty(filters), cursor: page.nextCursor })}`;
    } catch (err) {
      if (!(err instanceof ProblemException) || err.problem.status >= 500) throw err;
      errors = formErrors(err);
    }
    const title = errors ? 'Erreur dans les filtres – Annonces' : 'Annonces';
    const view = { ...ctx, title, filters, categories, neighbourhoods, items, next, errors, canNearMe: Boolean(principal) };
    sendPage(reply, this.pages.render('listings', view), errors ? 422 : 200);
  }

  @Get('carte')
  async mapPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Form) {
    const [ctx, t, categories] = await Promise.all([this.context(ref, req, 'Carte des annonces', 'map'), this.tenants.get(ref), this.tenants.categories(ref)]);
    const kinds = ctx.tenant.organisations ? ['offer', 'request', 'project'] : ['offer', 'request'];
    const filters = { kind: kinds.includes(raw.kind ?? '') ? (raw.kind as 'offer' | 'request' | 'project') : undefined, category: /^[a-z0-9-]{1,60}$/.test(raw.category ?? '') ? raw.category : undefined };
    const page = await this.listings.search(ref, { ...filters, limit: 50 });
    const more = filters.kind === 'project' ? '/projets' : '/annonces';
    const next = page.nextCursor ? `${more}?${new URLSearchParams({ ...stripEmpty({ ...filters, kind: filters.kind === 'project' ? undefined : filters.kind }), cursor: page.nextCursor })}` : undefined;
    sendPage(
      reply,
      this.pages.render('map', { ...ctx, ...MAP_ASSETS, map: this.contexts.map(t.settings.map), filters, categories, items: page.items, next }),
    );
  }

  @Get('annonces/nouvelle')
  async newListingPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('kind') kind?: string) {
    if (!req.ctx.principal) return reply.redirect(`/connexion?retour=${encodeURIComponent(`/annonces/nouvelle${kind ? `?kind=${kind === 'request' ? 'request' : 'offer'}` : ''}`)}`, 303);
    return this.renderNewListing(ref, req, reply, { kind: kind === 'request' ? 'request' : 'offer', mode: 'in_person' });
  }

  @Post('annonces/nouvelle')
  async createListing(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    const principal = req.ctx.principal;
    if (!principal) return reply.redirect('/connexion?retour=/annonces/nouvelle', 303);
    try {
      const dto = await listingFromForm(this.contexts, ref, body);
      const listing = await this.listings.create(ref, principal, dto, idempotentRequest(formKey(body.idempotencyKey), principal.accountId, dto));
      // POST/Redirect/GET: reloading the result page must not publish (and alert the neighbours) again.
      return reply.redirect(`/annonces/${listing.id}/publiee`, 303);
    } catch (err) {
      if (!(err instanceof ProblemException) || err.problem.status >= 500) throw err;
      const errors = formErrors(err);
      if (errors['location.lat'] || errors['location.lng']) errors.location ??= 'position invalide : choisissez votre quartier';
      if (errors[IDEMPOTENCY_HEADER]) {
        // This very form was already sent, then changed (after "back"): a fresh form publishes anew.
        const formError = FORM_ALREADY_SENT;
        return this.renderNewListing(ref, req, reply, { ...body, idempotencyKey: undefined }, {}, formError, 409);
      }
      const formError = Object.keys(errors).length ? "L'annonce n'a pas été publiée : corrigez les champs signalés." : err.problem.detail;
      return this.renderNewListing(ref, req, reply, body, errors, formError, err.problem.status);
    }
  }

  /** The result of the posting form, for its author: published, or held with the reasons. */
  @Get('annonces/:id/publiee')
  async listingCreated(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const principal = req.ctx.principal;
    if (!principal) return reply.redirect(`/annonces/${encodeURIComponent(id)}`, 303);
    const listing = await this.listings.get(ref, id, principal);
    if (!('status' in listing)) return reply.redirect(`/annonces/${encodeURIComponent(id)}`, 303);
    const held = listing.status === 'pending_review';
    const ctx = await this.context(ref, req, held ? 'Annonce en attente de relecture' : 'Annonce publiée', 'listings');
    const reasons = (((listing as Record<string, unknown>).holdReasons as string[] | undefined) ?? []).map((r) => HOLD_REASONS[r] ?? r);
    sendPage(reply, this.pages.render('listing-created', { ...ctx, listing, held, reasons }));
  }

  @Get('annonces/:id')
  async listing(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() q: Form) {
    const listing = await this.listings.get(ref, id, req.ctx.principal);
    const ctx = await this.context(ref, req, listing.title, 'listings');
    // Staff see a relayed resident's listing as its owner would, but it is not theirs.
    const relayedForStaff = 'status' in listing && listing.relayed && isStaff(req.ctx.principal);
    const mine = 'status' in listing && !relayedForStaff;
    sendPage(reply, this.pages.render('listing', { ...ctx, listing, mine, relayedForStaff, sent: q.envoye === '1', reported: q.signale === '1' }));
  }

  @Post('annonces/:id/contact')
  async contact(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const principal = req.ctx.principal;
    if (!principal) return reply.redirect(`/connexion?retour=${encodeURIComponent(`/annonces/${id}`)}`, 303);
    try {
      const dto = await validated(MessageDto, { message: body.message ?? '' });
      await this.conversations.start(ref, principal, id, dto.message);
      return reply.redirect(`/annonces/${id}?envoye=1`, 303);
    } catch (err) {
      if (!(err instanceof ProblemException) || err.problem.status >= 500 || err.problem.status === 404) throw err;
      const listing = await this.listings.get(ref, id, principal);
      const ctx = await this.context(ref, req, `Erreur – ${listing.title}`, 'listings');
      const errors = formErrors(err);
      return sendPage(
        reply,
        this.pages.render('listing', { ...ctx, listing, errors, values: { message: body.message }, formError: errors.message ? 'Le message n’a pas été envoyé : corrigez le champ signalé.' : err.problem.detail }),
        err.problem.status,
      );
    }
  }

  @Post('annonces/:id/signaler')
  async report(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const principal = req.ctx.principal;
    if (!principal) return reply.redirect(`/connexion?retour=${encodeURIComponent(`/annonces/${id}`)}`, 303);
    const dto = await validated(ReportDto, { reason: body.reason ?? '', ...(body.comment ? { comment: body.comment } : {}) });
    await this.conversations.report(ref, principal, id, dto.reason, dto.comment);
    return reply.redirect(`/annonces/${id}?signale=1`, 303);
  }

  @Get('connexion')
  async loginPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('retour') retour?: string) {
    const ctx = await this.context(ref, req, 'Se connecter', 'login');
    sendPage(reply, this.pages.render('login', { ...ctx, retour: safeReturn(retour), values: {} }));
  }

  @Post('connexion')
  async login(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    try {
      const dto = await validated(LoginDto, { email: body.email ?? '', password: body.password ?? '' });
      const session = await this.accounts.login(ref, dto.email, dto.password, req.ip, String(req.headers['user-agent'] ?? ''));
      setSessionCookie(reply, this.config, session.token);
      return reply.redirect(safeReturn(body.retour), 303);
    } catch (err) {
      if (!(err instanceof ProblemException) || err.problem.status >= 500) throw err;
      const ctx = await this.context(ref, req, 'Erreur – Se connecter', 'login');
      const errors = formErrors(err);
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      const formError = Object.keys(errors).length ? 'La connexion a échoué : corrigez les champs signalés.' : err.problem.detail;
      return sendPage(reply, this.pages.render('login', { ...ctx, retour: safeReturn(body.retour), values: { email: body.email }, errors, formError }), err.problem.status);
    }
  }

  @Post('deconnexion')
  async logout(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if (req.ctx.principal) await this.accounts.logout(ref, req.ctx.principal);
    clearSessionCookie(reply, this.config);
    return reply.redirect('/', 303);
  }

  @Get('inscription')
  async signupPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('envoye') sent?: string) {
    if (sent === '1') {
      const ctx = await this.context(ref, req, 'Vérifiez votre boîte e-mail', 'signup');
      return sendPage(
        reply,
        this.pages.render('message', {
          ...ctx,
          heading: 'Vérifiez votre boîte e-mail',
          paragraphs: [
            'Si cette adresse peut être utilisée, un e-mail vient de vous être envoyé avec un lien pour confirmer votre inscription.',
            'Pensez à vérifier vos courriers indésirables. Le lien est valable 48 heures.',
          ],
        }),
      );
    }
    const ctx = await this.context(ref, req, "S'inscrire", 'signup');
    sendPage(reply, this.pages.render('signup', { ...ctx, values: {} }));
  }

  @Post('inscription')
  async signup(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    try {
      const dto = await validated(SignupDto, {
        email: body.email ?? '',
        password: body.password ?? '',
        displayName: body.displayName ?? '',
        acceptTerms: body.acceptTerms === 'true',
      });
      await this.accounts.signup(ref, dto, req.ip);
      return reply.redirect('/inscription?envoye=1', 303);
    } catch (err) {
      if (!(err instanceof ProblemException) || err.problem.status >= 500) throw err;
      const ctx = await this.context(ref, req, "Erreur – S'inscrire", 'signup');
      const errors = formErrors(err);
      // The form's rules stop at the first broken field; the password's own rules are shown with them.
      const pw = body.password ? passwordProblem(body.password, { email: body.email, siteName: ctx.tenant.siteName }) : undefined;
      if (pw && !errors.password && err.problem.status === 422) errors.password = pw;
      const formError = Object.keys(errors).length ? "L'inscription n'a pas abouti : corrigez les champs signalés." : err.problem.detail;
      const values = { email: body.email, displayName: body.displayName, acceptTerms: body.acceptTerms === 'true' };
      return sendPage(reply, this.pages.render('signup', { ...ctx, values, errors, formError }), err.problem.status);
    }
  }

  @Get('mot-de-passe-oublie')
  async forgottenPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('envoye') sent?: string) {
    if (sent === '1') {
      const ctx = await this.context(ref, req, 'Vérifiez votre boîte e-mail', 'login');
      return sendPage(reply, this.pages.render('message', { ...ctx, heading: 'Vérifiez votre boîte e-mail', paragraphs: [SENT] }));
    }
    const ctx = await this.context(ref, req, 'Mot de passe oublié', 'login');
    sendPage(reply, this.pages.render('password-forgotten', { ...ctx, values: {} }));
  }

  @Post('mot-de-passe-oublie')
  async forgotten(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    try {
      const dto = await validated(EmailDto, { email: body.email ?? '' });
      await this.accounts.requestPasswordReset(ref, dto.email, req.ip);
      return reply.redirect('/mot-de-passe-oublie?envoye=1', 303);
    } catch (err) {
      if (!isFormError(err)) throw err;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      const errors = formErrors(err);
      const ctx = await this.context(ref, req, 'Erreur – Mot de passe oublié', 'login');
      const formError = formAlert(err, errors, 'Corrigez le champ signalé.');
      return sendPage(reply, this.pages.render('password-forgotten', { ...ctx, values: { email: body.email }, errors, formError }), err.problem.status);
    }
  }

  /** The link of the password-reset e-mail. */
  @Get('compte/nouveau-mot-de-passe')
  async newPasswordPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('token') token?: string, @Query('fait') done?: string) {
    if (done === '1') {
      const ctx = await this.context(ref, req, 'Mot de passe changé', 'login');
      return sendPage(reply, this.pages.render('message', { ...ctx, heading: 'Votre mot de passe est changé', paragraphs: ['Vous pouvez maintenant vous connecter avec votre nouveau mot de passe.'], link: { href: '/connexion', label: 'Se connecter' } }));
    }
    const ctx = await this.context(ref, req, 'Nouveau mot de passe', 'login');
    sendPage(reply, this.pages.render('password-new', { ...ctx, action: '/compte/nouveau-mot-de-passe', token: token ?? '', values: {} }));
  }

  @Post('compte/nouveau-mot-de-passe')
  async newPassword(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    try {
      const dto = await validated(ResetConfirmDto, { token: body.token ?? '', password: body.password ?? '' });
      await this.accounts.confirmPasswordReset(ref, dto.token, dto.password);
      return reply.redirect('/compte/nouveau-mot-de-passe?fait=1', 303);
    } catch (err) {
      if (!isFormError(err)) throw err;
      const errors = formErrors(err);
      const ctx = await this.context(ref, req, 'Erreur – Nouveau mot de passe', 'login');
      const formError = errors.token ? 'Ce lien ne fonctionne plus : demandez-en un nouveau depuis « Mot de passe oublié ».' : formAlert(err, errors, 'Corrigez le champ signalé.');
      return sendPage(reply, this.pages.render('password-new', { ...ctx, action: '/compte/nouveau-mot-de-passe', token: body.token, values: {}, errors, formError }), err.problem.status);
    }
  }

  /** The link of a staff invitation (npm run cli -- staff:invite). */
  @Get('invitation')
  async invitationPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('token') token?: string) {
    const ctx = await this.context(ref, req, "Accepter l'invitation");
    sendPage(reply, this.pages.render('password-new', { ...ctx, invitation: true, action: '/invitation', token: token ?? '', values: {} }));
  }

  @Post('invitation')
  async acceptInvitation(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    try {
      const dto = await validated(AcceptInvitationDto, { token: body.token ?? '', password: body.password ?? '', displayName: body.displayName ?? '' });
      const session = await this.accounts.acceptInvitation(ref, dto.token, dto.password, dto.displayName, String(req.headers['user-agent'] ?? ''));
      setSessionCookie(reply, this.config, session.token);
      return reply.redirect(session.principal.roles.some((r) => r !== 'resident') ? '/moderation' : '/', 303);
    } catch (err) {
      if (!isFormError(err)) throw err;
      const errors = formErrors(err);
      const ctx = await this.context(ref, req, "Erreur – Accepter l'invitation");
      const formError = errors.token ? "Ce lien d'invitation ne fonctionne plus : demandez-en un nouveau." : formAlert(err, errors, 'Corrigez les champs signalés.');
      const values = { displayName: body.displayName };
      return sendPage(reply, this.pages.render('password-new', { ...ctx, invitation: true, action: '/invitation', token: body.token, values, errors, formError }), err.problem.status);
    }
  }

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

  /** The link of the verification e-mail: a page with a button, because link scanners open links. */
  @Get('compte/verification')
  async verifyPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('token') token?: string, @Query('fait') done?: string) {
    if (done === '1') {
      const ctx = await this.context(ref, req, 'Adresse confirmée', 'signup');
      const page = { heading: 'Votre adresse est confirmée', paragraphs: ['Merci ! Vous pouvez maintenant vous connecter et publier une offre ou une demande.'], link: { href: '/connexion', label: 'Se connecter' } };
      return sendPage(reply, this.pages.render('message', { ...ctx, ...page }));
    }
    const ctx = await this.context(ref, req, 'Confirmer mon adresse e-mail', 'signup');
    sendPage(reply, this.pages.render('verify', { ...ctx, token: token ?? '' }));
  }

  @Post('compte/verification')
  async verify(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    try {
      const dto = await validated(TokenDto, { token: body.token ?? '' });
      await this.accounts.verify(ref, dto.token);
      return reply.redirect('/compte/verification?fait=1', 303);
    } catch (err) {
      if (!(err instanceof ProblemException) || err.problem.status >= 500) throw err;
    }
    const ctx = await this.context(ref, req, 'Lien invalide', 'signup');
    const page = { heading: 'Ce lien ne fonctionne pas', paragraphs: ["Il a peut-être expiré ou déjà servi. Connectez-vous : si votre adresse n'est pas confirmée, un nouveau lien peut vous être envoyé."], link: { href: '/connexion', label: 'Se connecter' } };
    sendPage(reply, this.pages.render('message', { ...ctx, ...page }), 400);
  }

  private async renderNewListing(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, values: Form, errors?: Record<string, string>, formError?: string, status = 200) {
    const [ctx, t, categories, neighbourhoods] = await Promise.all([
      this.context(ref, req, errors ? 'Erreur – Publier une annonce' : 'Publier une annonce', 'new'),
      this.tenants.get(ref),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    // The form carries its own idempotency key: a double click or a resubmission after "back" publishes once.
    const page = this.pages.render('new-listing', { ...ctx, ...PICKER_ASSETS, map: this.contexts.map(t.settings.map), categories, neighbourhoods, values: { ...values, idempotencyKey: formKey(values.idempotencyKey) ?? randomUUID() }, errors, formError });
    return sendPage(reply, page, status);
  }

  private context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    return this.contexts.of(ref, req, title, current);
  }
}

/** The posting form's own idempotency key (a hidden UUID field the form was rendered with); anything else is ignored. */
export function formKey(raw: string | undefined): string | undefined {
  return raw && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw) ? raw : undefined;
}

function stripEmpty(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => Boolean(e[1]) && e[0] !== 'cursor'));
}
