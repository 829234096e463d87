import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { OrganisationMessageDto } from '../dto/organisations.dto';
import { ProjectsService } from '../projects.service';
import { Me, SignedInPage } from '@src/web/page-guard';
import { Form, FormRefusal, MISSING_OR_FORBIDDEN, submitForm, validated, formTitle } from '@src/web/forms';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { missionFromForm } from './mission-form';
import { NOTICES } from './project-notices';
import type { VolunteersExtra } from './organisations.views';
import { OrganisationsPageContexts } from './organisations-page-contexts';
import { managedProject } from './managed';

/**
 * A project's missions: signing up and withdrawing, and for the project's managers, creating one,
 * its volunteers, closing and reopening it, and a message to its volunteers.
 */
@ApiExcludeController()
@Controller()
export class MissionsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly pageContexts: OrganisationsPageContexts,
    private readonly projects: ProjectsService,
  ) {}

  @Post('missions/:id/inscription')
  @SignedInPage()
  async signUp(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    const mission = await this.projects.mission(ref, id, me);
    return submitForm({
      action: async () => {
        await this.projects.volunteer(ref, me, id, body.shareContact === 'true');
        return reply.redirect(`/projets/${mission.projectId}?fait=inscrit#mission-${id}`, 303);
      },
      passOn: [NotFoundError],
      refused: async ({ formError, status }) => {
        const project = await this.projects.get(ref, mission.projectId, me);
        const ctx = await this.pageContexts.of(ref, req, `Erreur – ${project.title}`, 'projects');
        return sendPage(reply, this.pages.render('project', { ...ctx, project, formError }), status);
      },
    });
  }

  @Post('missions/:id/desinscription')
  @SignedInPage()
  async withdraw(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    const mission = await this.projects.withdraw(ref, me, id);
    return reply.redirect(`/projets/${mission.projectId}?fait=desinscrit`, 303);
  }

  @Get('projets/:id/missions/nouvelle')
  @SignedInPage()
  async newMissionPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    return this.renderNewMission(ref, req, reply, me, id, { volunteersNeeded: '1' });
  }

  @Post('projets/:id/missions/nouvelle')
  @SignedInPage('/projets/:id/missions/nouvelle')
  async createMission(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await missionFromForm(body);
        const mission = await this.projects.addMission(ref, me, id, dto);
        return reply.redirect(`/projets/${id}?fait=mission#mission-${mission.id}`, 303);
      },
      summary: "La mission n'a pas été publiée : corrigez les champs signalés.",
      passOn: MISSING_OR_FORBIDDEN,
      refused: (refusal) => this.renderNewMission(ref, req, reply, me, id, body, refusal),
    });
  }

  @Get('missions/:id/benevoles')
  @SignedInPage()
  async volunteers(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Query('fait') done?: string,
  ) {
    return this.renderVolunteers(ref, req, reply, me, id, { notice: done ? NOTICES[done] : undefined });
  }

  @Post('missions/:id/cloture')
  @SignedInPage('/missions/:id/benevoles')
  closeMission(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    return this.setMissionOpen(ref, reply, me, id, false);
  }

  @Post('missions/:id/reouverture')
  @SignedInPage('/missions/:id/benevoles')
  reopenMission(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    return this.setMissionOpen(ref, reply, me, id, true);
  }

  @Post('missions/:id/message')
  @SignedInPage('/missions/:id/benevoles')
  async messageVolunteers(
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
        await this.projects.messageVolunteers(ref, me, id, dto.message);
        return reply.redirect(`/missions/${id}/benevoles?fait=message`, 303);
      },
      summary: 'Le message n’a pas été envoyé : corrigez le champ signalé.',
      passOn: MISSING_OR_FORBIDDEN,
      refused: ({ status, ...refusal }) =>
        this.renderVolunteers(ref, req, reply, me, id, { ...refusal, values: { message: body.message } }, status),
    });
  }

  private async setMissionOpen(ref: TenantRef, reply: FastifyReply, me: Principal, id: string, open: boolean) {
    await this.projects.setMissionOpen(ref, me, id, open);
    return reply.redirect(`/missions/${id}/benevoles?fait=${open ? 'reouverture' : 'cloture'}`, 303);
  }

  private async renderNewMission(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const project = await managedProject(this.projects, ref, id, me);
    const ctx = await this.pageContexts.of(ref, req, formTitle('Nouvelle mission', errors), 'my-organisations');
    return sendPage(reply, this.pages.render('new-mission', { ...ctx, project, values, errors, formError }), status);
  }

  private async renderVolunteers(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    extra: VolunteersExtra,
    status = 200,
  ) {
    const list = await this.projects.volunteers(ref, me, id);
    const ctx = await this.pageContexts.of(ref, req, `Bénévoles – ${list.mission.title}`, 'my-organisations');
    return sendPage(
      reply,
      this.pages.render('volunteers', { ...ctx, mission: list.mission, items: list.items, ...extra }),
      status,
    );
  }
}
