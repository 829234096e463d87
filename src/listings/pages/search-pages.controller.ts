import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { frenchNumber } from '@libs/text';
import { AccountsService } from '@src/accounts/accounts.service';
import { UpdateMeDto } from '@src/accounts/dto/accounts.dto';
import { TenantsService } from '@src/tenants/tenants.service';
import { Form, formErrors, isFormError, validated } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, SignedInPage } from '@src/web/page-guard';
import { SearchListingsQuery } from '../dto/listings.dto';
import { COUNT_CAP } from '../listings.search';
import { ListingsService } from '../listings.service';
import type { ListingsView } from './listings.views';
import { NEAR_DEFAULT_M, NEAR_RADII, NearMe } from './near-me';

/** The search form's fields, as read from the query string (anything else is ignored). */
function searchFilters(raw: Form) {
  const coord = (v?: string) => (v && /^-?\d{1,3}(\.\d{1,7})?$/.test(v) ? v : v ? 'x' : undefined);
  return {
    kind: raw.kind === 'offer' || raw.kind === 'request' ? raw.kind : undefined,
    category: raw.category || undefined,
    neighbourhood: raw.neighbourhood || undefined,
    q: raw.q?.trim() || undefined,
    pres: raw.pres === '1' ? '1' : undefined,
    autour: raw.autour || undefined,
    adresse: raw.adresse?.trim() || undefined,
    lat: coord(raw.lat),
    lng: coord(raw.lng),
    rayon: NEAR_RADII.includes(Number(raw.rayon)) ? raw.rayon : undefined,
    cursor: raw.cursor || undefined,
  };
}

function stripEmpty(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => Boolean(e[1]) && e[0] !== 'cursor'));
}

/** "12 annonces trouvées", "Plus de 1 000 annonces trouvées", "Aucune annonce trouvée". */
function countLabel(n: number): string {
  if (n === 0) return 'Aucune annonce trouvée';
  if (n > COUNT_CAP) return `Plus de ${frenchNumber(COUNT_CAP)} annonces trouvées`;
  return n === 1 ? '1 annonce trouvée' : `${frenchNumber(n)} annonces trouvées`;
}

const radiusLabel = (m: number) => (m < 1000 ? `${m} m` : `${m / 1000} km`);

/**
 * The listings' search page and "M'alerter pour cette recherche". Near-me works signed out (the
 * browser's position on a click, an address, a neighbourhood); the page says how many listings
 * it found and, once filtered, puts the focus on that count.
 */
@ApiExcludeController()
@Controller()
export class SearchPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    private readonly listings: ListingsService,
    private readonly accounts: AccountsService,
    private readonly nearMe: NearMe,
  ) {}

  @Get('annonces')
  async browse(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() raw: Form,
  ) {
    const filters = searchFilters(raw);
    const [ctx, { categories, neighbourhoods }, me, place] = await Promise.all([
      this.contexts.of(ref, req, 'Annonces', 'listings'),
      this.listings.filterChoices(ref),
      this.contexts.account(ref, req),
      this.nearMe.resolve(ref, req, filters),
    ]);
    const radius = Number(filters.rayon ?? NEAR_DEFAULT_M);
    let items: ListingsView['items'] = [];
    let next: string | undefined;
    let count: string | undefined;
    let errors = place.errors;
    try {
      // The search's own fields (a rest with excluded keys would be copied by V8's runtime, property by property).
      const searchable = {
        kind: filters.kind,
        category: filters.category,
        neighbourhood: filters.neighbourhood,
        q: filters.q,
        cursor: filters.cursor,
      };
      const near = place.near ? { near: `${place.near.lat},${place.near.lng}`, radius: String(radius) } : {};
      const query = await validated(SearchListingsQuery, { ...searchable, ...near, limit: '20' });
      // The first page announces how many were found; the next pages do not count again.
      const page = await this.listings.search(ref, query, { count: !filters.cursor });
      const total = 'total' in page ? page.total : undefined;
      items = page.items;
      if (total !== undefined)
        count = `${countLabel(total)}${place.label ? ` à moins de ${radiusLabel(radius)} ${place.label}` : ''}`;
      if (page.nextCursor)
        next = `/annonces?${new URLSearchParams({ ...stripEmpty(filters), cursor: page.nextCursor }).toString()}`;
    } catch (err) {
      if (!isFormError(err)) throw err;
      errors = { ...errors, ...formErrors(err) };
    }
    const title = errors ? 'Erreur dans les filtres – Annonces' : 'Annonces';
    // The neighbourhood searched stands for a home the account may not have saved yet.
    const alertable = stripEmpty({
      kind: filters.kind,
      category: filters.category,
      neighbourhood: filters.autour ?? filters.neighbourhood,
    });
    const view = {
      ...ctx,
      title,
      filters,
      categories,
      neighbourhoods,
      items,
      next,
      errors,
      count,
      // Filtered (the form was sent, or a next page): the count takes the focus, so it is announced.
      focusResults: Object.keys(stripEmpty(raw)).length > 0 || Boolean(filters.cursor),
      canNearMe: Boolean(me?.location),
      addressSearch: this.nearMe.addressSearch,
      radii: NEAR_RADII.map((m) => ({ value: String(m), label: radiusLabel(m), selected: m === radius })),
      alert: { fields: alertable, returnPath: req.url },
      scripts: ['/assets/near-me.js'],
    };
    sendPage(reply, this.pages.render('listings', view), errors ? 422 : 200);
  }

  /**
   * The resident's alert becomes this search: its kind (offers, requests or both) and its
   * category (or every category); the mode turns on (at once) if it was off, the radius stays.
   * Without a saved home, a searched neighbourhood becomes it; else "Mon compte" asks for one.
   */
  @Post('annonces/alerte')
  @SignedInPage('/annonces')
  async alertFromSearch(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() principal: Principal,
    @Body() body: Form,
  ) {
    const [account, categories, neighbourhoods] = await Promise.all([
      this.contexts.account(ref, req).then((a) => a!),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    const category = categories.find((c) => c.slug === body.category);
    const home = account.location ?? neighbourhoods.find((n) => n.slug === body.neighbourhood)?.centre;
    const kinds = body.kind === 'offer' || body.kind === 'request' ? [body.kind] : ['offer', 'request'];
    const dto = await validated(UpdateMeDto, {
      ...(home && !account.location ? { location: home } : {}),
      notifications: {
        mode: account.notifyMode === 'off' ? 'immediate' : account.notifyMode,
        categoryIds: category ? [category.id] : categories.map((c) => c.id),
        kinds,
      },
    });
    await this.accounts.updateMe(ref, principal, dto);
    return reply.redirect(home ? '/mon-compte?fait=alerte' : '/mon-compte?fait=alerte-quartier', 303);
  }
}
