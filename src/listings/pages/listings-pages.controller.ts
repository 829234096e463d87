import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { isStaff } from '@src/accounts/roles';
import { MessageDto, ReportDto } from '../dto/listings.dto';
import { ConversationsService } from '../conversations.service';
import { ListingsService } from '../listings.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Form, submitForm, validated } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageContext, PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, SignedInPage } from '@src/web/page-guard';
import { MAP_ASSETS } from '@src/web/map-assets';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function stripEmpty(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => Boolean(e[1]) && e[0] !== 'cursor'));
}

/**
 * The listings' pages: home, search, map, a listing and its contact and report forms. Forms work
 * without JavaScript; the AuthGuard checks their Origin.
 */
@ApiExcludeController()
@Controller()
export class ListingsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    private readonly listings: ListingsService,
    private readonly conversations: ConversationsService,
  ) {}

  @Get()
  async home(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const [ctx, stats, categories, offers, requests] = await Promise.all([
      this.context(ref, req, 'Accueil', 'home'),
      this.tenants.stats(ref),
      this.tenants.categories(ref),
      this.listings.search(ref, { kind: 'offer', limit: 4 }),
      this.listings.search(ref, { kind: 'request', limit: 4 }),
    ]);
    // A commune with the organisations side shows its latest projects too.
    const projects = ctx.tenant.organisations
      ? (await this.listings.search(ref, { kind: 'project', limit: 4 })).items
      : undefined;
    sendPage(
      reply,
      this.pages.render('home', {
        ...ctx,
        stats,
        categories,
        offers: offers.items,
        requests: requests.items,
        projects,
      }),
    );
  }

  @Get('carte')
  async mapPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() raw: Form,
  ) {
    const [ctx, t, categories] = await Promise.all([
      this.context(ref, req, 'Carte des annonces', 'map'),
      this.tenants.get(ref),
      this.tenants.categories(ref),
    ]);
    const kinds = ctx.tenant.organisations ? ['offer', 'request', 'project'] : ['offer', 'request'];
    const filters = {
      kind: kinds.includes(raw.kind ?? '') ? (raw.kind as 'offer' | 'request' | 'project') : undefined,
      category: /^[a-z0-9-]{1,60}$/.test(raw.category ?? '') ? raw.category : undefined,
    };
    const page = await this.listings.search(ref, { ...filters, limit: 50 });
    const more = filters.kind === 'project' ? '/projets' : '/annonces';
    const kind = filters.kind === 'project' ? undefined : filters.kind;
    const next = page.nextCursor
      ? `${more}?${new URLSearchParams({ ...stripEmpty({ ...filters, kind }), cursor: page.nextCursor }).toString()}`
      : undefined;
    sendPage(
      reply,
      this.pages.render('map', {
        ...ctx,
        ...MAP_ASSETS,
        map: this.contexts.map(t.settings.map),
        filters,
        categories,
        items: page.items,
        next,
      }),
    );
  }

  @Get('annonces/:id')
  async listing(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query() q: Form,
  ) {
    const listing = await this.listings.get(ref, id, req.ctx.principal);
    const ctx = await this.context(ref, req, listing.title, 'listings');
    // Staff see a relayed resident's listing as its owner would, but it is not theirs.
    const relayedForStaff = 'status' in listing && listing.relayed && isStaff(req.ctx.principal);
    const mine = 'status' in listing && !relayedForStaff;
    sendPage(
      reply,
      this.pages.render('listing', {
        ...ctx,
        listing,
        mine,
        relayedForStaff,
        sent: Boolean(q.envoye),
        // The conversation the message opened, linked from the confirmation.
        conversationId: UUID.test(q.envoye ?? '') ? q.envoye : undefined,
        reported: q.signale === '1',
      }),
    );
  }

  @Post('annonces/:id/contact')
  @SignedInPage('/annonces/:id')
  async contact(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() principal: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(MessageDto, { message: body.message ?? '' });
        const { conversationId } = await this.conversations.start(ref, principal, id, dto.message);
        return reply.redirect(`/annonces/${id}?envoye=${conversationId}`, 303);
      },
      passOn: [NotFoundError],
      refused: async ({ errors, detail, status }) => {
        const listing = await this.listings.get(ref, id, principal);
        const ctx = await this.context(ref, req, `Erreur – ${listing.title}`, 'listings');
        const formError = errors.message ? 'Le message n’a pas été envoyé : corrigez le champ signalé.' : detail;
        const page = { ...ctx, listing, errors, values: { message: body.message }, formError };
        return sendPage(reply, this.pages.render('listing', page), status);
      },
    });
  }

  @Post('annonces/:id/signaler')
  @SignedInPage('/annonces/:id')
  async report(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() principal: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    const dto = await validated(ReportDto, {
      reason: body.reason ?? '',
      ...(body.comment ? { comment: body.comment } : {}),
    });
    await this.conversations.report(ref, principal, id, dto.reason, dto.comment);
    return reply.redirect(`/annonces/${id}?signale=1`, 303);
  }

  private context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    return this.contexts.of(ref, req, title, current);
  }
}
