import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The map's two lookups (src/listings/listings.map.ts), as owner functions like app_listings_in_box: under
 * row-level security PostgreSQL will not use `&&` as an index condition. Both are pinned to app_current_tenant(),
 * read only public listings (published, not expired) through listings_public_geo (or
 * listings_public_category_geo with a category), and sort nothing:
 *   - app_listing_cells_in_box: counts per grid cell and kind, placed at the mean of the cell's public points
 *     (never an id, never an exact location);
 *   - app_listing_points_in_box: at most `max_rows` ids, in no order (the caller asks for one more than it shows
 *     and answers cells when the box holds more).
 * A SQL function's body gets a generic plan, which guesses one row in the box and would group by sorting every point
 * of it (the whole commune when zoomed out); `enable_sort = off` makes it group by hashing (cells are a few hundred).
 */
export class MapClusters1732300020000 implements MigrationInterface {
  name = 'MapClusters1732300020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION app_listing_cells_in_box(min_lng float8, min_lat float8, max_lng float8,
        max_lat float8, cell float8, only_kind text, only_category uuid)
        RETURNS TABLE (cx bigint, cy bigint, kind text, n int, lng float8, lat float8)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_sort = off
        AS $$ SELECT floor(ST_X(g) / cell)::bigint, floor(ST_Y(g) / cell)::bigint, l.kind, count(*)::int,
                     avg(ST_X(g)), avg(ST_Y(g))
              FROM listings l, LATERAL (SELECT l.public_location::geometry AS g) p
              WHERE l.tenant_id = app_current_tenant() AND l.status = 'published' AND l.expires_at > now()
                AND l.public_location && ST_MakeEnvelope(min_lng, min_lat, max_lng, max_lat, 4326)::geography
                AND (only_kind IS NULL OR l.kind = only_kind)
                AND (only_category IS NULL OR l.category_id = only_category)
              GROUP BY 1, 2, 3 $$;
      CREATE OR REPLACE FUNCTION app_listing_points_in_box(min_lng float8, min_lat float8, max_lng float8,
        max_lat float8, only_kind text, only_category uuid, max_rows int)
        RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT id FROM listings
              WHERE tenant_id = app_current_tenant() AND status = 'published' AND expires_at > now()
                AND public_location && ST_MakeEnvelope(min_lng, min_lat, max_lng, max_lat, 4326)::geography
                AND (only_kind IS NULL OR kind = only_kind)
                AND (only_category IS NULL OR category_id = only_category)
              LIMIT max_rows $$;
      REVOKE ALL ON FUNCTION app_listing_cells_in_box(float8, float8, float8, float8, float8, text, uuid),
        app_listing_points_in_box(float8, float8, float8, float8, text, uuid, int) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_listing_cells_in_box(float8, float8, float8, float8, float8, text, uuid),
        app_listing_points_in_box(float8, float8, float8, float8, text, uuid, int) TO entraide_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS app_listing_cells_in_box(float8, float8, float8, float8, float8, text, uuid),
        app_listing_points_in_box(float8, float8, float8, float8, text, uuid, int);
    `);
  }
}
