import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/** Grid levels kept counted (cells of 90 / 2^level degrees: ~7 km at 10, ~110 m at 16); see listings.map.ts. */
const MIN_LEVEL = 10;
const MAX_LEVEL = 16;
/** category_id of the rows that count every category. */
const EVERY_CATEGORY = '00000000-0000-0000-0000-000000000000';

/**
 * Adds the rows of `source` (tenant_id, category_id, kind, public_location, d: +1 or -1) to the counts, at every
 * level, per category and for every category. Rows are written in key order, so that two statements counting at
 * once lock the cells they share in the same order (no deadlock); a cell back to zero stays, as a zero (the cells a
 * commune can have are bounded by its area, not by its history).
 */
const countSql = (source: string) => `
  INSERT INTO listing_map_cells AS m (tenant_id, level, category_id, cx, cy, kind, n, sum_lng, sum_lat)
  SELECT s.tenant_id, lv.level, cat.id, floor(p.x / (90.0::float8 / (1 << lv.level)))::int,
         floor(p.y / (90.0::float8 / (1 << lv.level)))::int, s.kind,
         sum(s.d)::int, sum(s.d * round(p.x * 1e6))::bigint, sum(s.d * round(p.y * 1e6))::bigint
  FROM (${source}) s
  CROSS JOIN LATERAL (SELECT ST_X(s.public_location::geometry) AS x, ST_Y(s.public_location::geometry) AS y) p
  CROSS JOIN generate_series(${MIN_LEVEL}, ${MAX_LEVEL}) lv(level)
  CROSS JOIN LATERAL (VALUES (s.category_id), ('${EVERY_CATEGORY}'::uuid)) cat(id)
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING sum(s.d) <> 0 OR sum(s.d * round(p.x * 1e6)) <> 0 OR sum(s.d * round(p.y * 1e6)) <> 0
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (tenant_id, level, category_id, cx, cy, kind) DO UPDATE
    SET n = m.n + EXCLUDED.n, sum_lng = m.sum_lng + EXCLUDED.sum_lng, sum_lat = m.sum_lat + EXCLUDED.sum_lat`;

const PUBLISHED = (rows: string, d: number) =>
  `SELECT tenant_id, category_id, kind, public_location, ${d} AS d FROM ${rows} WHERE status = 'published'`;

/**
 * The map's clusters read counted cells instead of every point of the box (at a million listings, zoom 12 read
 * ~25,000 points of a commune: 121 ms of PostgreSQL a request).
 *
 * - listing_map_cells: per tenant, grid level, cell, kind and category (and for every category), how many published
 *   listings have their public point there and the sum of those points (micro-degrees, exact under + and −), so
 *   that a cluster is still placed at the mean of its public points. Nothing else: never an id, never an exact
 *   location. Kept by statement triggers on listings (every writer, bulk ones included: one grouped upsert a
 *   statement, nothing when a change moves no count). Readable by the application role under RLS, written only by
 *   the trigger (owner function).
 * - Expiry is a time, not a write: a listing past its date stays counted until the expiry sweep marks it expired.
 *   The map subtracts those (listings_expiry: the few published listings past their date).
 * - app_listing_cells_edge: what counted cells cannot answer exactly, read point by point: the published listings of
 *   the box outside its whole interior cells (a band along its edges), minus the interior's listings past their
 *   date. With the interior empty it is the whole box.
 * - A map box is now the rectangle of longitudes and latitudes, exactly: `&&` on geography compares boxes in 3-D
 *   and takes points up to hundreds of metres outside a large box. Both lookups keep `&&` for the index, then test
 *   the rectangle.
 */
