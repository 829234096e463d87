import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { Form, FormRefusal, submitForm, validated, formTitle } from '@src/web/forms';
import { MessagePages } from '@src/web/message-pages';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, SignedInPage } from '@src/web/page-guard';
import { FeedbackDto } from '../dto/outcomes.dto';
import { OutcomesService } from '../outcomes.service';

/** The private feedback on a help that took place, for the moderators only. */
@ApiExcludeController()
@Controller()
export class FeedbackPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly messages: MessagePages,
    private readonly outcomes: OutcomesService,
  ) {}

  @Get('entraides/:id/avis')
  @SignedInPage()
  async feedbackPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    return this.renderFeedback(ref, req, reply, me, id, {});
  }

  @Post('entraides/:id/avis')
  @SignedInPage()
  async feedback(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(FeedbackDto, {
          ok: body?.ok === 'oui' ? true : body?.ok === 'non' ? false : undefined,
          comment: body?.comment ?? '',
        });
        await this.outcomes.feedback(ref, me, id, dto.ok, dto.comment);
        return reply.redirect('/mes-annonces?fait=merci', 303);
      },
      summary: 'Votre avis n’a pas été envoyé : corrigez les champs signalés.',
      passOn: [NotFoundError],
      refused: (refusal) => this.renderFeedback(ref, req, reply, me, id, body ?? {}, refusal),
    });
  }

  private async renderFeedback(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    if (!(await this.outcomes.canGiveFeedback(ref, me, id))) {
      const page = {
        heading: 'Votre avis',
        paragraphs: [
          'Un avis se donne une fois l’aide réalisée, une seule fois, par les personnes qui y ont pris part. Merci !',
        ],
        link: { href: '/mes-annonces', label: 'Mes annonces' },
      };
      return this.messages.send(ref, req, reply, page, { status: status === 200 ? 200 : 409 });
    }
    const ctx = await this.contexts.of(ref, req, formTitle('Votre avis', errors), 'mine');
    sendPage(reply, this.pages.render('feedback', { ...ctx, id, values, errors, formError }), status);
  }
}
