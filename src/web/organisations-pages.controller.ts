import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../../libs/http';
import { CurrentTenant, Principal, TenantRef } from '../../libs/tenancy';
import { DecisionDto } from '../moderation/dto/moderation.dto';
import { CreateMissionDto, CreateOrganisationDto, CreateProjectDto, ManagerInviteDto, OrganisationMessageDto, ORGANISATION_KINDS, ProjectQuery, ReplyToDto, UpdateProjectDto } from '../organisations/dto/organisations.dto';
import { assertOrganisationsEnabled } from '../organisations/organisations-access';
import { OrganisationsService } from '../organisations/organisations.service';
import { ProjectsService } from '../organisations/projects.service';
import { TenantsService } from '../tenants/tenants.service';
import { signedIn, withRole } from './access';
import { Form, formAlert, formErrors, isFormError, validated } from './forms';
import { PageContexts } from './page-context';
import { ORGANISATION_KIND, PageContext, PageRenderer } from './page-renderer';
import { parseMultipart } from './multipart';
import { sendPage } from './page-response';

const STAFF = new Set(['moderator', 'admin', 'federation_admin']);
const NOTICES: Record<string, string> = {
  inscrit: 'Vous êtes inscrit(e) : les responsables du projet vous écriront par le site.',
  desinscrit: 'Vous êtes désinscrit(e) de cette mission.',
  mission: 'La mission est publiée.',
  projet: 'Le projet est enregistré.',
  image: 'L’image du projet est enregistrée.',
  organisation: 'Votre organisation est enregistrée : elle sera visible après relecture par l’équipe de modération.',
  responsable: 'Si cette adresse est celle d’un habitant inscrit, il ou elle est maintenant responsable et en est informé(e) par e-mail.',
  reponse: 'Votre réponse est envoyée par e-mail.',
  message: 'Votre message est envoyé aux bénévoles.',
  modifie: 'Les modifications du projet sont enregistrées.',
  clos: 'Le projet est clos : il n’apparaît plus sur les pages publiques.',
  cloture: 'Les inscriptions à cette mission sont closes. Les alertes qui n’étaient pas encore parties ne seront pas envoyées.',
  reouverture: 'Les inscriptions à cette mission sont de nouveau ouvertes.',
};

/**
 * The organisations side of a commune's site: projects and their missions, organisations,
 * sign-ups, and the pages of an organisation's managers. 404 where the tenant has it off.
 */
