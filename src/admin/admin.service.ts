import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Database } from '@libs/db';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '@libs/errors';
import { fieldErrors } from '@libs/http';
import { Principal, TenantRef } from '@libs/tenancy';
import { actingRole } from '@src/accounts/roles';
import { AuditService } from '@src/audit/audit.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { CreateCategoryDto, TenantCategoriesBody, TenantCategoryDto, UpdateCategoryDto } from './admin.dto';
import { AdminRepository } from './admin.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_STATS_DAYS = 366;

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

  async catalogue(tenant: TenantRef, p: Principal) {
    const fed = await this.federationOf(tenant, p);
    return this.db.withTenant(tenant.id, (tx) => this.repo.catalogue(tx, fed));
  }

  async createCategory(tenant: TenantRef, p: Principal, dto: CreateCategoryDto) {
    const fed = await this.federationOf(tenant, p);
    return this.db.withTenant(tenant.id, async (tx) => {
      const c = await this.repo.createCategory(tx, fed, {
        slug: dto.slug,
        name: dto.name,
        description: dto.description ?? '',
        icon: dto.icon ?? '',
        remote: dto.remote ?? false,
      });
      if (!c)
        throw new ConflictError(`La catégorie « ${dto.slug} » existe déjà dans le catalogue.`, [
          { field: 'slug', message: 'déjà utilisé' },
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
    return this.db.withTenant(tenant.id, async (tx) => {
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

  async tenantCategories(target: TenantRef) {
    return this.db.withTenant(target.id, (tx) => this.repo.tenantCategories(tx));
  }

  async setTenantCategories(target: TenantRef, p: Principal, body: unknown) {
    const items = await this.validateItems(body);
    const federation = (await this.tenants.get(target)).federation.slug;
    return this.db.withTenant(target.id, async (tx) => {
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
    const end = to ?? new Date().toISOString().slice(0, 10);
    const start = from ?? new Date(Date.parse(end) - 29 * 86400_000).toISOString().slice(0, 10);
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
