import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, InvalidError, NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import {
  CreateMissionDto,
  CreateProjectDto,
  OrganisationMessageDto,
  ProjectQuery,
  UpdateProjectDto,
} from '../dto/organisations.dto';
import { assertOrganisationsEnabled } from '../organisations-access';
import { OrganisationsService } from '../organisations.service';
import { ProjectsService } from '../projects.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Me, SignedInPage } from '@src/web/page-guard';
import { Form, formAlert, formErrors, formStatus, isFormError, validated } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageContext, PageRenderer } from '@src/web/page-renderer';
import { parseMultipart } from '@src/web/multipart';
import { sendPage } from '@src/web/page-response';
import type { OrganisationsPage, ProjectsView, VolunteersExtra } from './organisations.views';

const NOTICES: Record<string, string> = {
  inscrit: 'Vous êtes inscrit(e) : les responsables du projet vous écriront par le site.',
  desinscrit: 'Vous êtes désinscrit(e) de cette mission.',
  mission: 'La mission est publiée.',
  projet: 'Le projet est enregistré.',
  image: 'L’image du projet est enregistrée.',
  message: 'Votre message est envoyé aux bénévoles.',
  modifie: 'Les modifications du projet sont enregistrées.',
  clos: 'Le projet est clos : il n’apparaît plus sur les pages publiques.',
  cloture:
    'Les inscriptions à cette mission sont closes. Les alertes qui n’étaient pas encore parties ne seront pas ' +
    'envoyées.',
  reouverture: 'Les inscriptions à cette mission sont de nouveau ouvertes.',
};

function stripEmpty(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => Boolean(e[1])));
}

