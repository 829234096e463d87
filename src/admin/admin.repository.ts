import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, TenantTx, Tx } from '@libs/db';
import type { CategoryRow } from '@src/tenants/tenants.service';

/** A category of the federation's catalogue, as its administrators see it (archived ones too). */
export interface CatalogueRow extends CategoryRow {
  archived: boolean;
  position: number;
}

/** A category as one tenant shows it. */
export interface TenantCategoryRow {
  categoryId: string;
  slug: string;
  name: string;
  enabled: boolean;
  position: number;
  archived: boolean;
}

/** A tenant's activity between two days: per Paris day, per category, per neighbourhood. */
export interface TenantStats {
  byDay: Array<{
    day: string;
    offers: number;
    requests: number;
    newResidents: number;
    matchesMailed: number;
    conversationsStarted: number;
    moderationDecisions: number;
    organisations: number;
    projects: number;
    missions: number;
    volunteerSignUps: number;
  }>;
  byCategory: Array<{
    category: string;
    name: string;
    offers: number;
    requests: number;
    matchesMailed: number;
    conversationsStarted: number;
  }>;
  byNeighbourhood: Array<{ neighbourhood: string; name: string; offers: number; requests: number }>;
}

const CATALOGUE_COLUMNS = `id, slug, name, description, icon, remote, archived_at IS NOT NULL AS archived, position`;
const FEDERATION_ID = (param: string) => `(SELECT id FROM federations WHERE slug = ${param})`;

/** The federation catalogue, tenants' category choices, and the statistics of a tenant. */
@Injectable()
export class AdminRepository {
  catalogue(tx: Tx, federationSlug: string): Promise<CatalogueRow[]> {
    return rows<CatalogueRow>(
      tx,
      `SELECT ${CATALOGUE_COLUMNS} FROM categories WHERE federation_id = ${FEDERATION_ID('$1')}
       ORDER BY position, name`,
      [federationSlug],
    );
  }

  createCategory(
    tx: Tx,
    federationSlug: string,
    c: { slug: string; name: string; description: string; icon: string; remote: boolean },
  ): Promise<CatalogueRow | undefined> {
    return firstRow<CatalogueRow>(
      tx,
      `INSERT INTO categories (federation_id, slug, name, description, icon, remote, position)
       VALUES (${FEDERATION_ID('$1')}, $2, $3, $4, $5, $6,
         (SELECT coalesce(max(position) + 1, 0) FROM categories WHERE federation_id = ${FEDERATION_ID('$1')}))
       ON CONFLICT (federation_id, slug) DO NOTHING RETURNING ${CATALOGUE_COLUMNS}`,
      [federationSlug, c.slug, c.name, c.description, c.icon, c.remote],
    );
  }