@ApiExcludeController()
@Controller()
export class OrganisationsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    private readonly organisations: OrganisationsService,
    private readonly projects: ProjectsService,
  ) {}

  @Get('projets')
  async list(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Form) {
    const filters = { category: raw.category || undefined, neighbourhood: raw.neighbourhood || undefined, q: raw.q?.trim() || undefined };
    const [ctx, categories, neighbourhoods] = await Promise.all([this.context(ref, req, 'Projets', 'projects'), this.tenants.categories(ref), this.tenants.neighbourhoods(ref)]);
    let items: unknown[] = [];
    let next: string | undefined;
    let errors: Record<string, string> | undefined;
    try {
      const query = await validated(ProjectQuery, { ...stripEmpty(filters), ...(raw.cursor ? { cursor: raw.cursor } : {}), limit: '20' });
      const page = await this.projects.search(ref, query);
      items = page.items;
      if (page.nextCursor) next = `/projets?${new URLSearchParams({ ...stripEmpty(filters), cursor: page.nextCursor })}`;
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      errors = formErrors(err);
    }
    sendPage(reply, this.pages.render('projects', { ...ctx, title: errors ? 'Erreur dans les filtres – Projets' : 'Projets', filters, categories, neighbourhoods, items, next, errors }), errors ? 422 : 200);
  }

  @Get('projets/:id')
  async project(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('fait') done?: string) {
    const project = await this.projects.get(ref, id, req.ctx.principal);
    const ctx = await this.context(ref, req, project.title, 'projects');
    sendPage(reply, this.pages.render('project', { ...ctx, project, notice: done ? NOTICES[done] : undefined }));
  }

  @Get('projets/:id/modifier')
  async editProjectPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    return this.renderEditProject(ref, req, reply, me, id);
  }

  @Post('projets/:id/modifier')
  async editProject(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply, `/projets/${id}/modifier`);
    if (!me) return;
    try {
      const dto = await validated(UpdateProjectDto, { title: body.title ?? '', description: body.description ?? '' });
      await this.projects.update(ref, me, id, dto);
      return reply.redirect(`/projets/${id}?fait=modifie`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404 || err.problem.status === 403) throw err;
      const errors = formErrors(err);
      return this.renderEditProject(ref, req, reply, me, id, body, errors, formAlert(err, errors, "Le projet n'a pas été modifié : corrigez les champs signalés."), err.problem.status);
    }
  }

  @Post('projets/:id/clore')
  async closeProject(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply, `/projets/${id}/modifier`);
    if (!me) return;
    await this.projects.update(ref, me, id, { status: 'closed' });
    return reply.redirect(`/projets/${id}?fait=clos`, 303);
  }

  /** The project's image from the site's form (multipart/form-data, field `image`). */
  @Post('projets/:id/image')
  async uploadImage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply, `/projets/${id}`);
    if (!me) return;
    const file = Buffer.isBuffer(req.body) ? parseMultipart(req.body, req.headers['content-type']).find((p) => p.name === 'image') : undefined;
    try {
      await this.projects.setImage(ref, me, id, file?.data);
      return reply.redirect(`/projets/${id}?fait=image`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404 || err.problem.status === 403) throw err;
      const project = await this.projects.get(ref, id, me);
      const ctx = await this.context(ref, req, `Erreur – ${project.title}`, 'projects');
      const errors = formErrors(err);
      return sendPage(reply, this.pages.render('project', { ...ctx, project, errors, formError: formAlert(err, errors, `L’image n’a pas été enregistrée : ${errors.image ?? ''}.`) }), err.problem.status);
    }
  }

  @Post('missions/:id/inscription')
  async signUp(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply);
    if (!me) return;
    const mission = await this.projects.mission(ref, id, me);
    try {
      await this.projects.volunteer(ref, me, id, body.shareContact === 'true');
      return reply.redirect(`/projets/${mission.projectId}?fait=inscrit#mission-${id}`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const project = await this.projects.get(ref, mission.projectId, me);
      const ctx = await this.context(ref, req, `Erreur – ${project.title}`, 'projects');
      return sendPage(reply, this.pages.render('project', { ...ctx, project, formError: err.problem.detail }), err.problem.status);
    }
  }

  @Post('missions/:id/desinscription')
  async withdraw(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    const mission = await this.projects.withdraw(ref, me, id);
    return reply.redirect(`/projets/${mission.projectId}?fait=desinscrit`, 303);
  }

  @Get('organisations')
  async organisationList(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('apres') cursor?: string) {
    const list = await this.organisations.list(ref, 50, cursor);
    const ctx = await this.context(ref, req, 'Organisations', 'projects');
    const next = list.nextCursor ? `/organisations?apres=${encodeURIComponent(list.nextCursor)}` : undefined;
    sendPage(reply, this.pages.render('organisations', { ...ctx, items: list.items, next }));
  }

  @Get('organisations/nouvelle')
  async newOrganisationPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await assertOrganisationsEnabled(this.tenants, ref);
    if (!signedIn(req, reply)) return;
    return this.renderNewOrganisation(ref, req, reply, {});
  }

  @Post('organisations/nouvelle')
  async createOrganisation(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Form) {
    await assertOrganisationsEnabled(this.tenants, ref);
    const me = signedIn(req, reply, '/organisations/nouvelle');
    if (!me) return;
    try {
      const dto = await validated(CreateOrganisationDto, {
        name: body.name ?? '',
        kind: body.kind ?? '',
        description: body.description ?? '',
        ...(body.neighbourhood ? { neighbourhood: body.neighbourhood } : {}),
        ...(body.website ? { website: body.website } : {}),
      });
      const o = await this.organisations.create(ref, me, dto);
      return reply.redirect(`/organisations/${o.id}/gerer?fait=organisation`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const errors = formErrors(err);
      return this.renderNewOrganisation(ref, req, reply, body, errors, formAlert(err, errors, "L'organisation n'a pas été enregistrée : corrigez les champs signalés."), err.problem.status);
    }
  }

  @Get('organisations/:id')
  async organisation(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('envoye') sent?: string) {
    const organisation = await this.organisations.get(ref, id, req.ctx.principal);
    const ctx = await this.context(ref, req, organisation.name, 'projects');
    sendPage(reply, this.pages.render('organisation', { ...ctx, organisation, sent: sent === '1' }));
  }

  @Post('organisations/:id/contact')
  async contact(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply, `/organisations/${id}`);
    if (!me) return;
    try {
      const dto = await validated(OrganisationMessageDto, { message: body.message ?? '' });
      await this.organisations.contact(ref, me, id, dto.message);
      return reply.redirect(`/organisations/${id}?envoye=1`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const organisation = await this.organisations.get(ref, id, me);
      const ctx = await this.context(ref, req, `Erreur – ${organisation.name}`, 'projects');
      const errors = formErrors(err);
      const formError = formAlert(err, errors, 'Le message n’a pas été envoyé : corrigez le champ signalé.');
      return sendPage(reply, this.pages.render('organisation', { ...ctx, organisation, errors, formError, values: { message: body.message } }), err.problem.status);
    }
  }

  @Get('organisations/:id/gerer')
  async manage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('fait') done?: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    return this.renderManage(ref, req, reply, me, id, { notice: done ? NOTICES[done] : undefined });
  }

  @Post('organisations/:id/responsables')
  async invite(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply, `/organisations/${id}/gerer`);
    if (!me) return;
    try {
      const dto = await validated(ManagerInviteDto, { email: body.email ?? '' });
      await this.organisations.inviteManager(ref, me, id, dto.email);
      return reply.redirect(`/organisations/${id}/gerer?fait=responsable`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404 || err.problem.status === 403) throw err;
      const errors = formErrors(err);
      return this.renderManage(ref, req, reply, me, id, { errors, values: { email: body.email }, formError: formAlert(err, errors, 'Personne n’a été ajouté : corrigez l’adresse.') }, err.problem.status);
    }
  }

  @Post('organisations/:id/repondre')
  async reply(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply, `/organisations/${id}/gerer`);
    if (!me) return;
    try {
      const dto = await validated(ReplyToDto, { messageId: body.messageId ?? '', message: body.message ?? '' });
      await this.organisations.reply(ref, me, id, dto.messageId, dto.message);
      return reply.redirect(`/organisations/${id}/gerer?fait=reponse`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404 || err.problem.status === 403) throw err;
      const errors = formErrors(err);
      return this.renderManage(ref, req, reply, me, id, { formError: formAlert(err, errors, `La réponse n’a pas été envoyée : ${Object.values(errors)[0] ?? ''}.`) }, err.problem.status);
    }
  }

  @Get('organisations/:id/projets/nouveau')
  async newProjectPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    return this.renderNewProject(ref, req, reply, me, id, { ongoing: 'true' });
  }

  @Post('organisations/:id/projets/nouveau')
  async createProject(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply, `/organisations/${id}/projets/nouveau`);
    if (!me) return;
    try {
      const location = await this.contexts.chosenPoint(ref, body);
      if (!location) throw ProblemException.invalid([{ field: 'location', message: 'choisissez le quartier du projet' }]);
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
      if (!isFormError(err) || err.problem.status === 404 || err.problem.status === 403) throw err;
      const errors = formErrors(err);
      if (errors['location.lat'] || errors['location.lng']) errors.location ??= 'position invalide : choisissez le quartier';
      return this.renderNewProject(ref, req, reply, me, id, body, errors, formAlert(err, errors, "Le projet n'a pas été enregistré : corrigez les champs signalés."), err.problem.status);
    }
  }

  @Get('projets/:id/missions/nouvelle')
  async newMissionPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    return this.renderNewMission(ref, req, reply, me, id, { volunteersNeeded: '1' });
  }

  @Post('projets/:id/missions/nouvelle')
  async createMission(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply, `/projets/${id}/missions/nouvelle`);
    if (!me) return;
    try {
      const dto = await validated(CreateMissionDto, {
        title: body.title ?? '',
        when: body.when ?? '',
        volunteersNeeded: body.volunteersNeeded ?? '',
        skills: (body.skills ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        ...(body.description ? { description: body.description } : {}),
      });
      const mission = await this.projects.addMission(ref, me, id, dto);
      return reply.redirect(`/projets/${id}?fait=mission#mission-${mission.id}`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404 || err.problem.status === 403) throw err;
      const errors = formErrors(err);
      return this.renderNewMission(ref, req, reply, me, id, body, errors, formAlert(err, errors, "La mission n'a pas été publiée : corrigez les champs signalés."), err.problem.status);
    }
  }

  @Get('missions/:id/benevoles')
  async volunteers(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('fait') done?: string) {
    const me = signedIn(req, reply);
    if (!me) return;
    return this.renderVolunteers(ref, req, reply, me, id, { notice: done ? NOTICES[done] : undefined });
  }

  @Post('missions/:id/cloture')
  closeMission(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.setMissionOpen(ref, req, reply, id, false);
  }

  @Post('missions/:id/reouverture')
  reopenMission(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.setMissionOpen(ref, req, reply, id, true);
  }

  private async setMissionOpen(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, id: string, open: boolean) {
    const me = signedIn(req, reply, `/missions/${id}/benevoles`);
    if (!me) return;
    await this.projects.setMissionOpen(ref, me, id, open);
    return reply.redirect(`/missions/${id}/benevoles?fait=${open ? 'reouverture' : 'cloture'}`, 303);
  }

  @Post('missions/:id/message')
  async messageVolunteers(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    const me = signedIn(req, reply, `/missions/${id}/benevoles`);
    if (!me) return;
    try {
      const dto = await validated(OrganisationMessageDto, { message: body.message ?? '' });
      await this.projects.messageVolunteers(ref, me, id, dto.message);
      return reply.redirect(`/missions/${id}/benevoles?fait=message`, 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404 || err.problem.status === 403) throw err;
      const errors = formErrors(err);
      return this.renderVolunteers(ref, req, reply, me, id, { errors, values: { message: body.message }, formError: formAlert(err, errors, 'Le message n’a pas été envoyé : corrigez le champ signalé.') }, err.problem.status);
    }
  }

  @Get('mes-organisations')
  async mine(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const me = signedIn(req, reply);
    if (!me) return;
    const [organisations, signUps] = await Promise.all([this.organisations.mine(ref, me), this.projects.mySignUps(ref, me)]);
    const ctx = await this.context(ref, req, 'Mes organisations et missions', 'my-organisations');
    sendPage(reply, this.pages.render('my-organisations', { ...ctx, organisations: organisations.items, signUps: signUps.items }));
  }

  /** Decisions from the moderation page (its queue lists organisations and projects too). */
  @Post('moderation/organisations/:id')
  decideOrganisation(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    return this.decide(ref, req, reply, 'organisations', id, body);
  }

  @Post('moderation/projets/:id')
  decideProject(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Form) {
    return this.decide(ref, req, reply, 'projets', id, body);
  }

  private async decide(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, type: 'organisations' | 'projets', id: string, body: Form) {
    const me = withRole(req, reply, STAFF, 'Cette page est réservée à l’équipe de modération de la commune.');
    if (!me) return;
    try {
      const dto = await validated(DecisionDto, { action: body.action ?? '', reason: body.reason ?? '' });
      if (type === 'organisations') await this.organisations.decideOrganisation(ref, me, id, dto.action, dto.reason);
      else await this.organisations.decideProject(ref, me, id, dto.action, dto.reason);
      return reply.redirect('/moderation?fait=decision', 303);
    } catch (err) {
      if (!isFormError(err) || err.problem.status === 404) throw err;
      const errors = formErrors(err);
      const detail = errors.action ? 'choisissez « Publier » ou « Refuser »' : errors.reason ? `motif : ${errors.reason}` : err.problem.detail;
      throw new ProblemException({ ...err.problem, detail: `La décision n’a pas été enregistrée : ${detail}.` });
    }
  }

  private async renderNewOrganisation(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, values: Form, errors?: Record<string, string>, formError?: string, status = 200) {
    const [ctx, neighbourhoods] = await Promise.all([this.context(ref, req, errors ? 'Erreur – Présenter mon organisation' : 'Présenter mon organisation', 'projects'), this.tenants.neighbourhoods(ref)]);
    const kinds = ORGANISATION_KINDS.map((value) => ({ value, label: ORGANISATION_KIND[value] }));
    return sendPage(reply, this.pages.render('new-organisation', { ...ctx, kinds, neighbourhoods, values, errors, formError }), status);
  }

  private async renderManage(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, me: Principal, id: string, extra: Record<string, unknown>, status = 200) {
    const organisation = await this.organisations.get(ref, id, me);
    if (!organisation.manager) throw ProblemException.notFound('Cette organisation est introuvable.');
    const inbox = await this.organisations.inbox(ref, me, id);
    const ctx = await this.context(ref, req, `Gérer ${organisation.name}`, 'my-organisations');
    return sendPage(reply, this.pages.render('manage-organisation', { ...ctx, organisation, messages: inbox.items, ...extra }), status);
  }

  private async renderNewProject(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, me: Principal, id: string, values: Form, errors?: Record<string, string>, formError?: string, status = 200) {
    const organisation = await this.organisations.get(ref, id, me);
    if (!organisation.manager) throw ProblemException.notFound('Cette organisation est introuvable.');
    const [ctx, categories, neighbourhoods] = await Promise.all([
      this.context(ref, req, errors ? 'Erreur – Nouveau projet' : 'Nouveau projet', 'my-organisations'),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    return sendPage(reply, this.pages.render('new-project', { ...ctx, organisation, categories, neighbourhoods, values, errors, formError }), status);
  }

  private async renderEditProject(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, me: Principal, id: string, values?: Form, errors?: Record<string, string>, formError?: string, status = 200) {
    const project = await this.projects.get(ref, id, me);
    if (!project.manager) throw ProblemException.notFound('Ce projet est introuvable.');
    const ctx = await this.context(ref, req, errors ? `Erreur – Modifier ${project.title}` : `Modifier ${project.title}`, 'my-organisations');
    return sendPage(reply, this.pages.render('edit-project', { ...ctx, project, values: values ?? { title: project.title, description: project.description }, errors, formError }), status);
  }

  private async renderNewMission(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, me: Principal, id: string, values: Form, errors?: Record<string, string>, formError?: string, status = 200) {
    const project = await this.projects.get(ref, id, me);
    if (!project.manager) throw ProblemException.notFound('Ce projet est introuvable.');
    const ctx = await this.context(ref, req, errors ? 'Erreur – Nouvelle mission' : 'Nouvelle mission', 'my-organisations');
    return sendPage(reply, this.pages.render('new-mission', { ...ctx, project, values, errors, formError }), status);
  }

  private async renderVolunteers(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, me: Principal, id: string, extra: Record<string, unknown>, status = 200) {
    const list = await this.projects.volunteers(ref, me, id);
    const ctx = await this.context(ref, req, `Bénévoles – ${list.mission.title}`, 'my-organisations');
    return sendPage(reply, this.pages.render('volunteers', { ...ctx, mission: list.mission, items: list.items, ...extra }), status);
  }

  private async context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    await assertOrganisationsEnabled(this.tenants, ref);
    const ctx = await this.contexts.of(ref, req, title, current);
    return { ...ctx, organisationsName: (ctx.tenant.organisations as { siteName?: string } | undefined)?.siteName ?? ctx.tenant.siteName };
  }
}

function stripEmpty(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => Boolean(e[1])));
}
