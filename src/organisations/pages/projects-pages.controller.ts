import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { ProjectQuery } from '../dto/organisations.dto';
import { ProjectsService } from '../projects.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Me, SignedInPage } from '@src/web/page-guard';
import { Form, MISSING_OR_FORBIDDEN, formErrors, isFormError, submitForm, validated } from '@src/web/forms';
import { PageRenderer } from '@src/web/page-renderer';
import { parseMultipart } from '@src/web/multipart';
import { sendPage } from '@src/web/page-response';
import { NOTICES } from './project-notices';
import type { ProjectsView } from './organisations.views';
import { OrganisationsPageContexts } from './organisations-page-contexts';

function stripEmpty(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => Boolean(e[1])));
}

/** Projects: the list, a project, closing it and its image. */
@ApiExcludeController()
@Controller()
export class ProjectsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly pageContexts: OrganisationsPageContexts,
    private readonly tenants: TenantsService,
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
      this.pageContexts.of(ref, req, 'Projets', 'projects'),
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
      const missions = await this.projects.missionsOfProjects(
        ref,
        page.items.map((p) => p.id),
      );
      items = page.items.map((p) => ({ ...p, missions: missions.get(p.id) ?? [] }));
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
    const ctx = await this.pageContexts.of(ref, req, project.title, 'projects');
    sendPage(reply, this.pages.render('project', { ...ctx, project, notice: done ? NOTICES[done] : undefined }));
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
    return submitForm({
      action: async () => {
        await this.projects.setImage(ref, me, id, file?.data);
        return reply.redirect(`/projets/${id}?fait=image`, 303);
      },
      summary: (errors) => `L’image n’a pas été enregistrée : ${errors.image ?? ''}.`,
      passOn: MISSING_OR_FORBIDDEN,
      refused: async ({ errors, formError, status }) => {
        const project = await this.projects.get(ref, id, me);
        const ctx = await this.pageContexts.of(ref, req, `Erreur – ${project.title}`, 'projects');
        return sendPage(reply, this.pages.render('project', { ...ctx, project, errors, formError }), status);
      },
    });
  }
}
