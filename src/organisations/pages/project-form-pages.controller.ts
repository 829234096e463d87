import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { CreateProjectDto, UpdateProjectDto } from '../dto/organisations.dto';
import { OrganisationsService } from '../organisations.service';
import { ProjectsService } from '../projects.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Me, SignedInPage } from '@src/web/page-guard';
import { Form, FormRefusal, MISSING_OR_FORBIDDEN, submitForm, validated, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { OrganisationsPageContexts } from './organisations-page-contexts';
import { managedOrganisation, managedProject } from './managed';

/**
 * The project form, for an organisation's managers: a new project, and changes to one.
 */
@ApiExcludeController()
@Controller()
export class ProjectFormPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly pageContexts: OrganisationsPageContexts,
    private readonly tenants: TenantsService,
    private readonly organisations: OrganisationsService,
    private readonly projects: ProjectsService,
  ) {}

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
    return submitForm({
      action: async () => {
        const dto = await validated(UpdateProjectDto, { title: body.title ?? '', description: body.description ?? '' });
        await this.projects.update(ref, me, id, dto);
        return reply.redirect(`/projets/${id}?fait=modifie`, 303);
      },
      summary: "Le projet n'a pas été modifié : corrigez les champs signalés.",
      passOn: MISSING_OR_FORBIDDEN,
      refused: (refusal) => this.renderEditProject(ref, req, reply, me, id, body, refusal),
    });
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
    return submitForm({
      action: async () => {
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
      },
      summary: "Le projet n'a pas été enregistré : corrigez les champs signalés.",
      passOn: MISSING_OR_FORBIDDEN,
      refused: (refusal) => {
        const { errors } = refusal;
        if (errors['location.lat'] || errors['location.lng'])
          errors.location ??= 'position invalide : choisissez le quartier';
        return this.renderNewProject(ref, req, reply, me, id, body, refusal);
      },
    });
  }

  private async renderNewProject(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    id: string,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const organisation = await managedOrganisation(this.organisations, ref, id, me);
    const [ctx, categories, neighbourhoods] = await Promise.all([
      this.pageContexts.of(ref, req, formTitle('Nouveau projet', errors), 'my-organisations'),
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
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const project = await managedProject(this.projects, ref, id, me);
    const ctx = await this.pageContexts.of(
      ref,
      req,
      formTitle(`Modifier ${project.title}`, errors),
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
}
