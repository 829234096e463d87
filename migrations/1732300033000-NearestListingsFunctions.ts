import { MigrationInterface, QueryRunner } from 'typeorm';
import { branches, FILTER_TYPES, FILTERS, IN_SCOPE, NEAREST_ROW, POINT, SETTINGS } from './support/nearest-sql';

/**
 * The nearest-first search (« près de chez moi », the API's `near`) and its count as plpgsql functions, so that
 * PostgreSQL plans them once per server connection and not at every search.
 *
 * A named prepared statement does the same, but it lives in the client's session: behind a pooler in transaction
 * mode (PgBouncer before 1.21) each transaction may get another server connection, so the application sends every
 * statement unnamed (DB_PREPARED_STATEMENTS=off) and PostgreSQL parsed, rewrote and planned the whole search each
 * time (measured at 1 M listings: its CPU per search 634 → 1,561 µs). A plpgsql function's statements are prepared
 * in the server connection that runs them and kept there, whoever the client is; the statement the application
 * sends is a bare call, cheap to plan.
 *
 * - SECURITY INVOKER: the application role's row-level security applies inside, as for the SQL it replaces.
 * - Each scopes itself to its tenant (app_scope_tenant): sent alone, outside a transaction block, the call is a
 *   transaction of its own, in one round trip (no START TRANSACTION, set_config, COMMIT around it: three round trips
 *   for one search); inside a transaction it must be that transaction's tenant, or it fails. The setting is local
 *   to the transaction, so nothing of the tenant outlives it on a pooled connection.
 * - One static statement per index (with or without a category) and per neighbourhood filter: an optional filter
 *   written `(p IS NULL OR col = p)` makes the generic plan misjudge the rows and sort the whole tenant instead of
 *   reading the KNN index. Kind is `kind = ANY(kinds)` (both kinds when not filtered), the cursor a lower bound on
 *   the distance (0 for the first page).
 * - The rows read come with their distance and whether each is within the radius; the page (ties on the last
 *   distance, the cursor's id, the radius, the order) is cut by the caller (listings.search.ts).
 */
const NEAREST = (category: boolean, neighbourhood: boolean) => `
        RETURN QUERY
        SELECT k.id, k.kind, k.title, k.description, k.mode, k.created_at, k.expires_at, k.category_id,
               k.neighbourhood_id, ST_Y(k.public_location::geometry), ST_X(k.public_location::geometry),
               a.display_name, a.relayed, k.d,
               p_radius IS NULL OR ST_DWithin(k.public_location, ${POINT}, p_radius)
        FROM (
          SELECT l.*, l.public_location <-> ${POINT} AS d
          FROM listings l
          WHERE ${IN_SCOPE(category, neighbourhood)} AND (l.public_location <-> ${POINT}) >= p_after
          ORDER BY l.public_location <-> ${POINT}
          LIMIT p_read
        ) k
        JOIN accounts a ON a.tenant_id = k.tenant_id AND a.id = k.author_id`;

const COUNT = (category: boolean, neighbourhood: boolean) => `
        SELECT count(*)::int INTO n FROM (
          SELECT l.public_location AS p
          FROM listings l
          WHERE ${IN_SCOPE(category, neighbourhood)}
          ORDER BY l.public_location <-> ${POINT}
          LIMIT p_cap
        ) nearest
        WHERE p_radius IS NULL OR ST_DWithin(nearest.p, ${POINT}, p_radius)`;

export class NearestListingsFunctions1732300033000 implements MigrationInterface {
  name = 'NearestListingsFunctions1732300033000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_scope_tenant(p_tenant uuid) RETURNS void
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp
        AS $$
        BEGIN
          IF coalesce(current_setting('app.tenant_id', true), '') = '' THEN
            PERFORM set_config('app.tenant_id', p_tenant::text, true);
          ELSIF current_setting('app.tenant_id') <> p_tenant::text THEN
            RAISE EXCEPTION 'a statement for tenant % in a transaction of tenant %', p_tenant,
              current_setting('app.tenant_id') USING ERRCODE = 'insufficient_privilege';
          END IF;
        END $$;

      CREATE FUNCTION app_nearest_listings(${FILTERS}, p_after float8, p_radius float8, p_read int)
        RETURNS TABLE (${NEAREST_ROW})
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER ${SETTINGS}
        AS $$
        #variable_conflict use_column
        BEGIN
          PERFORM app_scope_tenant(p_tenant);${branches(NEAREST)}
        END $$;

      CREATE FUNCTION app_nearest_listings_count(${FILTERS}, p_radius float8, p_cap int) RETURNS int
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER ${SETTINGS}
        AS $$
        DECLARE n int;
        BEGIN
          PERFORM app_scope_tenant(p_tenant);${branches(COUNT)}
          RETURN n;
        END $$;

      REVOKE ALL ON FUNCTION app_scope_tenant(uuid), app_nearest_listings(${FILTER_TYPES}, float8, float8, int),
        app_nearest_listings_count(${FILTER_TYPES}, float8, int) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_scope_tenant(uuid), app_nearest_listings(${FILTER_TYPES}, float8, float8, int),
        app_nearest_listings_count(${FILTER_TYPES}, float8, int) TO entraide_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS app_nearest_listings(${FILTER_TYPES}, float8, float8, int);
      DROP FUNCTION IF EXISTS app_nearest_listings_count(${FILTER_TYPES}, float8, int);
      DROP FUNCTION IF EXISTS app_scope_tenant(uuid);
    `);
  }
}