export class MapCellCounts1732300032000 implements MigrationInterface {
  name = 'MapCellCounts1732300032000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE listing_map_cells (
        tenant_id uuid NOT NULL,
        level smallint NOT NULL,
        category_id uuid NOT NULL,
        cx int NOT NULL,
        cy int NOT NULL,
        kind text NOT NULL,
        n int NOT NULL,
        sum_lng bigint NOT NULL,
        sum_lat bigint NOT NULL,
        PRIMARY KEY (tenant_id, level, category_id, cx, cy, kind)
      );
      ${tenantTableSql('listing_map_cells', 'SELECT')}

      CREATE FUNCTION app_listing_map_cells_count() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $fn$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            ${countSql(PUBLISHED('new_rows', 1))};
          ELSIF TG_OP = 'DELETE' THEN
            ${countSql(PUBLISHED('old_rows', -1))};
          ELSE
            ${countSql(`${PUBLISHED('new_rows', 1)} UNION ALL ${PUBLISHED('old_rows', -1)}`)};
          END IF;
          RETURN NULL;
        END $fn$;
      CREATE FUNCTION app_listing_map_cells_clear() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $fn$ BEGIN DELETE FROM listing_map_cells; RETURN NULL; END $fn$;
      REVOKE ALL ON FUNCTION app_listing_map_cells_count(), app_listing_map_cells_clear() FROM PUBLIC;
      CREATE TRIGGER listing_map_cells_insert AFTER INSERT ON listings REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION app_listing_map_cells_count();
      CREATE TRIGGER listing_map_cells_update AFTER UPDATE ON listings
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION app_listing_map_cells_count();
      CREATE TRIGGER listing_map_cells_delete AFTER DELETE ON listings REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION app_listing_map_cells_count();
      CREATE TRIGGER listing_map_cells_truncate AFTER TRUNCATE ON listings
        FOR EACH STATEMENT EXECUTE FUNCTION app_listing_map_cells_clear();
    `);
    await q.query(countSql(PUBLISHED('listings', 1)));
    await q.query(`ANALYZE listing_map_cells`);
    await q.query(`
      CREATE FUNCTION app_listing_cells_edge(min_lng float8, min_lat float8, max_lng float8, max_lat float8,
        level int, ix0 bigint, iy0 bigint, ix1 bigint, iy1 bigint, only_kind text, only_category uuid)
        RETURNS TABLE (cx bigint, cy bigint, kind text, n int, sum_lng float8, sum_lat float8)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
        BEGIN
          RETURN QUERY
          WITH g AS (SELECT 90.0::float8 / (1 << level) AS c, 1e-7 AS e)
          SELECT floor(p.x / g.c)::bigint, floor(p.y / g.c)::bigint, l.kind, 1, round(p.x * 1e6), round(p.y * 1e6)
          FROM g, listings l, LATERAL (SELECT ST_X(l.public_location::geometry) AS x,
                                              ST_Y(l.public_location::geometry) AS y) p
          WHERE l.tenant_id = app_current_tenant() AND l.status = 'published' AND l.expires_at > now()
            AND (l.public_location && ST_MakeEnvelope(min_lng, min_lat, max_lng, iy0 * g.c + g.e, 4326)::geography
              OR l.public_location && ST_MakeEnvelope(min_lng, (iy1 + 1) * g.c - g.e, max_lng, max_lat,
                                                      4326)::geography
              OR l.public_location && ST_MakeEnvelope(min_lng, least(iy0, iy1 + 1) * g.c - g.e, ix0 * g.c + g.e,
                                                      greatest(iy0, iy1 + 1) * g.c + g.e, 4326)::geography
              OR l.public_location && ST_MakeEnvelope((ix1 + 1) * g.c - g.e, least(iy0, iy1 + 1) * g.c - g.e,
                                                      max_lng, greatest(iy0, iy1 + 1) * g.c + g.e, 4326)::geography)
            AND p.x BETWEEN min_lng AND max_lng AND p.y BETWEEN min_lat AND max_lat
            AND NOT (floor(p.x / g.c) BETWEEN ix0 AND ix1 AND floor(p.y / g.c) BETWEEN iy0 AND iy1)
            AND (only_kind IS NULL OR l.kind = only_kind)
            AND (only_category IS NULL OR l.category_id = only_category)
          UNION ALL
          SELECT floor(p.x / g.c)::bigint, floor(p.y / g.c)::bigint, l.kind, -1, -round(p.x * 1e6), -round(p.y * 1e6)
          FROM g, listings l, LATERAL (SELECT ST_X(l.public_location::geometry) AS x,
                                              ST_Y(l.public_location::geometry) AS y) p
          WHERE l.status = 'published' AND l.expires_at <= now() AND l.tenant_id = app_current_tenant()
            AND floor(p.x / g.c) BETWEEN ix0 AND ix1 AND floor(p.y / g.c) BETWEEN iy0 AND iy1
            AND (only_kind IS NULL OR l.kind = only_kind)
            AND (only_category IS NULL OR l.category_id = only_category);
        END $$;
      REVOKE ALL ON FUNCTION app_listing_cells_edge(float8, float8, float8, float8, int, bigint, bigint, bigint,
        bigint, text, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_listing_cells_edge(float8, float8, float8, float8, int, bigint, bigint, bigint,
        bigint, text, uuid) TO entraide_app;
    `);
    await q.query(BOX_FUNCTIONS(EXACT_BOX));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(BOX_FUNCTIONS(''));
    await q.query(`
      DROP FUNCTION IF EXISTS app_listing_cells_edge(float8, float8, float8, float8, int, bigint, bigint, bigint,
        bigint, text, uuid);
      DROP TRIGGER IF EXISTS listing_map_cells_insert ON listings;
      DROP TRIGGER IF EXISTS listing_map_cells_update ON listings;
      DROP TRIGGER IF EXISTS listing_map_cells_delete ON listings;
      DROP TRIGGER IF EXISTS listing_map_cells_truncate ON listings;
      DROP FUNCTION IF EXISTS app_listing_map_cells_count();
      DROP FUNCTION IF EXISTS app_listing_map_cells_clear();
      DROP TABLE IF EXISTS listing_map_cells;
    `);
  }
}

const EXACT_BOX = `
                AND ST_X(g) BETWEEN min_lng AND max_lng AND ST_Y(g) BETWEEN min_lat AND max_lat`;

/**
 * The live lookups of migration 1732300020000, testing the rectangle after `&&` (`exact`; '' gives them back as
 * they were).
 */
const BOX_FUNCTIONS = (exact: string) => `
  CREATE OR REPLACE FUNCTION app_listing_cells_in_box(min_lng float8, min_lat float8, max_lng float8,
    max_lat float8, cell float8, only_kind text, only_category uuid)
    RETURNS TABLE (cx bigint, cy bigint, kind text, n int, lng float8, lat float8)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_sort = off
    AS $$ SELECT floor(ST_X(g) / cell)::bigint, floor(ST_Y(g) / cell)::bigint, l.kind, count(*)::int,
                 avg(ST_X(g)), avg(ST_Y(g))
          FROM listings l, LATERAL (SELECT l.public_location::geometry AS g) p
          WHERE l.tenant_id = app_current_tenant() AND l.status = 'published' AND l.expires_at > now()
            AND l.public_location && ST_MakeEnvelope(min_lng, min_lat, max_lng, max_lat, 4326)::geography${exact}
            AND (only_kind IS NULL OR l.kind = only_kind)
            AND (only_category IS NULL OR l.category_id = only_category)
          GROUP BY 1, 2, 3 $$;
  CREATE OR REPLACE FUNCTION app_listing_points_in_box(min_lng float8, min_lat float8, max_lng float8,
    max_lat float8, only_kind text, only_category uuid, max_rows int)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT id FROM listings l, LATERAL (SELECT l.public_location::geometry AS g) p
          WHERE tenant_id = app_current_tenant() AND status = 'published' AND expires_at > now()
            AND public_location && ST_MakeEnvelope(min_lng, min_lat, max_lng, max_lat, 4326)::geography${exact}
            AND (only_kind IS NULL OR kind = only_kind)
            AND (only_category IS NULL OR category_id = only_category)
          LIMIT max_rows $$;`;
