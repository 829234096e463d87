import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { DecisionDto } from '@src/moderation/dto/moderation.dto';
import { CreateOrganisationDto, OrganisationMessageDto, ORGANISATION_KINDS } from '../dto/organisations.dto';
import { assertOrganisationsEnabled } from '../organisations-access';
import { OrganisationsService } from '../organisations.service';
import { ProjectsService } from '../projects.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Me, ModeratorPage, SignedInPage } from '@src/web/page-guard';
import { Form, FormRefusal, formErrors, isFormError, retold, submitForm, validated, formTitle } from '@src/web/forms';
import { ORGANISATION_KIND, PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { OrganisationsPageContexts } from './organisations-page-contexts';

/**
 * The organisations' pages: the directory, presenting an organisation, contacting it, the
 * organisations of the signed-in resident, and the moderators' decisions on organisations and projects.
 */
@ApiExcludeController()
@Controller()
export class OrganisationsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly pageContexts: OrganisationsPageContexts,
    private readonly tenants: TenantsService,
    private readonly organisations: OrganisationsService,
    private readonly projects: ProjectsService,
  ) {}

  @Get('organisations')
  async organisationList(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('apres') cursor?: string,
  ) {
    const list = await this.organisations.list(ref, 50, cursor);
    const ctx = await this.pageContexts.of(ref, req, 'Organisations', 'projects');
    const next = list.nextCursor ? `/organisations?apres=${encodeURIComponent(list.nextCursor)}` : undefined;
    sendPage(reply, this.pages.render('organisations', { ...ctx, items: list.items, next }));
  }

  @Get('organisations/nouvelle')
  @SignedInPage()
  async newOrganisationPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await assertOrganisationsEnabled(this.tenants, ref);
    return this.renderNewOrganisation(ref, req, reply, {});
  }

  @Post('organisations/nouvelle')
  @SignedInPage('/organisations/nouvelle')
  async createOrganisation(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Body() body: Form,
  ) {
    await assertOrganisationsEnabled(this.tenants, ref);
    return submitForm({
      action: async () => {
        const dto = await validated(CreateOrganisationDto, {
          name: body.name ?? '',
          kind: body.kind ?? '',
          description: body.description ?? '',
          ...(body.neighbourhood ? { neighbourhood: body.neighbourhood } : {}),
          ...(body.website ? { website: body.website } : {}),
        });
        const o = await this.organisations.create(ref, me, dto);
        return reply.redirect(`/organisations/${o.id}/gerer?fait=organisation`, 303);
      },
      summary: "L'organisation n'a pas été enregistrée : corrigez les champs signalés.",
      passOn: [NotFoundError],
      refused: (refusal) => this.renderNewOrganisation(ref, req, reply, body, refusal),
    });
  }

  @Get('organisations/:id')
  async organisation(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('envoye') sent?: string,
  ) {
    const organisation = await this.organisations.get(ref, id, req.ctx.principal);
    const ctx = await this.pageContexts.of(ref, req, organisation.name, 'projects');
    sendPage(reply, this.pages.render('organisation', { ...ctx, organisation, sent: sent === '1' }));
  }

  @Post('organisations/:id/contact')
  @SignedInPage('/organisations/:id')
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
        const dto = await validated(OrganisationMessageDto, { message: body.message ?? '' });
        await this.organisations.contact(ref, me, id, dto.message);
        return reply.redirect(`/organisations/${id}?envoye=1`, 303);
      },
      summary: 'Le message n’a pas été envoyé : corrigez le champ signalé.',
      passOn: [NotFoundError],
      refused: async ({ errors, formError, status }) => {
        const organisation = await this.organisations.get(ref, id, me);
        const ctx = await this.pageContexts.of(ref, req, `Erreur – ${organisation.name}`, 'projects');
        const page = { ...ctx, organisation, errors, formError, values: { message: body.message } };
        return sendPage(reply, this.pages.render('organisation', page), status);
      },
    });
  }

  @Get('mes-organisations')
  @SignedInPage()
  async mine(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
  ) {
    const [organisations, signUps] = await Promise.all([
      this.organisations.mine(ref, me),
      this.projects.mySignUps(ref, me),
    ]);
    const ctx = await this.pageContexts.of(ref, req, 'Mes organisations et missions', 'my-organisations');
    sendPage(
      reply,
      this.pages.render('my-organisations', { ...ctx, organisations: organisations.items, signUps: signUps.items }),
    );
  }

  /** Decisions from the moderation page (its queue lists organisations and projects too). */
  @Post('moderation/organisations/:id')
  @ModeratorPage()
  decideOrganisation(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return this.decide(ref, reply, me, 'organisations', id, body);
  }

  @Post('moderation/projets/:id')
  @ModeratorPage()
  decideProject(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return this.decide(ref, reply, me, 'projets', id, body);
  }

  private async decide(
    ref: TenantRef,
    reply: FastifyReply,
    me: Principal,
    type: 'organisations' | 'projets',
    id: string,
    body: Form,
  ) {
    try {
      const dto = await validated(DecisionDto, { action: body.action ?? '', reason: body.reason ?? '' });
      if (type === 'organisations') await this.organisations.decideOrganisation(ref, me, id, dto.action, dto.reason);
      else await this.organisations.decideProject(ref, me, id, dto.action, dto.reason);
      return reply.redirect('/moderation?fait=decision', 303);
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError) throw err;
      const errors = formErrors(err);
      const detail = errors.action
        ? 'choisissez « Publier » ou « Refuser »'
        : errors.reason
          ? `motif : ${errors.reason}`
          : err.detail;
      throw retold(err, `La décision n’a pas été enregistrée : ${detail}.`);
    }
  }

  private async renderNewOrganisation(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const [ctx, neighbourhoods] = await Promise.all([
      this.pageContexts.of(ref, req, formTitle('Présenter mon organisation', errors), 'projects'),
      this.tenants.neighbourhoods(ref),
    ]);
    const kinds = ORGANISATION_KINDS.map((value) => ({ value, label: ORGANISATION_KIND[value] }));
    return sendPage(
      reply,
      this.pages.render('new-organisation', { ...ctx, kinds, neighbourhoods, values, errors, formError }),
      status,
    );
  }
}
