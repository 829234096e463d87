import { Injectable } from '@nestjs/common';
import { LruCache } from '@libs/cache';
import { randomUUID } from 'node:crypto';
import { Database, TenantTx } from '@libs/db';
import { insideTenantArea, LatLng, publicPointOf } from '@libs/geo';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '@libs/errors';
import { decodeKeyset, encodeKeyset, fieldOf, isFiniteNumber, isTimestamp, isUuid } from '@libs/http';
import { Principal, TenantId, TenantRef } from '@libs/tenancy';
import { actingFor, isStaff } from '@src/accounts/roles';
import { AccountsService } from '@src/accounts/accounts.service';
import { AuditService } from '@src/audit/audit.service';
import { CategoryRow, NeighbourhoodRow, TenantsService } from '@src/tenants/tenants.service';
import { CreateListingDto, GeoJsonQuery, SearchListingsQuery, UpdateListingDto } from './dto/listings.dto';
import { IdempotencyRepository, IdempotentRequest } from './idempotency.repository';
import { ListingPublication } from './listing-publication.service';
import { AuthorListing, ListingRecord, ListingsRepository, ListingStatus } from './listings.repository';
import { listingCellsInBox, listingPointsInBox, listingsCountedInside, MapPoint } from './listings.map';
import {
  countListings,
  ListingViewRow,
  SearchCursor,
  SearchFilters,
  SearchHit,
  searchListings,
  searchNearestAlone,
} from './listings.search';
import {
  cellDegrees,
  cellLevel,
  cellsOf,
  clusterFeatures,
  MAP_POINTS_CAP,
  MAP_POINTS_MIN_ZOOM,
  MAX_COUNTED_LEVEL,
} from './map-grid';

/** Other modules read a request's Idempotency-Key through the listings module (staff relays listings too). */
export { IDEMPOTENCY_HEADER, IDEMPOTENCY_HEADER_DOC, idempotentRequest } from './idempotency.repository';
export type { IdempotentRequest } from './idempotency.repository';

export const LISTING_LIFETIME_DAYS = 60;
/** A listing's state as people read it (pages, and the 409 below). */
export const STATUS_LABEL: Record<ListingStatus, string> = {
  pending_review: 'En attente de relecture',
  published: 'En ligne',
  rejected: 'Refusée',
  removed: 'Retirée par la modération',
  closed: 'Close',
  expired: 'Expirée',
  hidden: 'Masquée après signalements',
  fulfilled: 'Aide trouvée',
};
const DEFAULT_RADIUS_M = 2000;
const MAP_CAP = 500;
/** How long a tenant's categories and neighbourhoods stay in memory for search and the map (searchCatalogue). */
const CATALOGUE_TTL_MS = 60_000;
const CATALOGUE_TENANTS = 1000;

