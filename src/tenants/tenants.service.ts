import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@libs/errors';
import { TenantId, TenantRef } from '@libs/tenancy';
import { TenantDirectory } from './tenant-directory.service';
import { CategoryRow, NeighbourhoodRow, TenantRow, TenantsRepository } from './tenants.repository';

export type { CategoryRow, NeighbourhoodRow, TenantRow } from './tenants.repository';

export interface TenantStats {
  offers: number;
  requests: number;
  residents: number;
  projects: number;
}

/** Public counters of a tenant; modules that own the counted things register a source. */
export type TenantStatsSource = (tenantId: TenantId) => Promise<Partial<TenantStats>>;

@Injectable()
export class TenantsService {
  private readonly statsSources: TenantStatsSource[] = [];
  private readonly catalogueListeners: Array<() => void> = [];

  constructor(
    private readonly repo: TenantsRepository,
    private readonly directory: TenantDirectory,
  ) {}

  registerStatsSource(source: TenantStatsSource): void {
    this.statsSources.push(source);
  }

  /** An open tenant's row: from the directory's bounded cache, read on first use (on its own connections). */
  async get(tenant: Pick<TenantRef, 'id'>): Promise<TenantRow> {
    const row = await this.directory.load(tenant.id);
    if (!row) throw new NotFoundError('Ce site est introuvable.');
    return row;
  }

  async stats(tenant: TenantRef): Promise<TenantStats> {
    const stats: TenantStats = { offers: 0, requests: 0, residents: 0, projects: 0 };
    for (const part of await Promise.all(this.statsSources.map((s) => s(tenant.id)))) Object.assign(stats, part);
    return stats;
  }

  federationHome(federationSlug: string): Promise<{ name: string; homeTenantSlug: string } | undefined> {
    return this.repo.findFederation(federationSlug);
  }

  /** Told when a catalogue of categories changed in this process (an administrator's edit), to drop copies held. */
  onCatalogueChanged(listener: () => void): void {
    this.catalogueListeners.push(listener);
  }

  catalogueChanged(): void {
    for (const listener of this.catalogueListeners) listener();
  }

  categories(tenant: TenantRef): Promise<CategoryRow[]> {
    return this.repo.listCategories(tenant.id);
  }

  neighbourhoods(tenant: TenantRef): Promise<NeighbourhoodRow[]> {
    return this.repo.listNeighbourhoods(tenant.id);
  }

  neighbourhoodsGeoJson(tenant: TenantRef): Promise<unknown> {
    return this.repo.neighbourhoodsGeoJson(tenant.id);
  }
}
