import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { ReplyDto, ReportDto } from '../dto/listings.dto';
import { ConversationsService } from '../conversations.service';
import { Form, submitForm, validated } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, SignedInPage } from '@src/web/page-guard';

/** What a conversation's page confirms after a report or a block (POST → redirect → GET). */
const NOTICES: Record<string, string> = {
  signale: 'Merci, le message est signalé : il est masqué en attendant la décision de l’équipe de modération.',
  bloque: 'Cette personne est bloquée : elle ne peut plus vous écrire.',
  debloque: 'Cette personne est débloquée : elle peut de nouveau vous écrire.',
};

/** A resident's conversations with neighbours about listings. */
@ApiExcludeController()
@Controller()
export class ConversationsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly conversations: ConversationsService,
  ) {}

  @Get('conversations')
  @SignedInPage()
  async inbox(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
  ) {
    const [ctx, list] = await Promise.all([
      this.contexts.of(ref, req, 'Mes messages', 'messages'),
      this.conversations.list(ref, me),
    ]);
    sendPage(reply, this.pages.render('conversations', { ...ctx, items: list.items }));
  }

  @Get('conversations/:id')
  @SignedInPage()
  async thread(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Query() q: Form,
  ) {
    const conversation = await this.conversations.get(ref, me, id);
    const ctx = await this.contexts.of(ref, req, conversation.listing.title, 'messages');
    const notice = NOTICES[q.fait ?? ''];
    sendPage(
      reply,
      this.pages.render('conversation', { ...ctx, conversation, sent: q.envoye === '1', notice, values: {} }),
    );
  }

  /** A message received is reported: it is hidden from the reporter and waits in the moderators' queue. */
  @Post('conversations/:id/signaler')
  @SignedInPage()
  async reportMessage(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    const dto = await validated(ReportDto, {
      reason: body.reason ?? '',
      ...(body.comment ? { comment: body.comment } : {}),
    });
    await this.conversations.reportMessage(ref, me, id, body.messageId ?? '', dto.reason, dto.comment);
    return reply.redirect(`/conversations/${id}?fait=signale`, 303);
  }

  @Post('conversations/:id/bloquer')
  @SignedInPage()
  async block(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    await this.conversations.setBlocked(ref, me, id, true);
    return reply.redirect(`/conversations/${id}?fait=bloque`, 303);
  }

  @Post('conversations/:id/debloquer')
  @SignedInPage()
  async unblock(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    await this.conversations.setBlocked(ref, me, id, false);
    return reply.redirect(`/conversations/${id}?fait=debloque`, 303);
  }

  @Post('conversations/:id')
  @SignedInPage()
  async reply(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(ReplyDto, { body: body.body ?? '' });
        await this.conversations.reply(ref, me, id, dto.body);
        return reply.redirect(`/conversations/${id}?envoye=1`, 303);
      },
      summary: 'La réponse n’a pas été envoyée : corrigez le champ signalé.',
      passOn: [NotFoundError],
      refused: async ({ errors, formError, status }) => {
        const conversation = await this.conversations.get(ref, me, id);
        const ctx = await this.contexts.of(ref, req, `Erreur – ${conversation.listing.title}`, 'messages');
        const page = { ...ctx, conversation, values: { body: body.body }, errors, formError };
        return sendPage(reply, this.pages.render('conversation', page), status);
      },
    });
  }
}
