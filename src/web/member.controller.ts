import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../libs/config';
import { ProblemException } from '../../libs/http';
import { CurrentTenant, isStaff, Principal, TenantRef } from '../../libs/tenancy';
import { AccountsService } from '../accounts/accounts.service';
import { UpdateMeDto } from '../accounts/dto/accounts.dto';
import { clearSessionCookie } from '../accounts/session-cookie';
import { ReplyDto, UpdateListingDto } from '../listings/dto/listings.dto';
import { ConversationsService } from '../listings/conversations.service';
import { ListingsService } from '../listings/listings.service';
import { DecisionDto, ReasonDto } from '../moderation/dto/moderation.dto';
import { ModerationService } from '../moderation/moderation.service';
import { Form, formAlert, formErrors, isFormError, validated } from './forms';
import { PageContexts } from './page-context';
import { PageRenderer } from './page-renderer';
import { sendPage } from './page-response';
import { signedIn, withRole } from './access';
import { PICKER_ASSETS } from './site.controller';
import { TenantsService } from '../tenants/tenants.service';
import { FeedbackDto } from '../outcomes/dto/outcomes.dto';
import { OutcomesService } from '../outcomes/outcomes.service';
import { AdminService } from '../admin/admin.service';

const RADII = [300, 500, 1000, 2000, 5000, 10000];
const STAFF = new Set(['moderator', 'admin', 'federation_admin']);
const NOTICES: Record<string, string> = {
  prolongee: 'Votre annonce est prolongée.',
  close: 'Votre annonce est close : elle n’apparaît plus dans les recherches.',
  modifiee: 'Votre annonce est modifiée. Si elle doit être relue, elle réapparaîtra après la relecture.',
  decision: 'La décision est enregistrée ; l’auteur en est informé par e-mail.',
  avis: 'L’avis est marqué comme traité.',
  aidee: 'Bravo ! Votre annonce est marquée « aide trouvée » : elle ne s’affiche plus. Vous pouvez donner votre avis, en privé, à l’équipe de modération.',
  merci: 'Merci : votre avis est transmis, en toute confidentialité, à l’équipe de modération.',
};

/**
 * The pages of a signed-in resident (their listings, their conversations) and of the
 * tenant's moderators. Without a session they send to the sign-in page and come back.
 */
