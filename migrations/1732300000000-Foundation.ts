import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantTableSql } from '@libs/db/rls';

/**
 * Federations, tenants and their reference data: domains, chosen categories, commune
 * outline and neighbourhoods. Platform tables (federations, tenants, categories) are
 * readable by the application; tenant tables are guarded by row-level security.
 */
export class Foundation1732300000000 implements MigrationInterface {
  name = 'Foundation1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE EXTENSION IF NOT EXISTS postgis;
      CREATE EXTENSION IF NOT EXISTS btree_gist;
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE EXTENSION IF NOT EXISTS unaccent;

      CREATE FUNCTION app_current_tenant() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

      CREATE TABLE federations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
        name text NOT NULL,
        home_tenant_slug text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
        federation_id uuid NOT NULL REFERENCES federations (id),
        name text NOT NULL,
        site_name text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- The federation's shared catalogue; each tenant picks from it (tenant_categories).
      CREATE TABLE categories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        federation_id uuid NOT NULL REFERENCES federations (id),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9-]+$'),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        icon text NOT NULL DEFAULT '',
        remote boolean NOT NULL DEFAULT false,
        archived_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (federation_id, slug)
      );

      -- Domains are unique across tenants; tenants:sync checks it before writing, so the
      -- key can stay tenant-first like every tenant table.
      CREATE TABLE tenant_domains (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        domain text NOT NULL CHECK (domain = lower(domain)),
        is_primary boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, domain)
      );

      CREATE TABLE tenant_categories (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        category_id uuid NOT NULL REFERENCES categories (id),
        enabled boolean NOT NULL DEFAULT true,
        position integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, category_id)
      );

      CREATE TABLE tenant_areas (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        outline geography(MultiPolygon, 4326) NOT NULL,
        note text NOT NULL DEFAULT '',
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE neighbourhoods (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9-]+$'),
        name text NOT NULL,
        outline geography(MultiPolygon, 4326) NOT NULL,
        position integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, slug)
      );
      -- Serves "which neighbourhood contains this point" for one tenant (btree_gist for tenant_id).
      CREATE INDEX neighbourhoods_tenant_outline_gist ON neighbourhoods USING gist (tenant_id, outline);

      -- Resolving a Host happens before any tenant is known; this definer function (owned by
      -- the owner role, which bypasses RLS) exposes only the host -> tenant map.
      CREATE FUNCTION app_tenant_directory() RETURNS TABLE (domain text, tenant_id uuid, slug text, is_primary boolean)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT d.domain, d.tenant_id, t.slug, d.is_primary FROM tenant_domains d JOIN tenants t ON t.id =
          d.tenant_id $$;
      REVOKE ALL ON FUNCTION app_tenant_directory() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_tenant_directory() TO ${APP_ROLE};
      GRANT EXECUTE ON FUNCTION app_current_tenant() TO ${APP_ROLE};

      GRANT SELECT ON federations, tenants TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE ON categories TO ${APP_ROLE};
    `);
    for (const table of ['tenant_domains', 'tenant_categories', 'tenant_areas', 'neighbourhoods']) {
      await q.query(tenantTableSql(table, table === 'tenant_categories' ? undefined : 'SELECT'));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS app_tenant_directory();
      DROP TABLE IF EXISTS neighbourhoods, tenant_areas, tenant_categories, tenant_domains, categories, tenants,
        federations;
      DROP FUNCTION IF EXISTS app_current_tenant();
    `);
  }
}
