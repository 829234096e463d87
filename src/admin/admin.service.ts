import { Injectable } from '@nestjs/common';
import { slugify } from '@libs/text';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parisDayAndHour } from '@libs/calendar';
import { Database, type TenantTx } from '@libs/db';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '@libs/errors';
import { fieldErrors } from '@libs/http';
import { Principal, type TenantId, TenantRef } from '@libs/tenancy';
import { actingRole } from '@src/accounts/roles';
import { AuditService } from '@src/audit/audit.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { CreateCategoryDto, TenantCategoriesBody, TenantCategoryDto, UpdateCategoryDto } from './admin.dto';
import { AdminRepository } from './admin.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_STATS_DAYS = 366;

/** "Bricolage & réparations" → "bricolage-reparations": the short name a new category gets from its name. */
export function categorySlug(name: string): string {
  return slugify(name, 56);
}

/**
 * Administration of a commune and of a federation. Who may do what is decided here, from
 * (role, tenant, federation, action): tenant admins act on their tenant; a federation admin
 * acts from the federation's home site on the catalogue and on every member commune.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly db: Database,
    private readonly repo: AdminRepository,
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
  ) {}

  /** The federation a federation admin administers from this host; 403 otherwise. */
  async federationOf(tenant: TenantRef, p: Principal): Promise<string> {
    const t = await this.tenants.get(tenant);
    if (!p.roles.includes('federation_admin') || t.federation.homeTenantSlug !== tenant.slug) {
      throw new ForbiddenError(
        "Seuls les administrateurs de l'intercommunalité gèrent le catalogue, depuis le site de l'intercommunalité.",
      );
    }
    return t.federation.slug;
  }

  /** The member commune a federation admin names, as a tenant of the same federation; 404 otherwise. */
  async memberTenant(tenant: TenantRef, p: Principal, slug: string): Promise<TenantRef> {
    const federation = await this.federationOf(tenant, p);
    const target = this.directory.bySlugOrUndefined(slug);
    if (!target || (await this.tenants.get(target)).federation.slug !== federation)
      throw new NotFoundError('Cette commune est introuvable dans votre intercommunalité.');
    return { id: target.id, slug: target.slug };
  }

  /** An edit of categories, after which copies held in memory (search's catalogue) are dropped. */
  private async changingCatalogue<T>(tenantId: TenantId, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    try {
      return await this.db.withTenant(tenantId, work);
    } finally {
      this.tenants.catalogueChanged();
    }
  }

  async catalogue(tenant: TenantRef, p: Principal) {
    const fed = await this.federationOf(tenant, p);
    return this.db.withTenant(tenant.id, (tx) => this.repo.catalogue(tx, fed));
  }

  /**
   * Without a short name, one is derived from the name (with -2, -3… when another catalogue has it); a name the
   * catalogue already has is refused.
   */
  async createCategory(tenant: TenantRef, p: Principal, dto: CreateCategoryDto) {
    const fed = await this.federationOf(tenant, p);
    const derived = categorySlug(dto.name);
    if (!dto.slug && derived.length < 2)
      throw new InvalidError([{ field: 'name', message: 'le nom doit contenir au moins deux lettres ou chiffres' }]);
    const candidates = dto.slug ? [dto.slug] : [derived, ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `${derived}-${n}`)];
    return this.changingCatalogue(tenant.id, async (tx) => {
      // The same name twice in one catalogue is a slip, not a second category (accents and case aside).
      const same = (await this.repo.catalogue(tx, fed)).find((e) => categorySlug(e.name) === derived);
      if (same)
        throw new ConflictError(`Le catalogue a déjà la catégorie « ${same.name} ».`, [
          { field: 'name', message: `le catalogue a déjà la catégorie « ${same.name} »` },
        ]);
      let c;
      for (const slug of candidates) {
        c = await this.repo.createCategory(tx, fed, {
          slug,
          name: dto.name,
          description: dto.description ?? '',
          icon: dto.icon ?? '',
          remote: dto.remote ?? false,
        });
        if (c) break;
      }
      if (!c)
        throw new ConflictError(`La catégorie « ${candidates[0]} » existe déjà dans le catalogue.`, [
          { field: dto.slug ? 'slug' : 'name', message: 'déjà utilisé' },
        ]);
      await this.audit.append(tx, {
        actorId: p.accountId,
        actorRole: actingRole(p),
        action: 'category.create',
        targetType: 'category',
        targetId: c.id,
        reason: '',
        data: { slug: c.slug, federation: fed },
      });
      return c;
    });
  }

  async updateCategory(tenant: TenantRef, p: Principal, id: string, dto: UpdateCategoryDto) {
    const fed = await this.federationOf(tenant, p);
    if (!UUID.test(id)) throw new NotFoundError('Cette catégorie est introuvable.');
    return this.changingCatalogue(tenant.id, async (tx) => {
      let c;
      try {
        c = await this.repo.updateCategory(tx, fed, id, dto);
      } catch (e) {
        if ((e as { code?: string }).code === '23505')
          throw new ConflictError('Ce nom court est déjà utilisé.', [{ field: 'slug', message: 'déjà utilisé' }]);
        throw e;
      }
      if (!c) throw new NotFoundError('Cette catégorie est introuvable.');
      await this.audit.append(tx, {
        actorId: p.accountId,
        actorRole: actingRole(p),
        action: dto.archived ? 'category.archive' : 'category.update',
        targetType: 'category',
        targetId: id,
        reason: '',
        data: { ...dto },
      });
      return c;
    });
  }

  /** One place up or down the catalogue's order (nothing at either end). */
  async moveCategory(tenant: TenantRef, p: Principal, id: string, direction: 'up' | 'down') {
    const fed = await this.federationOf(tenant, p);
    if (!UUID.test(id)) throw new NotFoundError('Cette catégorie est introuvable.');
    return this.changingCatalogue(tenant.id, async (tx) => {
      const ids = (await this.repo.catalogue(tx, fed)).map((c) => c.id);
      const from = ids.indexOf(id);
      if (from < 0) throw new NotFoundError('Cette catégorie est introuvable.');
      const to = direction === 'up' ? from - 1 : from + 1;
      if (to >= 0 && to < ids.length) [ids[from], ids[to]] = [ids[to], ids[from]];
      await this.repo.orderCatalogue(tx, fed, ids);
      await this.audit.append(tx, {
        actorId: p.accountId,
        actorRole: actingRole(p),
        action: 'category.move',
        targetType: 'category',
        targetId: id,
        reason: '',
        data: { direction, federation: fed },
      });
      return this.repo.catalogue(tx, fed);
    });
  }

  /** The federation's live categories this commune has never taken, for it to add. */
  async availableCategories(target: TenantRef) {
    const federation = (await this.tenants.get(target)).federation.slug;
    return this.db.withTenant(target.id, (tx) => this.repo.missingCategories(tx, federation));
  }

  /** A category of the federation's catalogue shown by this commune, last of its list. */
  async addTenantCategory(target: TenantRef, p: Principal, categoryId: string) {
    if (!UUID.test(categoryId)) throw new NotFoundError('Cette catégorie est introuvable.');
    const federation = (await this.tenants.get(target)).federation.slug;
    return this.changingCatalogue(target.id, async (tx) => {
      if (!(await this.repo.liveCategoryIds(tx, federation, [categoryId])).has(categoryId))
        throw new NotFoundError("Cette catégorie n'est pas dans le catalogue de l'intercommunalité.");
      await this.repo.addTenantCategory(tx, categoryId);
      await this.audit.append(tx, {
        actorId: p.accountId,
        actorRole: actingRole(p),
        action: 'tenant.categories',
        targetType: 'category',
        targetId: categoryId,
        reason: '',
        data: { added: categoryId },
      });
      return this.repo.tenantCategories(tx);
    });
  }

  async tenantCategories(target: TenantRef) {
    return this.db.withTenant(target.id, (tx) => this.repo.tenantCategories(tx));
  }

  async setTenantCategories(target: TenantRef, p: Principal, body: unknown) {
    const items = await this.validateItems(body);
    const federation = (await this.tenants.get(target)).federation.slug;
    return this.changingCatalogue(target.id, async (tx) => {
      const live = await this.repo.liveCategoryIds(
        tx,
        federation,
        items.map((i) => i.categoryId),
      );
      const errors = items.flatMap((i, n) =>
        live.has(i.categoryId) || !i.enabled
          ? []
          : [
              {
                field: `${n}.categoryId`,
                message: "cette catégorie n'est pas dans le catalogue de l'intercommunalité",
              },
            ],
      );
      if (errors.length) throw new InvalidError(errors);
      if (new Set(items.map((i) => i.categoryId)).size !== items.length)
        throw new InvalidError([{ field: 'categoryId', message: 'une catégorie figure deux fois' }]);
      await this.repo.setTenantCategories(tx, items);
      await this.audit.append(tx, {
        actorId: p.accountId,
        actorRole: actingRole(p),
        action: 'tenant.categories',
        targetType: 'tenant',
        targetId: target.id,
        reason: '',
        data: { items },
      });
      return this.repo.tenantCategories(tx);
    });
  }

  async stats(tenant: TenantRef, p: Principal, from?: string, to?: string) {
    const { start, end } = statsRange(new Date(), from, to);
    const days = (Date.parse(end) - Date.parse(start)) / 86400_000;
    if (Number.isNaN(days) || days < 0)
      throw new InvalidError([{ field: 'from', message: 'la date de début doit précéder la date de fin' }]);
    if (days >= MAX_STATS_DAYS) throw new InvalidError([{ field: 'from', message: 'une année au plus' }]);
    const own = await this.db.withTenant(tenant.id, (tx) => this.repo.stats(tx, start, end));
    const t = await this.tenants.get(tenant);
    if (!p.roles.includes('federation_admin') || t.federation.homeTenantSlug !== tenant.slug)
      return { from: start, to: end, ...own };
    // A federation admin also gets each member commune, each read under its own tenant.
    const communes = [];
    for (const member of this.directory.all()) {
      if ((await this.tenants.get(member)).federation.slug !== t.federation.slug) continue;
      const s = await this.db.withTenant(member.id, (tx) => this.repo.stats(tx, start, end));
      communes.push({ tenant: member.slug, ...s });
    }
    return { from: start, to: end, ...own, communes };
  }

  private async validateItems(body: unknown): Promise<TenantCategoryDto[]> {
    if (!Array.isArray(body))
      throw new InvalidError([{ field: 'body', message: 'liste attendue : [{categoryId, enabled, position}]' }]);
    const wrapper = plainToInstance(TenantCategoriesBody, { items: body });
    const errors = await validate(wrapper, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
    if (errors.length)
      throw new InvalidError(fieldErrors(errors).map((e) => ({ ...e, field: e.field.replace(/^items\./, '') })));
    return wrapper.items;
  }
}

/**
 * The days the figures cover: as asked, else the 30 Paris days up to today's (the counts are by Paris day; between
 * midnight in Paris and midnight UTC, the UTC date would leave today out).
 */
export function statsRange(now: Date, from?: string, to?: string): { start: string; end: string } {
  const end = to ?? parisDayAndHour(now).day;
  const start = from ?? new Date(Date.parse(end) - 29 * 86400_000).toISOString().slice(0, 10);
  return { start, end };
}
