import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { ManagerInviteDto, ReplyToDto } from '../dto/organisations.dto';
import { OrganisationsService } from '../organisations.service';
import { Me, SignedInPage } from '@src/web/page-guard';
import { Form, MISSING_OR_FORBIDDEN, submitForm, validated } from '@src/web/forms';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import type { ManageOrganisationExtra } from './organisations.views';
import { OrganisationsPageContexts } from './organisations-page-contexts';
import { managedOrganisation } from './managed';

const NOTICES: Record<string, string> = {
  organisation: 'Votre organisation est enregistrée : elle sera visible après relecture par l’équipe de modération.',
  responsable:
    'Si cette adresse est celle d’un habitant inscrit, il ou elle est maintenant responsable et en est informé(e) ' +
    'par e-mail.',
  reponse: 'Votre réponse est envoyée par e-mail.',
};

/**
 * An organisation's management, for its managers: its page, inviting a co-manager, answering a message.
 */
@ApiExcludeController()
@Controller()
export class OrganisationManagementPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly pageContexts: OrganisationsPageContexts,
    private readonly organisations: OrganisationsService,
  ) {}

  @Get('organisations/:id/gerer')
  @SignedInPage()
  async manage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Query('fait') done?: string,
  ) {
    return this.renderManage(ref, req, reply, me, id, { notice: done ? NOTICES[done] : undefined });
  }

  @Post('organisations/:id/responsables')
  @SignedInPage('/organisations/:id/gerer')
  async invite(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(ManagerInviteDto, { email: body.email ?? '' });
        await this.organisations.inviteManager(ref, me, id, dto.email);
        return reply.redirect(`/organisations/${id}/gerer?fait=responsable`, 303);
      },
      summary: 'Personne n’a été ajouté : corrigez l’adresse.',
      passOn: MISSING_OR_FORBIDDEN,
      refused: ({ status, ...refusal }) =>
        this.renderManage(ref, req, reply, me, id, { ...refusal, values: { email: body.email } }, status),
    });
  }

  @Post('organisations/:id/repondre')
  @SignedInPage('/organisations/:id/gerer')
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
        const dto = await validated(ReplyToDto, { messageId: body.messageId ?? '', message: body.message ?? '' });
        await this.organisations.reply(ref, me, id, dto.messageId, dto.message);
        return reply.redirect(`/organisations/${id}/gerer?fait=reponse`, 303);
      },
      summary: (errors) => `La réponse n’a pas été envoyée : ${Object.values(errors)[0] ?? ''}.`,
      passOn: MISSING_OR_FORBIDDEN,
      refused: ({ formError, status }) => this.renderManage(ref, req, reply, me, id, { formError }, status),
    });
  }

  private async renderManage(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    extra: ManageOrganisationExtra,
    status = 200,
  ) {
    const organisation = await managedOrganisation(this.organisations, ref, id, me);
    const inbox = await this.organisations.inbox(ref, me, id);
    const ctx = await this.pageContexts.of(ref, req, `Gérer ${organisation.name}`, 'my-organisations');
    return sendPage(
      reply,
      this.pages.render('manage-organisation', { ...ctx, organisation, messages: inbox.items, ...extra }),
      status,
    );
  }
}