@ApiExcludeController()
@Controller()
export class MemberController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly listings: ListingsService,
    private readonly conversations: ConversationsService,
    private readonly moderation: ModerationService,
    private readonly accounts: AccountsService,
    private readonly tenants: TenantsService,
    private readonly outcomes: OutcomesService,
    private readonly admin: AdminService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('mes-annonces')
  async myListings(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('fait') done?: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    const [ctx, mine] = await Promise.all([this.contexts.of(ref, req, 'Mes annonces', 'mine'), this.listings.mine(ref, me)]);
    sendPage(reply, this.pages.render('my-listings', { ...ctx, items: mine.items, notice: done ? NOTICES[done] : undefined }));
  }

  @Get('mes-annonces/:id/modifier')
  async editPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    const listing = await this.listings.get(ref, id, me);
    if (!('status' in listing)) throw ProblemException.notFound();
    const values = { categoryId: listing.category.id, title: listing.title, description: listing.description, mode: listing.mode };
    return this.renderEdit(ref, req, reply, id, values);
  }

  @Post('mes-annonces/:id/modifier')
  async edit(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply);
    if (!me) return;
    try {
      const location = await this.contexts.chosenPoint(ref, body);
      const dto = await validated(UpdateListingDto, {
        categoryId: body.categoryId ?? '',
        title: body.title ?? '',
        description: body.description ?? '',
        mode: body.mode ?? '',
        ...(location ? { location } : {}),
      });
      const updated = await this.listings.update(ref, me, id, dto);
      // Staff editing a relayed resident's listing go back to the team's pages.
      return reply.redirect(updated.relayed && isStaff(me) ? '/equipe/residents?fait=modifie' : '/mes-annonces?fait=modifiee', 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const errors = formErrors(err);
      const formError = formAlert(err, errors, 'L’annonce n’a pas été modifiée : corrigez les champs signalés.');
      return this.renderEdit(ref, req, reply, id, body, errors, formError, err.problem.status);
    }
  }

  @Post('mes-annonces/:id/renouveler')
  async renew(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    await this.listings.renew(ref, me, id);
    reply.redirect('/mes-annonces?fait=prolongee', 303);
  }

  @Post('mes-annonces/:id/clore')
  async close(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    await this.listings.close(ref, me, id);
    reply.redirect('/mes-annonces?fait=close', 303);
  }

  @Get('mes-annonces/:id/aide-trouvee')
  async fulfilPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    const { listing, helpers } = await this.outcomes.helpers(ref, me, id);
    const ctx = await this.contexts.of(ref, req, 'Vous avez trouvé de l’aide', 'mine');
    sendPage(reply, this.pages.render('fulfil', { ...ctx, listing, helpers }));
  }

  @Post('mes-annonces/:id/aide-trouvee')
  async fulfil(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply);
    if (!me) return;
    await this.outcomes.fulfil(ref, me, id, body?.conversationId || undefined);
    reply.redirect('/mes-annonces?fait=aidee', 303);
  }

  @Get('entraides/:id/avis')
  async feedbackPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    return this.renderFeedback(ref, req, reply, me, id, {});
  }

  @Post('entraides/:id/avis')
  async feedback(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply);
    if (!me) return;
    try {
      const dto = await validated(FeedbackDto, { ok: body?.ok === 'oui' ? true : body?.ok === 'non' ? false : undefined, comment: body?.comment ?? '' });
      await this.outcomes.feedback(ref, me, id, dto.ok, dto.comment);
      return reply.redirect('/mes-annonces?fait=merci', 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const errors = formErrors(err);
      return this.renderFeedback(ref, req, reply, me, id, body ?? {}, errors, formAlert(err, errors, 'Votre avis n’a pas été envoyé : corrigez les champs signalés.'), err.problem.status);
    }
  }

  @Get('conversations')
  async inbox(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const me = signedIn(req, reply);
    if (!me) return;
    const [ctx, list] = await Promise.all([this.contexts.of(ref, req, 'Mes messages', 'messages'), this.conversations.list(ref, me)]);
    sendPage(reply, this.pages.render('conversations', { ...ctx, items: list.items }));
  }

  @Get('conversations/:id')
  async thread(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('envoye') sent?: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    const conversation = await this.conversations.get(ref, me, id);
    const ctx = await this.contexts.of(ref, req, conversation.listing.title, 'messages');
    sendPage(reply, this.pages.render('conversation', { ...ctx, conversation, sent: sent === '1', values: {} }));
  }

  @Post('conversations/:id')
  async reply(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply);
    if (!me) return;
    try {
      const dto = await validated(ReplyDto, { body: body.body ?? '' });
      await this.conversations.reply(ref, me, id, dto.body);
      return reply.redirect(`/conversations/${id}?envoye=1`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const conversation = await this.conversations.get(ref, me, id);
      const ctx = await this.contexts.of(ref, req, `Erreur – ${conversation.listing.title}`, 'messages');
      const errors = formErrors(err);
      const formError = formAlert(err, errors, 'La réponse n’a pas été envoyée : corrigez le champ signalé.');
      return sendPage(reply, this.pages.render('conversation', { ...ctx, conversation, values: { body: body.body }, errors, formError }), err.problem.status);
    }
  }

  @Get('mon-compte')
  async account(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('fait') done?: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    const account = (await this.contexts.account(ref, req))!;
    const values = { displayName: account.displayName, mode: account.notifyMode, radiusM: String(account.notifyRadiusM), categoryIds: account.notifyCategoryIds };
    await this.renderAccount(ref, req, reply, values, done === 'enregistre' ? 'Vos préférences sont enregistrées.' : undefined);
  }

  @Post('mon-compte')
  async saveAccount(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, string | string[] | undefined>) {
    const me = signedIn(req, reply);
    if (!me) return;
    const one = (k: string) => (Array.isArray(body[k]) ? body[k]![0] : (body[k] as string | undefined));
    const ticked = ([] as string[]).concat(body.categoryIds ?? []);
    // In the stored order, then the newly ticked: an unchanged form must store the same list.
    const stored = (await this.contexts.account(ref, req))?.notifyCategoryIds ?? [];
    const categoryIds = [...stored.filter((id) => ticked.includes(id)), ...ticked.filter((id) => !stored.includes(id))];
    try {
      const location = await this.contexts.chosenPoint(ref, { lat: one('lat'), lng: one('lng'), neighbourhood: one('neighbourhood') });
      const dto = await validated(UpdateMeDto, {
        displayName: one('displayName') ?? '',
        ...(location ? { location } : {}),
        notifications: { mode: one('mode') ?? 'off', radiusM: Number(one('radiusM') ?? 1000), categoryIds },
      });
      await this.accounts.updateMe(ref, me, dto);
      return reply.redirect('/mon-compte?fait=enregistre', 303);
    } catch (err) {
      if (!isFormError(err)) throw err;
      const errors = formErrors(err);
      if (errors['location.lat'] || errors['location.lng'] || errors.location) errors.location = errors.location ?? 'position invalide';
      const values = { displayName: one('displayName'), mode: one('mode'), radiusM: one('radiusM'), categoryIds };
      const formError = formAlert(err, errors, 'Rien n’a été enregistré : corrigez les champs signalés.');
      return this.renderAccount(ref, req, reply, values, undefined, errors, formError, err.problem.status);
    }
  }

  @Post('mon-compte/supprimer')
  async deleteAccount(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    const me = signedIn(req, reply);
    if (!me) return;
    if (body.confirm !== 'oui') {
      const account = (await this.contexts.account(ref, req))!;
      const values = { displayName: account.displayName, mode: account.notifyMode, radiusM: String(account.notifyRadiusM), categoryIds: account.notifyCategoryIds };
      const errors = { confirm: 'cochez la case pour confirmer la suppression' };
      return this.renderAccount(ref, req, reply, values, undefined, errors, 'Le compte n’a pas été supprimé.', 422);
    }
    await this.accounts.deleteMe(ref, me);
    clearSessionCookie(reply, this.config);
    return reply.redirect('/compte/supprime', 303);
  }

  /** Where the deletion leads (POST/Redirect/GET); it states a fact and needs no session, which is gone. */
  @Get('compte/supprime')
  async accountDeleted(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const ctx = await this.contexts.of(ref, req, 'Compte supprimé');
    return sendPage(
      reply,
      this.pages.render('message', { ...ctx, heading: 'Votre compte est supprimé', paragraphs: ['Vos données personnelles sont effacées et vos annonces closes. Merci d’avoir participé à l’entraide entre voisins.'], link: { href: '/', label: 'Retour à l’accueil' } }),
    );
  }

  @Get('moderation')
  async queue(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('fait') done?: string) {
    const me = staff(req, reply);
    if (!me) return;
    await this.renderQueue(ref, req, reply, done ? NOTICES[done] : undefined);
  }

  @Get('moderation/journal')
  async audit(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('apres') cursor?: string) {
    const me = staff(req, reply);
    if (!me) return;
    const [ctx, log] = await Promise.all([this.contexts.of(ref, req, 'Journal de modération', 'moderation'), this.moderation.auditLog(ref, 50, cursor)]);
    const next = log.nextCursor ? `/moderation/journal?apres=${encodeURIComponent(log.nextCursor)}` : undefined;
    sendPage(reply, this.pages.render('audit', { ...ctx, items: log.items, next }));
  }

  @Post('moderation/:type/:id')
  async decide(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('type') type: string, @Param('id') id: string, @Body() body: Form) {
    const me = staff(req, reply);
    if (!me) return;
    try {
      if (type === 'avis') {
        await this.moderation.reviewFeedback(ref, me, id, (await validated(ReasonDto, { reason: body.reason ?? '' })).reason);
        return reply.redirect('/moderation?fait=avis', 303);
      }
      const dto = await validated(DecisionDto, { action: body.action ?? '', reason: body.reason ?? '' });
      if (type === 'annonces') await this.moderation.decide(ref, me, id, dto.action, dto.reason);
      else if (type === 'messages') await this.moderation.decideMessage(ref, me, id, dto.action, dto.reason);
      else return reply.callNotFound();
      return reply.redirect('/moderation?fait=decision', 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const errors = formErrors(err);
      const detail = errors.action ? 'choisissez « Publier » ou « Refuser »' : errors.reason ? `motif : ${errors.reason}` : err.problem.detail;
      return this.renderQueue(ref, req, reply, undefined, `La décision n’a pas été enregistrée : ${detail}.`, err.problem.status);
    }
  }

  private async renderFeedback(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, me: Principal, id: string, values: Form, errors?: Record<string, string>, formError?: string, status = 200) {
    if (!(await this.outcomes.canGiveFeedback(ref, me, id))) {
      const ctx = await this.contexts.of(ref, req, 'Votre avis');
      return sendPage(reply, this.pages.render('message', { ...ctx, heading: 'Votre avis', paragraphs: ['Un avis se donne une fois l’aide réalisée, une seule fois, par les personnes qui y ont pris part. Merci !'], link: { href: '/mes-annonces', label: 'Mes annonces' } }), status === 200 ? 200 : 409);
    }
    const ctx = await this.contexts.of(ref, req, errors ? 'Erreur – Votre avis' : 'Votre avis', 'mine');
    sendPage(reply, this.pages.render('feedback', { ...ctx, id, values, errors, formError }), status);
  }

  private async renderEdit(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, id: string, values: Form, errors?: Record<string, string>, formError?: string, status = 200) {
    const [ctx, t, categories, neighbourhoods] = await Promise.all([
      this.contexts.of(ref, req, errors ? 'Erreur – Modifier mon annonce' : 'Modifier mon annonce', 'mine'),
      this.tenants.get(ref),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    const page = this.pages.render('new-listing', { ...ctx, ...PICKER_ASSETS, editing: id, map: this.contexts.map(t.settings.map), categories, neighbourhoods, values, errors, formError });
    return sendPage(reply, page, status);
  }

  private async renderAccount(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    values: { displayName?: string; mode?: string; radiusM?: string; categoryIds: string[] },
    notice?: string,
    errors?: Record<string, string>,
    formError?: string,
    status = 200,
  ) {
    const [ctx, t, account, categories, neighbourhoods] = await Promise.all([
      this.contexts.of(ref, req, errors ? 'Erreur – Mon compte' : 'Mon compte', 'account'),
      this.tenants.get(ref),
      this.contexts.account(ref, req).then((a) => a!),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    // A radius set elsewhere (the API, an older form) stays a choice, else saving would silently change it.
    const shown = /^\d+$/.test(values.radiusM ?? '') && !RADII.includes(Number(values.radiusM)) ? [...RADII, Number(values.radiusM)].sort((a, b) => a - b) : RADII;
    const radii = shown.map((m) => ({ value: String(m), label: `${radiusLabel(m)}${RADII.includes(m) ? '' : ' (actuel)'}`, selected: String(m) === values.radiusM }));
    // Chosen categories the commune no longer offers stay listed (ticked) until the person unticks them.
    const offered = new Set(categories.map((c) => c.id));
    const stale = values.categoryIds.filter((id) => !offered.has(id));
    const names = stale.length ? new Map(((await this.admin.tenantCategories(ref)) as Array<{ categoryId: string; slug: string; name: string }>).map((c) => [c.categoryId, c])) : new Map();
    const kept = stale.map((id) => ({ id, slug: names.get(id)?.slug ?? id, name: `${names.get(id)?.name ?? 'Catégorie retirée'} (actuel, n’est plus proposée)`, checked: true }));
    const page = this.pages.render('account', {
      ...ctx,
      ...PICKER_ASSETS,
      map: this.contexts.map(account.location ? { center: account.location, zoom: 15 } : t.settings.map),
      account: { email: account.email, location: account.location },
      values: { ...values, lat: account.location?.lat, lng: account.location?.lng },
      categories: [...categories.map((c) => ({ ...c, checked: values.categoryIds.includes(c.id) })), ...kept],
      neighbourhoods,
      radii,
      notice,
      errors,
      formError,
    });
    return sendPage(reply, page, status);
  }

  private async renderQueue(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, notice?: string, formError?: string, status = 200) {
    const [ctx, queue] = await Promise.all([this.contexts.of(ref, req, 'Modération', 'moderation'), this.moderation.queue(ref, 50)]);
    sendPage(reply, this.pages.render('moderation', { ...ctx, items: queue.items, notice, formError }), status);
  }
}

/** "300 m", "1,5 km". */
const radiusLabel = (m: number) => (m < 1000 ? `${m} m` : `${(m / 1000).toLocaleString('fr-FR')} km`);

/** A moderator or administrator of this site. */
const staff = (req: FastifyRequest, reply: FastifyReply) => withRole(req, reply, STAFF, 'Cette page est réservée à l’équipe de modération de la commune.');