/** A category or a neighbourhood as a listing shows it. */
interface Named {
  id: string;
  slug: string;
  name: string;
}
/** A tenant's enabled categories and its neighbourhoods, by slug and by id, as search and the map name them. */
interface SearchCatalogue {
  categories: Map<string, Named>;
  neighbourhoods: Map<string, Named>;
  /** As TenantsService reads them, for the listings page's filters. */
  rows: { categories: CategoryRow[]; neighbourhoods: NeighbourhoodRow[] };
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = (field: string, message: string) => new InvalidError([{ field, message }]);
const notFound = () => new NotFoundError('Cette annonce est introuvable.');

/** A public listing as every client sees it: the public point only, never an address or an e-mail. */
export function publicView(r: ListingViewRow) {
  return {
    id: r.id,
    kind: r.kind,
    category: r.category,
    title: r.title,
    description: r.description,
    mode: r.mode,
    neighbourhood: r.neighbourhood,
    publicLocation: r.publicLocation,
    author: { displayName: r.authorName },
    /** Posted for a resident without internet by the town hall ("relayée par la mairie"). */
    relayed: Boolean(r.relayed),
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  };
}

/**
 * A listing as search answers it: its public view (with string timestamps) and, near a point, its distance rounded to
 * 100 m. The API sends it as written (ListingsService.searchBody); the listings pages read it back.
 */
export type SearchItem = Omit<ReturnType<typeof publicView>, 'createdAt' | 'expiresAt'> & {
  distanceM?: number;
  createdAt: string;
  expiresAt: string;
};

/** A category or a neighbourhood as JSON, written once per catalogue entry (kept a minute: searchCatalogue). */
const namedJsonOf = new WeakMap<Named, string>();
function namedJson(n: Named): string {
  let json = namedJsonOf.get(n);
  if (json === undefined) namedJsonOf.set(n, (json = JSON.stringify({ id: n.id, slug: n.slug, name: n.name })));
  return json;
}

/**
 * A hit as a search item's JSON (SearchItem): the object PostgreSQL wrote (hitJson) with its category, its
 * neighbourhood and its distance added, without parsing it.
 */
function itemJson(h: SearchHit, category: Named | undefined, neighbourhood: Named | undefined): string {
  // A category that cannot be named (none should: listings reference categories) is left out, as JSON.stringify leaves
  // out an undefined property.
  const distance = h.sortDistance !== undefined ? `,"distanceM":${Math.round(h.sortDistance / 100) * 100}` : '';
  return (
    `${h.json.slice(0, -1)}${category ? `,"category":${namedJson(category)}` : ''}` +
    `,"neighbourhood":${neighbourhood ? namedJson(neighbourhood) : 'null'}${distance}}`
  );
}

/** What the author (and later staff) see of their own listing. */
function ownerView(r: AuthorListing) {
  return {
    ...publicView(r),
    status: r.status,
    holdReasons: r.holdReasons,
    radiusM: r.radiusM,
    availability: r.availability,
  };
}

/** A search's cursor: the last row's sort key in the order it was read (distance, rank or recency). */
function isSearchCursor(c: unknown): c is SearchCursor {
  const o = fieldOf(c, 'o');
  if (!isUuid(fieldOf(c, 'id'))) return false;
  if (o === 'distance') return isFiniteNumber(fieldOf(c, 'd'));
  if (o === 'rank') return isFiniteNumber(fieldOf(c, 'r'));
  return o === 'recent' && isTimestamp(fieldOf(c, 't'));
}

const decodeCursor = (raw: string) =>
  decodeKeyset(raw, isSearchCursor, 'curseur invalide : reprenez la recherche depuis le début');

/**
 * Items of another module searched and mapped as a kind of their own beside offers and
 * requests (organisations' projects: `kind=project`), registered by that module.
 */
export interface SearchKindSource {
  enabled(tenant: TenantRef): Promise<boolean>;
  search(
    tenant: TenantRef,
    q: Omit<SearchListingsQuery, 'kind'>,
  ): Promise<{ items: unknown[]; nextCursor: string | null }>;
  inBox(tenant: TenantRef, box: [number, number, number, number], categoryId?: string): Promise<MapFeature[]>;
}

/** A public point of the map, as GeoJSON. */
export interface MapFeature {
  type: string;
  id: string;
  geometry: { type: string; coordinates: number[] };
  properties: { kind: string; category: unknown; [key: string]: unknown };
}

@Injectable()
export class ListingsService {
  private readonly kinds = new Map<string, SearchKindSource>();
  private readonly catalogues = new LruCache<TenantId, { at: number; catalogue: Promise<SearchCatalogue> }>(
    CATALOGUE_TENANTS,
  );

  constructor(
    private readonly db: Database,
    private readonly repo: ListingsRepository,
    private readonly publication: ListingPublication,
    private readonly accounts: AccountsService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyRepository,
  ) {
    // An administrator's edit shows at once in this process; other processes take it within CATALOGUE_TTL_MS.
    tenants.onCatalogueChanged(() => this.catalogues.clear());
  }