  async updateCategory(
    tx: Tx,
    federationSlug: string,
    id: string,
    c: Partial<{ slug: string; name: string; description: string; icon: string; remote: boolean; archived: boolean }>,
  ): Promise<CatalogueRow | undefined> {
    const params: unknown[] = [federationSlug, id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const sets = ['updated_at = now()'];
    for (const k of ['slug', 'name', 'description', 'icon', 'remote'] as const)
      if (c[k] !== undefined) sets.push(`${k} = ${p(c[k])}`);
    if (c.archived !== undefined)
      sets.push(`archived_at = CASE WHEN ${p(c.archived)} THEN coalesce(archived_at, now()) END`);
    const updated = await rows<CatalogueRow>(
      tx,
      `UPDATE categories SET ${sets.join(', ')} WHERE id = $2 AND federation_id = (SELECT id FROM federations ` +
        `WHERE slug = $1) RETURNING ${CATALOGUE_COLUMNS}`,
      params,
    );
    return updated[0];
  }

  /** The catalogue's order as given (ids first to last): each category gets its rank. */
  async orderCatalogue(tx: Tx, federationSlug: string, ids: string[]): Promise<void> {
    await execute(
      tx,
      `UPDATE categories c SET position = o.n - 1, updated_at = now()
       FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, n)
       WHERE c.id = o.id AND c.federation_id = ${FEDERATION_ID('$1')} AND c.position IS DISTINCT FROM o.n - 1`,
      [federationSlug, ids],
    );
  }

  /** Live catalogue entries the tenant has never taken (none of its tenant_categories), in the catalogue's order. */
  missingCategories(tx: TenantTx, federationSlug: string): Promise<CatalogueRow[]> {
    return rows<CatalogueRow>(
      tx,
      `SELECT ${CATALOGUE_COLUMNS} FROM categories c WHERE federation_id = ${FEDERATION_ID('$2')} AND archived_at IS ` +
        `NULL AND NOT EXISTS (SELECT 1 FROM tenant_categories tc WHERE tc.tenant_id = $1 AND tc.category_id = c.id)
       ORDER BY position, name`,
      [tx.tenantId, federationSlug],
    );
  }

  /** The category shown by the tenant, last of its list. */
  async addTenantCategory(tx: TenantTx, categoryId: string): Promise<void> {
    await execute(
      tx,
      `INSERT INTO tenant_categories (tenant_id, category_id, enabled, position)
       VALUES ($1, $2, true, (SELECT coalesce(max(position) + 1, 0) FROM tenant_categories WHERE tenant_id = $1))
       ON CONFLICT (tenant_id, category_id) DO UPDATE SET enabled = true`,
      [tx.tenantId, categoryId],
    );
  }

  /** The ids among `ids` that are live entries of the federation's catalogue. */
  async liveCategoryIds(tx: Tx, federationSlug: string, ids: string[]): Promise<Set<string>> {
    const found = await rows<{ id: string }>(
      tx,
      `SELECT id FROM categories WHERE id = ANY($2::uuid[]) AND archived_at IS NULL AND federation_id = (SELECT ` +
        `id FROM federations WHERE slug = $1)`,
      [federationSlug, ids],
    );
    return new Set(found.map((r) => r.id));
  }

  /** Replaces the tenant's choice: listed categories get their flag and position, the others are turned off. */
  async setTenantCategories(
    tx: TenantTx,
    items: Array<{ categoryId: string; enabled: boolean; position: number }>,
  ): Promise<void> {
    await execute(
      tx,
      `UPDATE tenant_categories SET enabled = false WHERE tenant_id = $1 AND NOT (category_id = ANY($2::uuid[]))`,
      [tx.tenantId, items.map((i) => i.categoryId)],
    );
    await execute(
      tx,
      `INSERT INTO tenant_categories (tenant_id, category_id, enabled, position)
       SELECT $1, c, e, p FROM unnest($2::uuid[], $3::bool[], $4::int[]) AS u(c, e, p)
       ON CONFLICT (tenant_id, category_id) DO UPDATE SET enabled = EXCLUDED.enabled, position = EXCLUDED.position`,
      [tx.tenantId, items.map((i) => i.categoryId), items.map((i) => i.enabled), items.map((i) => i.position)],
    );
  }

  tenantCategories(tx: TenantTx): Promise<TenantCategoryRow[]> {
    return rows<TenantCategoryRow>(
      tx,
      `SELECT c.id AS "categoryId", c.slug, c.name, tc.enabled, tc.position, c.archived_at IS NOT NULL AS archived
       FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id WHERE tc.tenant_id = $1 ORDER BY
         tc.position, c.name`,
      [tx.tenantId],
    );
  }

  /** Counts per Paris day, per category and per neighbourhood between two dates (inclusive). */
  async stats(tx: TenantTx, from: string, to: string): Promise<TenantStats> {
    const range = [tx.tenantId, from, to];
    const day = (col: string) => `(${col} AT TIME ZONE 'Europe/Paris')::date`;
    const inRange = (col: string) => `${day(col)} BETWEEN $2::date AND $3::date`;
    const byDay = await rows<TenantStats['byDay'][number]>(
      tx,
      `WITH days AS (SELECT d::date AS day FROM generate_series($2::date, $3::date, interval '1 day') d)
       SELECT days.day::text AS day,
         (SELECT count(*) FROM listings WHERE tenant_id = $1 AND kind = 'offer' AND ${day('created_at')} =
           days.day)::int AS offers,
         (SELECT count(*) FROM listings WHERE tenant_id = $1 AND kind = 'request' AND ${day('created_at')} =
           days.day)::int AS requests,
         (SELECT count(*) FROM accounts WHERE tenant_id = $1 AND ${day('created_at')} = days.day)::int AS
           "newResidents",
         (SELECT count(*) FROM match_notifications WHERE tenant_id = $1 AND status = 'mailed' AND ${day('mailed_at')}
           = days.day)::int AS "matchesMailed",
         (SELECT count(*) FROM conversations WHERE tenant_id = $1 AND ${day('created_at')} = days.day)::int AS
           "conversationsStarted",
         (SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action LIKE 'listing.%' AND ${day('at')} =
           days.day)::int AS "moderationDecisions",
         (SELECT count(*) FROM organisations WHERE tenant_id = $1 AND ${day('created_at')} = days.day)::int AS
           organisations,
         (SELECT count(*) FROM projects WHERE tenant_id = $1 AND ${day('created_at')} = days.day)::int AS projects,
         (SELECT count(*) FROM missions WHERE tenant_id = $1 AND ${day('created_at')} = days.day)::int AS missions,
         (SELECT count(*) FROM mission_volunteers WHERE tenant_id = $1 AND ${day('created_at')} = days.day)::int AS
           "volunteerSignUps"
       FROM days ORDER BY days.day`,
      range,
    );
    const byCategory = await rows<TenantStats['byCategory'][number]>(
      tx,
      `SELECT c.slug AS category, c.name,
         count(*) FILTER (WHERE l.kind = 'offer')::int AS offers, count(*) FILTER (WHERE l.kind = 'request')::int AS
           requests,
         (SELECT count(*) FROM match_notifications mn JOIN listings x ON x.tenant_id = mn.tenant_id AND x.id =
           mn.listing_id
           WHERE mn.tenant_id = $1 AND x.category_id = c.id AND mn.status = 'mailed' AND
             ${inRange('mn.mailed_at')})::int AS "matchesMailed",
         (SELECT count(*) FROM conversations cv JOIN listings x ON x.tenant_id = cv.tenant_id AND x.id = cv.listing_id
           WHERE cv.tenant_id = $1 AND x.category_id = c.id AND ${inRange('cv.created_at')})::int AS
             "conversationsStarted"
       FROM listings l JOIN categories c ON c.id = l.category_id
       WHERE l.tenant_id = $1 AND ${inRange('l.created_at')} GROUP BY c.id, c.slug, c.name ORDER BY c.slug`,
      range,
    );
    const byNeighbourhood = await rows<TenantStats['byNeighbourhood'][number]>(
      tx,
      `SELECT n.slug AS neighbourhood, n.name, count(*) FILTER (WHERE l.kind = 'offer')::int AS offers, count(*)
        FILTER (WHERE l.kind = 'request')::int AS requests
       FROM listings l JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND n.id = l.neighbourhood_id
       WHERE l.tenant_id = $1 AND ${inRange('l.created_at')} GROUP BY n.slug, n.name ORDER BY n.slug`,
      range,
    );
    return { byDay, byCategory, byNeighbourhood };
  }
}
