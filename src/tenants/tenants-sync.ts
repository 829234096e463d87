import { DataSource, EntityManager } from 'typeorm';
import { execute, rows } from '@libs/db';
import { TenantCatalogue, TenantFileError } from './tenant-files';
import { TenantFile, TenantSettings } from './tenant-file.schema';

export interface SyncReport {
  changes: number;
  tenants: string[];
}

/** Channel the API listens on to refresh its host → tenant map after a sync. */
export const TENANTS_CHANGED_CHANNEL = 'tenants_changed';

const polygonJson = (ring: Array<[number, number]>) => JSON.stringify({ type: 'Polygon', coordinates: [ring] });
const GEOG = `ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($GEO), 4326))::geography`;
const geog = (param: string) => GEOG.replace('$GEO', param);

/**
 * Applies the tenant files in one transaction, as the owner role: all or nothing.
 * Platform data (names, domains, theme, outlines, neighbourhoods) follows the files.
 * Categories are seeded: a catalogue entry or a tenant's choice missing from the
 * database is created, but once there it belongs to the administrators who edit it.
 * Unchanged rows are not rewritten, so a second run reports no change.
 */
export async function syncTenants(adminDataSource: DataSource, catalogue: TenantCatalogue): Promise<SyncReport> {
  const qr = adminDataSource.createQueryRunner();
  await qr.connect();
  let changes = 0;
  const tx = qr.manager;
  const run = async (sql: string, params: unknown[] = []): Promise<void> => {
    changes += await execute(tx, sql, params);
  };
  try {
    await qr.startTransaction();
    for (const fed of catalogue.federations) {
      await run(
        `INSERT INTO federations (slug, name, home_tenant_slug, epci_code) VALUES ($1, $2, $3, $4)
         ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, home_tenant_slug = EXCLUDED.home_tenant_slug,
           epci_code = EXCLUDED.epci_code, updated_at = now()
         WHERE (federations.name, federations.home_tenant_slug, federations.epci_code) IS DISTINCT FROM (EXCLUDED.name,
           EXCLUDED.home_tenant_slug, EXCLUDED.epci_code)`,
        [fed.slug, fed.name, fed.homeTenant, fed.epci ?? null],
      );
      const [{ id: fedId }] = await rows<{ id: string }>(tx, 'SELECT id FROM federations WHERE slug = $1', [fed.slug]);
      for (const c of fed.categories) {
        await run(
          `INSERT INTO categories (federation_id, slug, name, description, icon, remote) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (federation_id, slug) DO NOTHING`,
          [fedId, c.slug, c.name, c.description, c.icon, c.remote],
        );
      }
    }
    for (const t of catalogue.tenants) {
      await checkGeometry(tx, t);
      const settings: TenantSettings = {
        theme: t.theme,
        moderation: t.moderation,
        contact: t.contact,
        organisations: t.organisations,
        matching: t.matching,
        outcomes: t.outcomes,
        map: t.map,
        host: t.host,
        accessibility: t.accessibility,
        siren: t.siren,
        // Names of environment variables only: a secret never reaches the database.
        identityProviders: t.identityProviders,
      };
      await run(
        `INSERT INTO tenants (slug, federation_id, name, site_name, settings, siren)
         VALUES ($1, (SELECT id FROM federations WHERE slug = $2), $3, $4, $5::jsonb, $6)
         ON CONFLICT (slug) DO UPDATE SET federation_id = EXCLUDED.federation_id, name = EXCLUDED.name,
           site_name = EXCLUDED.site_name, settings = EXCLUDED.settings, status = 'open', siren = EXCLUDED.siren,
           updated_at = now()
         WHERE (tenants.federation_id, tenants.name, tenants.site_name, tenants.settings, tenants.status, tenants.siren)
           IS DISTINCT FROM (EXCLUDED.federation_id, EXCLUDED.name, EXCLUDED.site_name, EXCLUDED.settings, 'open',
             EXCLUDED.siren)`,
        [t.slug, t.federation, t.name, t.siteName, JSON.stringify(settings), t.siren ?? null],
      );
      const [{ id: tenantId }] = await rows<{ id: string }>(tx, 'SELECT id FROM tenants WHERE slug = $1', [t.slug]);
      if (t.insee) {
        // A dormant tenant communes:import made for the same commune gives way to the file: its host leads here.
        await run(
          `UPDATE tenants SET insee_code = NULL, status = 'merged', merged_into = $2, updated_at = now()
           WHERE insee_code = $1 AND id <> $2 AND status = 'dormant'`,
          [t.insee, tenantId],
        );
        await run(
          `UPDATE tenants SET insee_code = $1, updated_at = now() WHERE id = $2 AND insee_code IS DISTINCT FROM $1`,
          [t.insee, tenantId],
        );
      }

      await run('DELETE FROM tenant_domains WHERE tenant_id = $1 AND NOT (domain = ANY($2))', [tenantId, t.domains]);
      for (const [i, d] of t.domains.entries()) {
        await run(
          `INSERT INTO tenant_domains (tenant_id, domain, is_primary) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, domain) DO UPDATE SET is_primary = EXCLUDED.is_primary
           WHERE tenant_domains.is_primary IS DISTINCT FROM EXCLUDED.is_primary`,
          [tenantId, d, i === 0],
        );
      }

      await run(
        `INSERT INTO tenant_areas (tenant_id, outline, note) VALUES ($1, ${geog('$2')}, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET outline = EXCLUDED.outline, note = EXCLUDED.note, updated_at = now()
         WHERE (tenant_areas.outline::text, tenant_areas.note) IS DISTINCT FROM (EXCLUDED.outline::text,
           EXCLUDED.note)`,
        [tenantId, polygonJson(t.area), 'approximate outline'],
      );

      await run('DELETE FROM neighbourhoods WHERE tenant_id = $1 AND NOT (slug = ANY($2))', [
        tenantId,
        t.neighbourhoods.map((n) => n.slug),
      ]);
      for (const [i, n] of t.neighbourhoods.entries()) {
        await run(
          `INSERT INTO neighbourhoods (tenant_id, slug, name, outline, position) VALUES ($1, $2, $3, ${geog('$4')}, $5)
           ON CONFLICT (tenant_id, slug) DO UPDATE SET name = EXCLUDED.name, outline = EXCLUDED.outline, position =
             EXCLUDED.position, updated_at = now()
           WHERE (neighbourhoods.name, neighbourhoods.outline::text, neighbourhoods.position)
             IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.outline::text, EXCLUDED.position)`,
          [tenantId, n.slug, n.name, polygonJson(n.polygon), i],
        );
      }

      for (const [i, slug] of t.categories.entries()) {
        await run(
          `INSERT INTO tenant_categories (tenant_id, category_id, enabled, position)
           SELECT $1, c.id, true, $3 FROM categories c JOIN federations f ON f.id = c.federation_id
           WHERE f.slug = $4 AND c.slug = $2
           ON CONFLICT (tenant_id, category_id) DO NOTHING`,
          [tenantId, slug, i, t.federation],
        );
      }
    }
    if (changes > 0) await execute(tx, `NOTIFY ${TENANTS_CHANGED_CHANNEL}`);
    await qr.commitTransaction();
    return { changes, tenants: catalogue.tenants.map((t) => t.slug) };
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

/** PostGIS checks the files' shapes before anything is written, naming the faulty field. */
async function checkGeometry(tx: EntityManager, t: TenantFile & { file: string }): Promise<void> {
  const shape = `ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)`;
  const [area] = await rows<{ ok: boolean; why: string }>(
    tx,
    `SELECT ST_IsValid(${shape}) AS ok, ST_IsValidReason(${shape}) AS why`,
    [polygonJson(t.area)],
  );
  if (!area.ok) throw new TenantFileError(t.file, 'area', `invalid polygon (${area.why})`);
  const [centre] = await rows<{ ok: boolean }>(
    tx,
    `SELECT ST_Covers(${shape}, ST_SetSRID(ST_MakePoint($2, $3), 4326)) AS ok`,
    [polygonJson(t.area), t.map.center.lng, t.map.center.lat],
  );
  if (!centre.ok) throw new TenantFileError(t.file, 'map.center', 'lies outside the area');
  for (const [i, n] of t.neighbourhoods.entries()) {
    const [r] = await rows<{ ok: boolean; why: string; inside: boolean }>(
      tx,
      `SELECT ST_IsValid(n) AS ok, ST_IsValidReason(n) AS why, ST_CoveredBy(n, ${shape}) AS inside
       FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($2), 4326) AS n) s`,
      [polygonJson(t.area), polygonJson(n.polygon)],
    );
    if (!r.ok) throw new TenantFileError(t.file, `neighbourhoods.${i}.polygon`, `invalid polygon (${r.why})`);
    if (!r.inside)
      throw new TenantFileError(t.file, `neighbourhoods.${i}.polygon`, `"${n.slug}" is not inside the area`);
  }
  const overlaps = await rows<{ a: string; b: string }>(
    tx,
    `WITH n AS (SELECT ord, ST_SetSRID(ST_GeomFromGeoJSON(g), 4326) AS g FROM unnest($1::text[]) WITH ORDINALITY AS
      u(g, ord))
     SELECT a.ord AS a, b.ord AS b FROM n a JOIN n b ON a.ord < b.ord
     WHERE ST_Area(ST_Intersection(a.g, b.g)) > 1e-9 LIMIT 1`,
    [t.neighbourhoods.map((n) => polygonJson(n.polygon))],
  );
  if (overlaps.length) {
    const [a, b] = [Number(overlaps[0].a) - 1, Number(overlaps[0].b) - 1];
    throw new TenantFileError(
      t.file,
      `neighbourhoods.${b}.polygon`,
      `"${t.neighbourhoods[b].slug}" overlaps "${t.neighbourhoods[a].slug}"`,
    );
  }
}