  /** `principal` is the author, or a town-hall agent acting as a relayed resident (actingFor). */
  async create(tenant: TenantRef, principal: Principal, dto: CreateListingDto, once?: IdempotentRequest) {
    const radiusM = this.radiusFor(dto.mode, dto.radiusM);
    const id = randomUUID();
    const { holdReasons, status } = await this.publication.screen(tenant, id, dto);
    // Read before the transaction: a second pooled connection must never be awaited inside one.
    const categories = await this.tenants.categories(tenant);
    const created = await this.db.withTenant(tenant.id, async (tx) => {
      // A request sent again with its Idempotency-Key gets the first answer: no second listing, no second alert.
      const replay = once && (await this.idempotency.claim(tx, once));
      if (replay) return { replay: replay.body };
      await this.accounts.assertCanPublish(tx, tenant, principal);
      await this.checkCategoryAndPlace(tx, tenant, categories, dto.categoryId, dto.location);
      await this.repo.insert(
        tx,
        id,
        principal.accountId,
        {
          kind: dto.kind,
          categoryId: dto.categoryId,
          title: dto.title,
          description: dto.description,
          mode: dto.mode,
          location: dto.location,
          publicLocation: await publicPointOf(tx, tenant.id, dto.location, id),
          radiusM,
          availability: { ...dto.availability },
        },
        status,
        holdReasons,
      );
      if (status === 'published') await this.publication.recordPublished(tx, id, 1);
      await this.audit.onBehalf(tx, principal, 'listing.create', { type: 'listing', id }, { status });
      const listing = (await this.repo.find(tx, id))!;
      // Through JSON, as a replay will read it back: both answers are byte for byte the same.
      const body = JSON.parse(JSON.stringify(ownerView(listing))) as ReturnType<typeof ownerView>;
      if (once) await this.idempotency.complete(tx, once, { status: 201, body });
      return { listing, body };
    });
    if ('replay' in created) return created.replay as ReturnType<typeof ownerView>;
    await this.publication.afterCommit(tenant.id, id, created.listing.version, status);
    return created.body;
  }

  registerKind(kind: 'project', source: SearchKindSource): void {
    this.kinds.set(kind, source);
  }

  /**
   * A page of public listings; with `count`, also how many match over all pages (up to COUNT_CAP + 1, for the
   * results page), with the same filters (near a point without words, in the page's own statement).
   */
  async search(
    tenant: TenantRef,
    q: SearchListingsQuery,
    opts: { count?: boolean } = {},
  ): Promise<{ items: unknown[]; nextCursor: string | null; total?: number }> {
    if (q.kind === 'project') return this.searchProjects(tenant, q);
    const { items, nextCursor, total } = await this.searchPage(tenant, q, opts.count);
    const parsed = JSON.parse(`[${items.join(',')}]`) as SearchItem[];
    return total === undefined ? { items: parsed, nextCursor } : { items: parsed, nextCursor, total };
  }