/** Projects and their missions: the list, a project, its editing and image, missions and their volunteers. */
@ApiExcludeController()
@Controller()
export class ProjectsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    private readonly organisations: OrganisationsService,
    private readonly projects: ProjectsService,
  ) {}

  @Get('projets')
  async list(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() raw: Form,
  ) {
    const filters = {
      category: raw.category || undefined,
      neighbourhood: raw.neighbourhood || undefined,
      q: raw.q?.trim() || undefined,
    };
    const [ctx, categories, neighbourhoods] = await Promise.all([
      this.context(ref, req, 'Projets', 'projects'),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    let items: ProjectsView['items'] = [];
    let next: string | undefined;
    let errors: Record<string, string> | undefined;
    try {
      const query = await validated(ProjectQuery, {
        ...stripEmpty(filters),
        ...(raw.cursor ? { cursor: raw.cursor } : {}),
        limit: '20',
      });
      const page = await this.projects.search(ref, query);
      items = page.items;
      if (page.nextCursor)
        next = `/projets?${new URLSearchParams({ ...stripEmpty(filters), cursor: page.nextCursor }).toString()}`;
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError) throw err;
      errors = formErrors(err);
    }
    sendPage(
      reply,
      this.pages.render('projects', {
        ...ctx,
        title: errors ? 'Erreur dans les filtres – Projets' : 'Projets',
        filters,
        categories,
        neighbourhoods,
        items,
        next,
        errors,
      }),
      errors ? 422 : 200,
    );
  }

  @Get('projets/:id')
  async project(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('fait') done?: string,
  ) {
    const project = await this.projects.get(ref, id, req.ctx.principal);
    const ctx = await this.context(ref, req, project.title, 'projects');
    sendPage(reply, this.pages.render('project', { ...ctx, project, notice: done ? NOTICES[done] : undefined }));
  }

  @Get('projets/:id/modifier')
  @SignedInPage()
  async editProjectPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    return this.renderEditProject(ref, req, reply, me, id);
  }

  @Post('projets/:id/modifier')
  @SignedInPage('/projets/:id/modifier')
  async editProject(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    try {
      const dto = await validated(UpdateProjectDto, { title: body.title ?? '', description: body.description ?? '' });
      await this.projects.update(ref, me, id, dto);
      return reply.redirect(`/projets/${id}?fait=modifie`, 303);
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError || err instanceof ForbiddenError) throw err;
      const errors = formErrors(err);
      return this.renderEditProject(
        ref,
        req,
        reply,
        me,
        id,
        body,
        errors,
        formAlert(err, errors, "Le projet n'a pas été modifié : corrigez les champs signalés."),
        formStatus(err),
      );
    }
  }

  @Post('projets/:id/clore')
  @SignedInPage('/projets/:id/modifier')
  async closeProject(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    await this.projects.update(ref, me, id, { status: 'closed' });
    return reply.redirect(`/projets/${id}?fait=clos`, 303);
  }

  /** The project's image from the site's form (multipart/form-data, field `image`). */
  @Post('projets/:id/image')
  @SignedInPage('/projets/:id')
  async uploadImage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    const file = Buffer.isBuffer(req.body)
      ? parseMultipart(req.body, req.headers['content-type']).find((p) => p.name === 'image')
      : undefined;
    try {
      await this.projects.setImage(ref, me, id, file?.data);
      return reply.redirect(`/projets/${id}?fait=image`, 303);
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError || err instanceof ForbiddenError) throw err;
      const project = await this.projects.get(ref, id, me);
      const ctx = await this.context(ref, req, `Erreur – ${project.title}`, 'projects');
      const errors = formErrors(err);
      return sendPage(
        reply,
        this.pages.render('project', {
          ...ctx,
          project,
          errors,
          formError: formAlert(err, errors, `L’image n’a pas été enregistrée : ${errors.image ?? ''}.`),
        }),
        formStatus(err),
      );
    }
  }

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
    try {
      await this.projects.volunteer(ref, me, id, body.shareContact === 'true');
      return reply.redirect(`/projets/${mission.projectId}?fait=inscrit#mission-${id}`, 303);
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError) throw err;
      const project = await this.projects.get(ref, mission.projectId, me);
      const ctx = await this.context(ref, req, `Erreur – ${project.title}`, 'projects');
      return sendPage(reply, this.pages.render('project', { ...ctx, project, formError: err.detail }), formStatus(err));
    }
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

  @Get('organisations/:id/projets/nouveau')
  @SignedInPage()
  async newProjectPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    return this.renderNewProject(ref, req, reply, me, id, { ongoing: 'true' });
  }

  @Post('organisations/:id/projets/nouveau')
  @SignedInPage('/organisations/:id/projets/nouveau')
  async createProject(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    try {
      const location = await this.contexts.chosenPoint(ref, body);
      if (!location) throw new InvalidError([{ field: 'location', message: 'choisissez le quartier du projet' }]);
      const dto = await validated(CreateProjectDto, {
        organisationId: id,
        title: body.title ?? '',
        description: body.description ?? '',
        categoryId: body.categoryId ?? '',
        location,
        ongoing: body.ongoing === 'true',
        ...(body.startsOn ? { startsOn: body.startsOn } : {}),
        ...(body.endsOn ? { endsOn: body.endsOn } : {}),
      });
      const project = await this.projects.create(ref, me, dto);
      return reply.redirect(`/projets/${project.id}?fait=projet`, 303);
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError || err instanceof ForbiddenError) throw err;
      const errors = formErrors(err);
      if (errors['location.lat'] || errors['location.lng'])
        errors.location ??= 'position invalide : choisissez le quartier';
      return this.renderNewProject(
        ref,
        req,
        reply,
        me,
        id,
        body,
        errors,
        formAlert(err, errors, "Le projet n'a pas été enregistré : corrigez les champs signalés."),
        formStatus(err),
      );
    }
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
    try {
      const dto = await validated(CreateMissionDto, {
        title: body.title ?? '',
        when: body.when ?? '',
        volunteersNeeded: body.volunteersNeeded ?? '',
        skills: (body.skills ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        ...(body.description ? { description: body.description } : {}),
      });
      const mission = await this.projects.addMission(ref, me, id, dto);
      return reply.redirect(`/projets/${id}?fait=mission#mission-${mission.id}`, 303);
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError || err instanceof ForbiddenError) throw err;
      const errors = formErrors(err);
      return this.renderNewMission(
        ref,
        req,
        reply,
        me,
        id,
        body,
        errors,
        formAlert(err, errors, "La mission n'a pas été publiée : corrigez les champs signalés."),
        formStatus(err),
      );
    }
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

  private async setMissionOpen(ref: TenantRef, reply: FastifyReply, me: Principal, id: string, open: boolean) {
    await this.projects.setMissionOpen(ref, me, id, open);
    return reply.redirect(`/missions/${id}/benevoles?fait=${open ? 'reouverture' : 'cloture'}`, 303);
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
    try {
      const dto = await validated(OrganisationMessageDto, { message: body.message ?? '' });
      await this.projects.messageVolunteers(ref, me, id, dto.message);
      return reply.redirect(`/missions/${id}/benevoles?fait=message`, 303);
    } catch (err) {
      if (!isFormError(err) || err instanceof NotFoundError || err instanceof ForbiddenError) throw err;
      const errors = formErrors(err);
      return this.renderVolunteers(
        ref,
        req,
        reply,
        me,
        id,
        {
          errors,
          values: { message: body.message },
          formError: formAlert(err, errors, 'Le message n’a pas été envoyé : corrigez le champ signalé.'),
        },
        formStatus(err),
      );
    }
  }

  private async renderNewProject(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    values: Form,
    errors?: Record<string, string>,
    formError?: string,
    status = 200,
  ) {
    const organisation = await this.organisations.get(ref, id, me);
    if (!organisation.manager) throw new NotFoundError('Cette organisation est introuvable.');
    const [ctx, categories, neighbourhoods] = await Promise.all([
      this.context(ref, req, errors ? 'Erreur – Nouveau projet' : 'Nouveau projet', 'my-organisations'),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    return sendPage(
      reply,
      this.pages.render('new-project', { ...ctx, organisation, categories, neighbourhoods, values, errors, formError }),
      status,
    );
  }

  private async renderEditProject(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    values?: Form,
    errors?: Record<string, string>,
    formError?: string,
    status = 200,
  ) {
    const project = await this.projects.get(ref, id, me);
    if (!project.manager) throw new NotFoundError('Ce projet est introuvable.');
    const ctx = await this.context(
      ref,
      req,
      errors ? `Erreur – Modifier ${project.title}` : `Modifier ${project.title}`,
      'my-organisations',
    );
    return sendPage(
      reply,
      this.pages.render('edit-project', {
        ...ctx,
        project,
        values: values ?? { title: project.title, description: project.description },
        errors,
        formError,
      }),
      status,
    );
  }

  private async renderNewMission(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    values: Form,
    errors?: Record<string, string>,
    formError?: string,
    status = 200,
  ) {
    const project = await this.projects.get(ref, id, me);
    if (!project.manager) throw new NotFoundError('Ce projet est introuvable.');
    const ctx = await this.context(
      ref,
      req,
      errors ? 'Erreur – Nouvelle mission' : 'Nouvelle mission',
      'my-organisations',
    );
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
    const ctx = await this.context(ref, req, `Bénévoles – ${list.mission.title}`, 'my-organisations');
    return sendPage(
      reply,
      this.pages.render('volunteers', { ...ctx, mission: list.mission, items: list.items, ...extra }),
      status,
    );
  }

  private async context(
    ref: TenantRef,
    req: FastifyRequest,
    title: string,
    current?: string,
  ): Promise<PageContext & OrganisationsPage> {
    await assertOrganisationsEnabled(this.tenants, ref);
    const ctx = await this.contexts.of(ref, req, title, current);
    return { ...ctx, organisationsName: ctx.tenant.organisations?.siteName ?? ctx.tenant.siteName };
  }
}
