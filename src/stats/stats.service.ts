import { Injectable } from '@nestjs/common';
import { Database } from '@libs/db';
import type { TenantRef } from '@libs/tenancy';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { MonthlyRow, StatsRepository } from './stats.repository';

/** Counts from 1 to this minus one are published as null, so that no one can be singled out. */
export const SUPPRESS_BELOW = 5;
/** How far back the public figures go. */
const MONTHS_BACK = 36;
const MEASURES = ['offers', 'requests', 'conversations', 'fulfilled'] as const;
export type Measure = (typeof MEASURES)[number];

export interface StatsItem {
  month: string;
  category: { slug: string; name: string };
  offers: number | null;
  requests: number | null;
  conversations: number | null;
  fulfilled: number | null;
}

export interface CommuneStats {
  slug: string;
  name: string;
  items: StatsItem[];
}

/** A zero reveals no one and stays; 1 to 4 become null. */
export function suppress(n: number): number | null {
  return n > 0 && n < SUPPRESS_BELOW ? null : n;
}

/**
 * The open-data figures of a commune (docs/OPEN-DATA.md). On the federation's home site they
 * come with one breakdown per member commune, each read under its own tenant.
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly db: Database,
    private readonly repo: StatsRepository,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
  ) {}

  async figures(tenant: TenantRef, now = new Date()) {
    const own = await this.commune(tenant, now);
    const site = await this.tenants.get(tenant);
    const members = [];
    if (site.federation.homeTenantSlug === tenant.slug) {
      for (const member of this.directory.all())
        if ((await this.tenants.get(member)).federation.slug === site.federation.slug) members.push(member);
    }
    // A federation of one commune has nothing to break down.
    const isHome = members.length > 1;
    const communes: CommuneStats[] = isHome ? await Promise.all(members.map((m) => this.commune(m, now))) : [];
    communes.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
    return {
      site: tenant.slug,
      generatedAt: now.toISOString(),
      suppressedBelow: SUPPRESS_BELOW,
      items: own.items,
      ...(isHome ? { federation: { slug: site.federation.slug, name: site.federation.name }, communes } : {}),
    };
  }

  /** The same figures as CSV (RFC 4180, UTF-8): one row per commune, month and category; suppressed cells empty. */
  async csv(tenant: TenantRef, now = new Date()): Promise<string> {
    const f = await this.figures(tenant, now);
    const communes = f.communes ?? [{ slug: tenant.slug, name: (await this.tenants.get(tenant)).name, items: f.items }];
    const lines = [
      [
        'commune',
        'mois',
        'categorie',
        'categorie_libelle',
        'offres',
        'demandes',
        'mises_en_relation',
        'entraides_realisees',
      ].join(','),
    ];
    for (const c of communes) {
      for (const i of c.items) {
        lines.push(
          [
            c.slug,
            i.month,
            i.category.slug,
            i.category.name,
            ...MEASURES.map((m) => (i[m] === null ? '' : String(i[m]))),
          ]
            .map(csvCell)
            .join(','),
        );
      }
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  private async commune(tenant: TenantRef, now: Date): Promise<CommuneStats> {
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - MONTHS_BACK + 1, 1));
    const rows = await this.db.read(tenant.id, (tx) => this.repo.monthly(tx, since));
    const site = await this.tenants.get(tenant);
    return { slug: tenant.slug, name: site.name, items: rows.map(toItem) };
  }
}

function toItem(r: MonthlyRow): StatsItem {
  return {
    month: r.month,
    category: { slug: r.categorySlug, name: r.categoryName },
    offers: suppress(r.offers),
    requests: suppress(r.requests),
    conversations: suppress(r.conversations),
    fulfilled: suppress(r.fulfilled),
  };
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
