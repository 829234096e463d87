import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { UpdateCategoryDto } from '../admin.dto';
import { AdminService } from '../admin.service';
import { Form, FormRefusal, submitForm, validated, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me } from '@src/web/page-guard';
import { AdminPage } from './admin-page';

/**
 * The federation's shared catalogue as its administrators change it (rename, describe, reorder,
 * archive), and a commune's administrators adding a category of the catalogue to their site.
 */
@ApiExcludeController()
@Controller('administration')
export class AdminCataloguePagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly admin: AdminService,
  ) {}

  /** A category of the catalogue shown by this commune from now on. */
  @Post('categories/:id/ajouter')
  @AdminPage()
  async addToSite(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    await this.admin.addTenantCategory(ref, me, id);
    reply.redirect('/administration?fait=ajoutee#titre-categories', 303);
  }

  /** Move up or down the catalogue's order, archive or bring back into service. */
  @Post('catalogue/:id/:action')
  @AdminPage()
  async act(
    @CurrentTenant() ref: TenantRef,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Param('action') action: string,
  ) {
    if (action === 'monter' || action === 'descendre')
      await this.admin.moveCategory(ref, me, id, action === 'monter' ? 'up' : 'down');
    else if (action === 'archiver' || action === 'retablir')
      await this.admin.updateCategory(ref, me, id, { archived: action === 'archiver' });
    else return reply.callNotFound();
    const done = { monter: 'ordre', descendre: 'ordre', archiver: 'archivee', retablir: 'retablie' }[action];
    reply.redirect(`/administration?fait=${done}#cat-${id}`, 303);
  }

  @Get('catalogue/:id')
  @AdminPage()
  async editPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    const c = await this.category(ref, me, id);
    return this.renderEdit(ref, req, reply, c, {
      name: c.name,
      description: c.description,
      remote: c.remote ? 'true' : undefined,
    });
  }

  @Post('catalogue/:id')
  @AdminPage()
  async edit(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    const c = await this.category(ref, me, id);
    return submitForm({
      action: async () => {
        const dto = await validated(UpdateCategoryDto, {
          name: body.name ?? '',
          description: (body.description ?? '').trim(),
          remote: body.remote === 'true',
        });
        await this.admin.updateCategory(ref, me, id, dto);
        return reply.redirect(`/administration?fait=modifiee#cat-${id}`, 303);
      },
      summary: 'La catégorie n’a pas été modifiée : corrigez les champs signalés.',
      passOn: [NotFoundError],
      refused: (refusal) => this.renderEdit(ref, req, reply, c, body, refusal),
    });
  }

  private async category(ref: TenantRef, me: Principal, id: string) {
    const c = (await this.admin.catalogue(ref, me)).find((x) => x.id === id);
    if (!c) throw new NotFoundError('Cette catégorie est introuvable.');
    return c;
  }

  private async renderEdit(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    category: { id: string; name: string; slug: string; archived: boolean },
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const title = `Modifier la catégorie « ${category.name} »`;
    const ctx = await this.contexts.of(ref, req, formTitle(title, errors), 'admin');
    sendPage(
      reply,
      this.pages.render('admin-category', { ...ctx, heading: title, category, values, errors, formError }),
      status,
    );
  }
}
