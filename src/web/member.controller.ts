import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, ProblemException } from '../../libs/http';
import { CurrentTenant, Principal, TenantRef } from '../../libs/tenancy';
import { ReplyDto } from '../listings/dto/listings.dto';
import { ConversationsService } from '../listings/conversations.service';
import { ListingsService } from '../listings/listings.service';
import { DecisionDto } from '../moderation/dto/moderation.dto';
import { ModerationService } from '../moderation/moderation.service';
import { Form, formAlert, formErrors, isFormError, validated } from './forms';
import { PageContexts } from './page-context';
import { PageRenderer } from './page-renderer';
import { sendPage } from './page-response';

const STAFF = new Set(['moderator', 'admin', 'federation_admin']);
const NOTICES: Record<string, string> = {
  prolongee: 'Votre annonce est prolongée.',
  close: 'Votre annonce est close : elle n’apparaît plus dans les recherches.',
  decision: 'La décision est enregistrée ; l’auteur en est informé par e-mail.',
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
  ) {}

  @Get('mes-annonces')
  async myListings(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('fait') done?: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    const [ctx, mine] = await Promise.all([this.contexts.of(ref, req, 'Mes annonces', 'mine'), this.listings.mine(ref, me)]);
    sendPage(reply, this.pages.render('my-listings', { ...ctx, items: mine.items, notice: done ? NOTICES[done] : undefined }));
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

  @Get('moderation')
  async queue(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('fait') done?: string) {
    const me = staff(req, reply);
    if (!me) return;
    await this.renderQueue(ref, req, reply, done ? NOTICES[done] : undefined);
  }

  @Post('moderation/:type/:id')
  async decide(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('type') type: string, @Param('id') id: string, @Body() body: Form) {
    const me = staff(req, reply);
    if (!me) return;
    try {
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

  private async renderQueue(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, notice?: string, formError?: string, status = 200) {
    const [ctx, queue] = await Promise.all([this.contexts.of(ref, req, 'Modération', 'moderation'), this.moderation.queue(ref, 50)]);
    sendPage(reply, this.pages.render('moderation', { ...ctx, items: queue.items, notice, formError }), status);
  }
}

/** The signed-in person, or undefined after sending to the sign-in page (back here afterwards). */
function signedIn(req: FastifyRequest, reply: FastifyReply): Principal | undefined {
  const principal = req.ctx.principal;
  if (!principal) {
    const back = req.method === 'GET' ? req.url : '/';
    reply.redirect(`/connexion?retour=${encodeURIComponent(back)}`, 303);
  }
  return principal;
}

/** A moderator or administrator of this site; anyone else signed in gets the French 403 page. */
function staff(req: FastifyRequest, reply: FastifyReply): Principal | undefined {
  const principal = signedIn(req, reply);
  if (principal && !principal.roles.some((r) => STAFF.has(r))) {
    throw new ProblemException(problem(403, 'Cette page est réservée à l’équipe de modération de la commune.'));
  }
  return principal;
}
