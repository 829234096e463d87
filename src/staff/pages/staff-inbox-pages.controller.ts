import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { RelayedResidentsService } from '../relayed-residents.service';
import { Me } from '@src/web/page-guard';
import { Form } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { NOTICES, StaffPage } from './staff-page';

/**
 * The team's inbox: the calls to make for residents without internet, and marking one done.
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
}
