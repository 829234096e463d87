import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { DecisionDto, ReasonDto } from '../dto/moderation.dto';
import { ModerationService } from '../moderation.service';
import { Form, submitForm, validated } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, ModeratorPage } from '@src/web/page-guard';

const NOTICES: Record<string, string> = {
  decision: 'La décision est enregistrée ; l’auteur en est informé par e-mail.',
  avis: 'L’avis est marqué comme traité.',
  suspendu: 'Le compte est suspendu : ses annonces sont masquées et la personne en est informée par e-mail.',
};

/** The moderators' queue (listings, messages, feedback), their decisions and the moderation log. */
@ApiExcludeController()
@Controller()
export class ModerationPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly moderation: ModerationService,
  ) {}

  @Get('moderation')
  @ModeratorPage()
  async queue(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('fait') done?: string,
  ) {
    await this.renderQueue(ref, req, reply, done ? NOTICES[done] : undefined);
  }

  @Get('moderation/journal')
  @ModeratorPage()
  async audit(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('apres') cursor?: string,
  ) {
    const [ctx, log] = await Promise.all([
      this.contexts.of(ref, req, 'Journal de modération', 'moderation'),
      this.moderation.auditLog(ref, 50, cursor),
    ]);
    const next = log.nextCursor ? `/moderation/journal?apres=${encodeURIComponent(log.nextCursor)}` : undefined;
    sendPage(reply, this.pages.render('audit', { ...ctx, items: log.items, next }));
  }

  /** A ban from the queue, on the author of an item. */
  @Post('moderation/comptes/:id/suspendre')
  @ModeratorPage()
  async ban(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(ReasonDto, { reason: body.reason ?? '' });
        await this.moderation.ban(ref, me, id, dto.reason);
        return reply.redirect('/moderation?fait=suspendu', 303);
      },
      passOn: [NotFoundError],
      refused: ({ errors, detail, status }) => {
        const why = errors.reason ? `motif de la suspension : ${errors.reason}` : (errors.id ?? detail);
        return this.renderQueue(ref, req, reply, undefined, `Le compte n’a pas été suspendu : ${why}.`, status);
      },
    });
  }

  @Post('moderation/:type/:id')
  @ModeratorPage()
  async decide(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('type') type: string,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        if (type === 'avis') {
          await this.moderation.reviewFeedback(
            ref,
            me,
            id,
            (await validated(ReasonDto, { reason: body.reason ?? '' })).reason,
          );
          return reply.redirect('/moderation?fait=avis', 303);
        }
        const dto = await validated(DecisionDto, { action: body.action ?? '', reason: body.reason ?? '' });
        if (type === 'annonces') await this.moderation.decide(ref, me, id, dto.action, dto.reason);
        else if (type === 'messages') await this.moderation.decideMessage(ref, me, id, dto.action, dto.reason);
        else return reply.callNotFound();
        return reply.redirect('/moderation?fait=decision', 303);
      },
      passOn: [NotFoundError],
      refused: ({ errors, detail, status }) => {
        const why = errors.action
          ? 'choisissez « Publier » ou « Refuser »'
          : errors.reason && body.action !== 'approve'
            ? `un motif est requis pour refuser (${errors.reason})`
            : errors.reason
              ? `motif : ${errors.reason}`
              : detail;
        return this.renderQueue(ref, req, reply, undefined, `La décision n’a pas été enregistrée : ${why}.`, status);
      },
    });
  }

  private async renderQueue(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    notice?: string,
    formError?: string,
    status = 200,
  ) {
    const [ctx, queue] = await Promise.all([
      this.contexts.of(ref, req, 'Modération', 'moderation'),
      this.moderation.queue(ref, 50),
    ]);
    sendPage(reply, this.pages.render('moderation', { ...ctx, items: queue.items, notice, formError }), status);
  }
}
