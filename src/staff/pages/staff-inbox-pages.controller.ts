import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { MessageDto } from '@src/listings/dto/listings.dto';
import { RelayedResidentsService } from '../relayed-residents.service';
import { Me } from '@src/web/page-guard';
import { Form, FormRefusal, submitForm, validated, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { NOTICES, StaffPage } from './staff-page';

/**
 * The team's inbox: the calls to make for residents without internet, marking one done, and
 * writing to a matching listing's author in the resident's name.
 */
@ApiExcludeController()
@Controller('equipe')
export class StaffInboxPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly residents: RelayedResidentsService,
  ) {}

  @Get()
  @StaffPage()
  async inbox(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('fait') done?: string,
  ) {
    const [ctx, inbox] = await Promise.all([
      this.contexts.of(ref, req, 'Boîte de l’équipe', 'staff'),
      this.residents.inboxItems(ref),
    ]);
    const items = inbox.items;
    sendPage(
      reply,
      this.pages.render('staff-inbox', {
        ...ctx,
        toCall: items.filter((i) => i.state === 'to_call'),
        called: items.filter((i) => i.state === 'called'),
        notice: done ? NOTICES[done] : undefined,
      }),
    );
  }

  @Post('boite/:id/rappele')
  @StaffPage()
  async calledBack(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    await this.residents.calledBack(ref, me, id);
    reply.redirect(
      body?.retour && /^\/equipe\/residents\/[\w-]+$/.test(body.retour)
        ? `${body.retour}?fait=rappele`
        : '/equipe?fait=rappele',
      303,
    );
  }

  @Get('boite/:id/ecrire')
  @StaffPage()
  async contactPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    await this.renderContact(ref, req, reply, id, {});
  }

  @Post('boite/:id/ecrire')
  @StaffPage()
  async contact(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(MessageDto, { message: body.message ?? '' });
        const { conversationId } = await this.residents.contactForMatch(ref, me, id, dto.message);
        return reply.redirect(`/conversations/${conversationId}`, 303);
      },
      passOn: [NotFoundError],
      refused: ({ errors, detail, status }) => {
        const formError = errors.message ? 'Le message n’est pas parti : corrigez le champ signalé.' : detail;
        return this.renderContact(ref, req, reply, id, { message: body.message }, { errors, formError, status });
      },
    });
  }

  private async renderContact(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const item = await this.residents.inboxItem(ref, id);
    const matched = item.matchedListing;
    if (!matched) throw new NotFoundError('Cet élément ne concerne pas une annonce correspondante.');
    const title = `Écrire à ${matched.authorName} au nom de ${item.resident.displayName}`;
    const ctx = await this.contexts.of(ref, req, formTitle(title, errors), 'staff');
    sendPage(
      reply,
      this.pages.render('staff-contact', {
        ...ctx,
        item: { ...item, matchedListing: matched },
        values,
        errors,
        formError,
      }),
      status,
    );
  }
}