  /**
   * The same page as its JSON body, as the API sends it: the items as PostgreSQL wrote them (hitJson, itemJson), never
   * made into objects and serialised again.
   */
  async searchBody(tenant: TenantRef, q: SearchListingsQuery): Promise<string> {
    if (q.kind === 'project') return JSON.stringify(await this.searchProjects(tenant, q));
    const page = await this.searchPage(tenant, q);
    return `{"items":[${page.items.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
  }

  private async searchProjects(tenant: TenantRef, q: SearchListingsQuery) {
    const { kind: _kind, ...rest } = q;
    return (await this.kindSource(tenant, 'project')).search(tenant, rest);
  }

  /** A page of listings: each item's JSON (itemJson), the next page's cursor and, with `count`, the count. */
  private async searchPage(
    tenant: TenantRef,
    q: SearchListingsQuery,
    count?: boolean,
  ): Promise<{ items: string[]; nextCursor: string | null; total?: number }> {
    const limit = q.limit ?? 20;
    const near = q.near ? this.parseNear(q.near) : undefined;
    if (q.radius && !near) throw invalid('radius', 'le rayon demande aussi une position (near=LAT,LNG)');
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    const catalogue = await this.searchCatalogue(tenant);
    const { hits, total, names } = await this.searchRows(tenant, q, catalogue, near, cursor, limit, count);
    const page = hits.slice(0, limit);
    const last = page[page.length - 1];
    let nextCursor: string | null = null;
    if (hits.length > limit && last) {
      nextCursor = encodeKeyset(
        last.sortDistance !== undefined
          ? { o: 'distance', d: last.sortDistance, id: last.id }
          : last.sortRank !== undefined
            ? { o: 'rank', r: last.sortRank, id: last.id }
            : { o: 'recent', t: last.sortTime!, id: last.id },
      );
    }
    const items = page.map((h) =>
      itemJson(
        h,
        catalogue.categories.get(h.categoryId) ?? names?.get(h.categoryId),
        h.neighbourhoodId
          ? (catalogue.neighbourhoods.get(h.neighbourhoodId) ?? names?.get(h.neighbourhoodId))
          : undefined,
      ),
    );
    return { items, nextCursor, total };
  }

  /**
   * The hits of a page (one more than `limit`, to know whether a next page exists), the names the catalogue lacks for
   * them (missingNames, in the same transaction), and the count when asked. A search
   * near a point without words, whose filters the catalogue names, is one statement sent alone with its count
   * (searchNearestAlone); anything else is a transaction. Public reads go
   * to the standby when there is one that keeps up (Database.read).
   */
  private async searchRows(
    tenant: TenantRef,
    q: SearchListingsQuery,
    catalogue: SearchCatalogue,
    near: LatLng | undefined,
    cursor: SearchCursor | undefined,
    limit: number,
    count?: boolean,
  ): Promise<{ hits: SearchHit[]; total?: number; names?: Map<string, Named> }> {
    const categoryId = q.category ? catalogue.categories.get(q.category)?.id : undefined;
    const neighbourhoodId = q.neighbourhood ? catalogue.neighbourhoods.get(q.neighbourhood)?.id : undefined;
    const kind = q.kind as SearchFilters['kind'];
    if (near && !q.q && !!q.category === !!categoryId && !!q.neighbourhood === !!neighbourhoodId) {
      const filters = { kind, categoryId, neighbourhoodId, near, radiusM: q.radius };
      const { hits, total } = await searchNearestAlone(this.db, tenant.id, filters, cursor, limit + 1, count);
      return { hits, total, names: await this.missingNames(tenant, catalogue, hits.slice(0, limit)) };
    }
    return this.db.read(tenant.id, async (tx) => {
      const filters: SearchFilters = {
        kind,
        categoryId: q.category ? (categoryId ?? (await this.resolveCategory(tx, q.category, 'category'))) : undefined,
        neighbourhoodId: q.neighbourhood
          ? (neighbourhoodId ?? (await this.resolveNeighbourhood(tx, q.neighbourhood)))
          : undefined,
        q: q.q,
        near,
        radiusM: q.radius,
      };
      const hits = await searchListings(tx, filters, cursor, limit + 1);
      return {
        hits,
        total: count ? await countListings(tx, filters) : undefined,
        names: await this.missingNames(tx, catalogue, hits.slice(0, limit)),
      };
    });
  }

  /**
   * The map (see GeoJsonQuery.zoom): clusters with their counts per kind, or public points when zoomed in on few
   * items; never an exact location. Categories are named, so that a popup reads « Offre · Bricolage ».
   */
  async geojson(tenant: TenantRef, q: GeoJsonQuery) {
    const box = q.bbox.split(',').map(Number) as [number, number, number, number];
    const [minLng, minLat, maxLng, maxLat] = box;
    if (minLng >= maxLng || minLat >= maxLat || minLng < -180 || maxLng > 180 || minLat < -90 || maxLat > 90)
      throw invalid('bbox', 'bbox incohérente : minLng,minLat,maxLng,maxLat attendus');
    const projects =
      q.kind === 'project'
        ? await this.kindSource(tenant, 'project')
        : !q.kind
          ? await this.kindSource(tenant, 'project').catch(() => undefined)
          : undefined;
    const listingKind = q.kind === 'project' ? undefined : q.kind;
    const zoomed = q.zoom !== undefined && q.zoom >= MAP_POINTS_MIN_ZOOM;
    const level = q.zoom === undefined ? 0 : cellLevel(q.zoom, box);
    const cell = cellDegrees(level);
    const catalogue = await this.searchCatalogue(tenant);
    const { points, cells, categoryId } = await this.db.read(tenant.id, async (tx) => {
      const categoryId = q.category
        ? (catalogue.categories.get(q.category)?.id ?? (await this.resolveCategory(tx, q.category, 'category')))
        : undefined;
      const f = { kind: listingKind, categoryId };
      const none: MapPoint[] = [];
      if (q.kind === 'project') return { points: none, cells: undefined, categoryId };
      if (q.zoom === undefined)
        return { points: await listingPointsInBox(tx, box, f, MAP_CAP + 1), cells: undefined, categoryId };
      // Counted cells first when PostgreSQL keeps them (a read bounded by the box's size on the screen): zoomed in
      // on at most the cap, the box is answered with its points.
      if (!zoomed || level <= MAX_COUNTED_LEVEL) {
        const cells = await listingCellsInBox(tx, box, f, level);
        if (!zoomed || cells.reduce((n, c) => n + c.n, 0) > MAP_POINTS_CAP) return { points: none, cells, categoryId };
        return { points: await listingPointsInBox(tx, box, f, MAP_POINTS_CAP + 1), cells: undefined, categoryId };
      }
      // Finer than the counted cells: a box whose whole counted cells already hold more than the cap is counted
      // point by point at once; else its points come first, and only a box holding more than the cap is counted.
      if ((await listingsCountedInside(tx, box, f)) > MAP_POINTS_CAP)
        return { points: none, cells: await listingCellsInBox(tx, box, f, level), categoryId };
      const points = await listingPointsInBox(tx, box, f, MAP_POINTS_CAP + 1);
      const cells = points.length > MAP_POINTS_CAP ? await listingCellsInBox(tx, box, f, level) : undefined;
      return { points, cells, categoryId };
    });
    const extra = projects ? await projects.inBox(tenant, box, categoryId) : [];
    const category = (slug: unknown) =>
      typeof slug === 'string' ? { slug, name: catalogue.categories.get(slug)?.name ?? slug } : (slug ?? null);
    const pointFeatures = [
      ...extra.map((f) => ({ ...f, properties: { ...f.properties, category: category(f.properties.category) } })),
      ...points.map((r) => ({
        type: 'Feature',
        id: r.id,
        geometry: { type: 'Point', coordinates: [r.lng, r.lat] },
        properties: {
          id: r.id,
          kind: r.kind,
          title: r.title,
          category: category(r.category),
          neighbourhood: r.neighbourhood,
        },
      })),
    ];
    if (q.zoom === undefined) {
      return {
        type: 'FeatureCollection',
        capped: pointFeatures.length > MAP_CAP,
        features: pointFeatures.slice(0, MAP_CAP),
      };
    }
    if (!cells && pointFeatures.length <= MAP_POINTS_CAP)
      return { type: 'FeatureCollection', clustered: false, capped: false, features: pointFeatures };
    // Projects are few (another module's, capped there): put in the same grid here, with the listings' points
    // when those were few enough to be read as points.
    const counted = [
      ...extra.map((f) => ({ kind: 'project', lng: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] })),
      ...(cells ? [] : points),
    ];
    return {
      type: 'FeatureCollection',
      clustered: true,
      capped: false,
      features: clusterFeatures([...(cells ?? []), ...cellsOf(counted, cell)]),
    };
  }

  async get(tenant: TenantRef, id: string, principal?: Principal) {
    if (!UUID.test(id)) throw notFound();
    const l = await this.db.read(tenant.id, async (tx) => {
      const found = await this.repo.find(tx, id);
      // Missing from a standby may be a listing it has not replayed yet: thrown inside, it is asked of the primary.
      if (!found) throw notFound();
      return found;
    });
    if (principal?.accountId === l.authorId || (l.relayed && isStaff(principal))) return ownerView(l);
    if (l.status !== 'published' || new Date(l.expiresAt) <= new Date()) throw notFound();
    return publicView(l);
  }

  async mine(tenant: TenantRef, principal: Principal) {
    const rows = await this.db.withTenant(tenant.id, (tx) => this.repo.listByAuthor(tx, principal.accountId));
    return { items: rows.map(ownerView), nextCursor: null };
  }

  async update(tenant: TenantRef, principal: Principal, id: string, dto: UpdateListingDto) {
    const categories = dto.categoryId || dto.location ? await this.tenants.categories(tenant) : [];
    const result = await this.db.withTenant(tenant.id, async (tx) => {
      const { listing: l, actor } = await this.actOnListing(tx, tenant, principal, id, [
        'published',
        'pending_review',
        'expired',
      ]);
      const mode = dto.mode ?? (l.mode as 'in_person' | 'remote' | 'both');
      const radiusM =
        dto.mode || dto.radiusM !== undefined
          ? this.radiusFor(mode, dto.radiusM ?? (mode === 'remote' ? undefined : (l.radiusM ?? undefined)))
          : undefined;
      if (dto.categoryId || dto.location)
        await this.checkCategoryAndPlace(
          tx,
          tenant,
          categories,
          dto.categoryId ?? l.categoryId,
          dto.location ?? l.publicLocation,
          !dto.location,
        );
      await this.repo.update(tx, id, {
        categoryId: dto.categoryId,
        title: dto.title,
        description: dto.description,
        mode: dto.mode,
        radiusM,
        availability: dto.availability ? { ...dto.availability } : undefined,
        location: dto.location,
        publicLocation: dto.location ? await publicPointOf(tx, tenant.id, dto.location, id) : undefined,
      });
      // Edited text goes through the hold rules again; a held listing leaves the public pages.
      if (dto.title !== undefined || dto.description !== undefined) {
        const reasons = await this.publication.holdReasons(tenant, {
          id,
          title: dto.title ?? l.title,
          description: dto.description ?? l.description,
        });
        if (reasons.length && l.status === 'published') await this.repo.setStatus(tx, id, 'pending_review', reasons);
      }
      await this.audit.onBehalf(tx, actor, 'listing.edit', { type: 'listing', id }, { fields: Object.keys(dto) });
      return (await this.repo.find(tx, id))!;
    });
    return ownerView(result);
  }

  async close(tenant: TenantRef, principal: Principal, id: string) {
    const l = await this.db.withTenant(tenant.id, async (tx) => {
      const { actor } = await this.actOnListing(tx, tenant, principal, id, [
        'published',
        'pending_review',
        'expired',
        'hidden',
      ]);
      await this.repo.setStatus(tx, id, 'closed');
      await this.audit.onBehalf(tx, actor, 'listing.close', { type: 'listing', id });
      return (await this.repo.find(tx, id))!;
    });
    return ownerView(l);
  }

  /** Another 60 days; an expired listing becomes public again (and is matched again). */
  async renew(tenant: TenantRef, principal: Principal, id: string) {
    let version: number | undefined;
    const l = await this.db.withTenant(tenant.id, async (tx) => {
      const { listing: current, actor } = await this.actOnListing(tx, tenant, principal, id, ['published', 'expired']);
      await this.repo.renew(tx, id, LISTING_LIFETIME_DAYS);
      if (current.status === 'expired') version = await this.publication.publish(tx, id);
      await this.audit.onBehalf(tx, actor, current.status === 'expired' ? 'listing.publish' : 'listing.renew', {
        type: 'listing',
        id,
      });
      return (await this.repo.find(tx, id))!;
    });
    if (version !== undefined) await this.publication.afterCommit(tenant.id, id, version, 'published');
    return ownerView(l);
  }

  async counts(tenantId: TenantId) {
    return this.db.withTenant(tenantId, (tx) => this.repo.counts(tx));
  }

  async expireDue(tenantId: TenantId): Promise<number> {
    return this.db.withTenant(tenantId, (tx) => this.repo.expireDue(tx));
  }

  private async kindSource(tenant: TenantRef, kind: 'project'): Promise<SearchKindSource> {
    const source = this.kinds.get(kind);
    if (!source || !(await source.enabled(tenant)))
      throw invalid('kind', "ce site ne présente pas de projets d'organisations : offer ou request");
    return source;
  }

  /**
   * The listing, locked, if `principal` may act on it in one of the `allowed` states: its author,
   * or the tenant's staff for a relayed resident's listing (then `actor` carries the agent).
   */
  async actOnListing(
    tx: TenantTx,
    tenant: TenantRef,
    principal: Principal,
    id: string,
    allowed: ListingStatus[],
    opts: { lock?: boolean } = {},
  ): Promise<{ listing: ListingRecord; actor: Principal }> {
    if (!UUID.test(id)) throw notFound();
    const l = await this.repo.find(tx, id, { forUpdate: opts.lock ?? true });
    if (!l) throw notFound();
    let actor = principal;
    if (l.authorId !== principal.accountId) {
      if (!(l.relayed && isStaff(principal) && !principal.agent))
        throw new ForbiddenError("Seul l'auteur de cette annonce peut la modifier.");
      actor = actingFor(principal, l.authorId);
    }
    if (!allowed.includes(l.status))
      throw new ConflictError(
        `Cette annonce ne peut plus être modifiée (état : ${STATUS_LABEL[l.status].toLowerCase()}).`,
      );
    return { listing: l, actor };
  }

  private radiusFor(mode: 'in_person' | 'remote' | 'both', radiusM: number | undefined): number | null {
    if (mode === 'remote') {
      if (radiusM !== undefined)
        throw invalid('radiusM', 'pas de rayon pour une aide à distance : retirez-le ou choisissez « en personne »');
      return null;
    }
    return radiusM ?? DEFAULT_RADIUS_M;
  }

  private async checkCategoryAndPlace(
    tx: TenantTx,
    tenant: TenantRef,
    categories: CategoryRow[],
    categoryId: string,
    location: LatLng,
    skipPlace = false,
  ): Promise<void> {
    const errors = [];
    if (!categories.some((c) => c.id === categoryId))
      errors.push({ field: 'categoryId', message: "cette catégorie n'est pas proposée sur ce site" });
    if (!skipPlace && !(await insideTenantArea(tx, tenant.id, location)))
      errors.push({ field: 'location', message: 'ce lieu est en dehors de la commune desservie par ce site' });
    if (errors.length) throw new InvalidError(errors);
  }

  private parseNear(near: string): LatLng {
    const [lat, lng] = near.split(',').map(Number);
    if (!(lat >= -90 && lat <= 90)) throw invalid('near', 'latitude hors limites (-90 à 90)');
    if (!(lng >= -180 && lng <= 180)) throw invalid('near', 'longitude hors limites (-180 à 180)');
    return { lat, lng };
  }

  /**
   * The tenant's categories and neighbourhoods by slug and id, from memory: a search or a map names one on most
   * requests, and looking it up was a round trip inside the search's transaction (and the map read every category's
   * name in a transaction of its own). Read before the transaction (a second pooled connection must never be awaited
   * inside one) and kept CATALOGUE_TTL_MS (dropped at once when an administrator edits categories in this process);
   * concurrent requests share one read. Only what it finds is trusted: a name
   * it lacks (a category enabled since) is asked of PostgreSQL in the transaction, as before, so the worst a stale
   * entry does is let a search find, for that long, the listings of a category just withdrawn.
   */
  private searchCatalogue(tenant: TenantRef): Promise<SearchCatalogue> {
    const held = this.catalogues.get(tenant.id);
    if (held && Date.now() - held.at < CATALOGUE_TTL_MS) return held.catalogue;
    const catalogue = Promise.all([this.tenants.categories(tenant), this.tenants.neighbourhoods(tenant)]).then(
      ([categories, neighbourhoods]) => ({
        rows: { categories, neighbourhoods },
        categories: new Map(
          categories.flatMap((c) => {
            const named = { id: c.id, slug: c.slug, name: c.name };
            return [[c.slug, named] as const, [c.id, named] as const];
          }),
        ),
        neighbourhoods: new Map(
          neighbourhoods.flatMap((n) => {
            const named = { id: n.id, slug: n.slug, name: n.name };
            return [[n.slug, named] as const, [n.id, named] as const];
          }),
        ),
      }),
    );
    this.catalogues.set(tenant.id, { at: Date.now(), catalogue });
    catalogue.catch(() => this.catalogues.delete(tenant.id));
    return catalogue;
  }

  /**
   * The tenant's categories and neighbourhoods for the listings page's filters, from the search's catalogue in memory
   * (searchCatalogue): one read a minute instead of two transactions a page. A category enabled or withdrawn shows
   * there within CATALOGUE_TTL_MS; forms that take one (posting, alerts) read them afresh.
   */
  async filterChoices(tenant: TenantRef): Promise<SearchCatalogue['rows']> {
    return (await this.searchCatalogue(tenant)).rows;
  }

  /**
   * The categories and neighbourhoods of `hits` the catalogue in memory lacks (a category no longer offered, a
   * neighbourhood added since it was read), read in the transaction `at` or in a read of their own for the tenant `at`.
   */
  private async missingNames(
    at: TenantTx | TenantRef,
    catalogue: SearchCatalogue,
    hits: SearchHit[],
  ): Promise<Map<string, Named> | undefined> {
    const categories = new Set(hits.map((h) => h.categoryId).filter((id) => !catalogue.categories.has(id)));
    const hoods = new Set(
      hits.flatMap((h) =>
        h.neighbourhoodId && !catalogue.neighbourhoods.has(h.neighbourhoodId) ? [h.neighbourhoodId] : [],
      ),
    );
    if (!categories.size && !hoods.size) return undefined;
    const lookup = (tx: TenantTx) => this.repo.named(tx, [...categories], [...hoods]);
    return new Map((await ('tenantId' in at ? lookup(at) : this.db.read(at.id, lookup))).map((n) => [n.id, n]));
  }

  private async resolveCategory(tx: TenantTx, idOrSlug: string, field: string): Promise<string> {
    const id = await this.repo.categoryId(tx, idOrSlug);
    if (!id) throw invalid(field, "cette catégorie n'est pas proposée sur ce site");
    return id;
  }

  private async resolveNeighbourhood(tx: TenantTx, idOrSlug: string): Promise<string> {
    const id = await this.repo.neighbourhoodId(tx, idOrSlug);
    if (!id) throw invalid('neighbourhood', "ce quartier n'existe pas sur ce site");
    return id;
  }
}
