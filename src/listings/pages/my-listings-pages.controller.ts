import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { isStaff } from '@src/accounts/roles';
import { UpdateListingDto } from '../dto/listings.dto';
import { ListingsService } from '../listings.service';
import { Form, FormRefusal, submitForm, validated, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, SignedInPage } from '@src/web/page-guard';
import { TenantsService } from '@src/tenants/tenants.service';
import { OutcomesService } from '@src/outcomes/outcomes.service';
import { listingFormPage } from './listing-form';

const NOTICES: Record<string, string> = {
  prolongee: 'Votre annonce est prolongée.',
  close: 'Votre annonce est close : elle n’apparaît plus dans les recherches.',
  modifiee: 'Votre annonce est modifiée. Si elle doit être relue, elle réapparaîtra après la relecture.',
  aidee:
    'Bravo ! Votre annonce est marquée « aide trouvée » : elle ne s’affiche plus. Vous pouvez donner votre avis, ' +
    'en privé, à l’équipe de modération.',
  merci: 'Merci : votre avis est transmis, en toute confidentialité, à l’équipe de modération.',
};

/** A resident's own listings: the list, the edit form, renewing, closing, "aide trouvée". */
@ApiExcludeController()
@Controller()
export class MyListingsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly listings: ListingsService,
    private readonly tenants: TenantsService,
    private readonly outcomes: OutcomesService,
  ) {}

  @Get('mes-annonces')
  @SignedInPage()
  async myListings(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Query('fait') done?: string,
  ) {
    const [ctx, mine] = await Promise.all([
      this.contexts.of(ref, req, 'Mes annonces', 'mine'),
      this.listings.mine(ref, me),
    ]);
    sendPage(
      reply,
      this.pages.render('my-listings', { ...ctx, items: mine.items, notice: done ? NOTICES[done] : undefined }),
    );
  }

  @Get('mes-annonces/:id/modifier')
  @SignedInPage()
  async editPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    const listing = await this.listings.get(ref, id, me);
    if (!('status' in listing)) throw new NotFoundError();
    const values = {
      categoryId: listing.category.id,
      title: listing.title,
      description: listing.description,
      mode: listing.mode,
    };
    return this.renderEdit(ref, req, reply, id, values);
  }

  @Post('mes-annonces/:id/modifier')
  @SignedInPage()
  async edit(
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
        const dto = await validated(UpdateListingDto, {
          categoryId: body.categoryId ?? '',
          title: body.title ?? '',
          description: body.description ?? '',
          mode: body.mode ?? '',
          ...(location ? { location } : {}),
        });
        const updated = await this.listings.update(ref, me, id, dto);
        // Staff editing a relayed resident's listing go back to the team's pages.
        return reply.redirect(
          updated.relayed && isStaff(me) ? '/equipe/residents?fait=modifie' : '/mes-annonces?fait=modifiee',
          303,
        );
      },
      summary: 'L’annonce n’a pas été modifiée : corrigez les champs signalés.',
      passOn: [NotFoundError],
      refused: (refusal) => this.renderEdit(ref, req, reply, id, body, refusal),
    });
  }

  @Post('mes-annonces/:id/renouveler')
  @SignedInPage()
  async renew(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    await this.listings.renew(ref, me, id);
    reply.redirect('/mes-annonces?fait=prolongee', 303);
  }

  @Post('mes-annonces/:id/clore')
  @SignedInPage()
  async close(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    await this.listings.close(ref, me, id);
    reply.redirect('/mes-annonces?fait=close', 303);
  }

  @Get('mes-annonces/:id/aide-trouvee')
  @SignedInPage()
  async fulfilPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    const { listing, helpers } = await this.outcomes.helpers(ref, me, id);
    const ctx = await this.contexts.of(ref, req, 'Vous avez trouvé de l’aide', 'mine');
    sendPage(reply, this.pages.render('fulfil', { ...ctx, listing, helpers }));
  }

  @Post('mes-annonces/:id/aide-trouvee')
  @SignedInPage()
  async fulfil(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    await this.outcomes.fulfil(ref, me, id, body?.conversationId || undefined);
    reply.redirect('/mes-annonces?fait=aidee', 303);
  }

  private async renderEdit(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const form = await listingFormPage(this.contexts, this.tenants, ref, req, {
      title: formTitle('Modifier mon annonce', errors),
      current: 'mine',
    });
    const page = this.pages.render('new-listing', {
      ...form,
      editing: id,
      values,
      errors,
      formError,
    });
    return sendPage(reply, page, status);
  }
}
