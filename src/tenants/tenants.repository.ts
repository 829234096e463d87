import { Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { Database, firstRow, rows } from '@libs/db';
import { parseTenantId, TenantId, TenantRef } from '@libs/tenancy';
import { TenantSettings } from './tenant-file.schema';

export interface TenantRow {
  id: TenantId;
  slug: string;
  name: string;
  siteName: string;
  settings: TenantSettings;
  federation: { slug: string; name: string; homeTenantSlug: string };
}

export interface ClosedCommune {
  name: string;
  status: 'dormant' | 'merged';
  inseeCode: string | null;
  federation: string;
  mergedInto: string | null;
  mergedIntoName: string | null;
  openNearby: Array<{ slug: string; name: string }>;
}

export interface CategoryRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  icon: string;
  remote: boolean;
}

export interface NeighbourhoodRow {
  id: string;
  slug: string;
  name: string;
  /** A point inside the neighbourhood: where a listing goes when its author picks only the neighbourhood. */
  centre: { lat: number; lng: number };
}

/** A tenant with its federation, as the query reads it (the id not parsed yet). */
type TenantRecord = Omit<TenantRow, 'id'> & { id: string };

const TENANT_COLUMNS = `t.id, t.slug, t.name, t.site_name AS "siteName", t.settings,
  json_build_object('slug', f.slug, 'name', f.name, 'homeTenantSlug', f.home_tenant_slug) AS federation`;

const tenantRow = (r: TenantRecord): TenantRow => ({ ...r, id: parseTenantId(r.id) });

/** Reference data of one tenant; every method takes the tenant id and runs under its RLS context. */
@Injectable()
export class TenantsRepository {
  constructor(private readonly db: Database) {}

  /**
   * One open tenant's row, on the directory's own connections (`on`): code holding a pooled connection in a
   * transaction may need it, and must not wait for a second one of the same pool.
   */
  async openTenant(on: Pool, tenantId: TenantId): Promise<TenantRow | undefined> {
    return (await this.openTenants(on, [tenantId]))[0];
  }

  /** The rows of those of `tenantIds` that are open (the directory refreshes what it holds). */
  async openTenants(on: Pool, tenantIds: TenantId[]): Promise<TenantRow[]> {
    const { rows: found } = await on.query<TenantRecord>(
      `SELECT ${TENANT_COLUMNS} FROM tenants t JOIN federations f ON f.id = t.federation_id
       WHERE t.id = ANY($1::uuid[]) AND t.status = 'open'`,
      [tenantIds],
    );
    return found.map(tenantRow);
  }

  /** The dormant or merged commune of this slug (tenants_slug_key), on the directory's own connections. */
  async closedTenant(on: Pool, slug: string): Promise<TenantRef | undefined> {
    const { rows: found } = await on.query<{ id: string; slug: string }>(
      `SELECT id, slug FROM tenants WHERE slug = $1 AND status <> 'open'`,
      [slug],
    );
    return found[0] && { id: parseTenantId(found[0].id), slug: found[0].slug };
  }

  /**
   * What a dormant or merged commune's page says: its name, its federation, the commune it merged into, and the
   * open communes of its federation, nearest first when both outlines are known (commune_outlines), else by name.
   */
  closedCommune(tenantId: TenantId): Promise<ClosedCommune | undefined> {
    return this.db.withoutTenant((tx) =>
      firstRow<ClosedCommune>(
        tx,
        `SELECT t.name, t.status, t.insee_code AS "inseeCode", f.name AS federation, m.slug AS "mergedInto",
                m.name AS "mergedIntoName",
                coalesce((SELECT json_agg(json_build_object('slug', o.slug, 'name', o.name) ORDER BY o.d, o.name)
                          FROM (SELECT n.slug, n.name, ST_Distance(co.outline, no.outline) AS d
                                FROM tenants n LEFT JOIN commune_outlines no ON no.insee_code = n.insee_code
                                LEFT JOIN commune_outlines co ON co.insee_code = t.insee_code
                                WHERE n.federation_id = t.federation_id AND n.status = 'open'
                                ORDER BY d NULLS LAST, n.name LIMIT 5) o), '[]') AS "openNearby"
         FROM tenants t JOIN federations f ON f.id = t.federation_id LEFT JOIN tenants m ON m.id = t.merged_into
         WHERE t.id = $1 AND t.status <> 'open'`,
        [tenantId],
      ),
    );
  }

  findFederation(slug: string): Promise<{ name: string; homeTenantSlug: string } | undefined> {
    return this.db.withoutTenant((tx) =>
      firstRow<{ name: string; homeTenantSlug: string }>(
        tx,
        'SELECT name, home_tenant_slug AS "homeTenantSlug" FROM federations WHERE slug = $1',
        [slug],
      ),
    );
  }

  /** The tenant's enabled, non-archived categories in its chosen order (tenant_categories primary key). */
  listCategories(tenantId: TenantId): Promise<CategoryRow[]> {
    return this.db.withTenant(tenantId, (tx) =>
      rows<CategoryRow>(
        tx,
        `SELECT c.id, c.slug, c.name, c.description, c.icon, c.remote
         FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id
         WHERE tc.tenant_id = $1 AND tc.enabled AND c.archived_at IS NULL
         ORDER BY tc.position, c.name`,
        [tx.tenantId],
      ),
    );
  }

  listNeighbourhoods(tenantId: TenantId): Promise<NeighbourhoodRow[]> {
    return this.db.withTenant(tenantId, (tx) =>
      rows<NeighbourhoodRow>(
        tx,
        `SELECT id, slug, name,
                json_build_object('lat', round(ST_Y(c)::numeric, 6), 'lng', round(ST_X(c)::numeric, 6)) AS centre
         FROM neighbourhoods, ST_PointOnSurface(outline::geometry) AS c
         WHERE tenant_id = $1 ORDER BY position, name`,
        [tx.tenantId],
      ),
    );
  }

  /** One FeatureCollection built by PostGIS, so geometry never round-trips through JS objects. */
  async neighbourhoodsGeoJson(tenantId: TenantId): Promise<unknown> {
    const row = await this.db.withTenant(tenantId, (tx) =>
      firstRow<{ fc: unknown }>(
        tx,
        `SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
                  'type', 'Feature', 'id', id,
                  'properties', json_build_object('id', id, 'slug', slug, 'name', name),
                  'geometry', ST_AsGeoJSON(outline, 6)::json) ORDER BY position, name), '[]'::json)) AS fc
         FROM neighbourhoods WHERE tenant_id = $1`,
        [tx.tenantId],
      ),
    );
    return row?.fc;
  }
}
