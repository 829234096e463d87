import { MigrationInterface, QueryRunner } from 'typeorm';
import { branches, FILTER_TYPES, FILTERS, IN_SCOPE, NEAREST_ROW, POINT, SETTINGS } from './support/nearest-sql';

/**
 * The first page of a search near a point and its count in one read of the KNN index (the listings page « près de
 * chez moi », which announces « 48 annonces trouvées »).
 *
 * The page and its count read the same nearest rows: the count the nearest p_cap (COUNT_CAP + 1) and the page the
 * nearest p_read. Read apart (app_nearest_listings_count, then app_nearest_listings), the page's rows were found
 * twice, each a heap page at a million listings. Here the KNN scan reads the nearest p_cap rows (p_read if more) once:
 * the nearest p_cap within the radius are counted, the nearest p_read within the radius are the page, their authors
 * joined for those only. Always at least one row: with no listing on the page, one row of nulls carries the count.
 *
 * The first page only (no cursor: the next pages are not counted). Same filters, branches and settings as
 * app_nearest_listings (migration 1732300033000); SECURITY INVOKER, so the application role's row-level security
 * applies, and it scopes itself to its tenant the same way.
 */
const COUNTED = (category: boolean, neighbourhood: boolean) => `
        RETURN QUERY
        WITH nearest AS (
          SELECT k.*, row_number() OVER (ORDER BY k.d) AS rn,
                 p_radius IS NULL OR ST_DWithin(k.public_location, ${POINT}, p_radius) AS within
          FROM (
            SELECT l.id, l.kind, l.title, l.description, l.mode, l.created_at, l.expires_at, l.category_id,
                   l.neighbourhood_id, l.tenant_id, l.author_id, l.public_location, l.public_location <-> ${POINT} AS d
            FROM listings l
            WHERE ${IN_SCOPE(category, neighbourhood)}
            ORDER BY l.public_location <-> ${POINT}
            LIMIT greatest(p_cap, p_read)
          ) k
        )
        SELECT p.id, p.kind, p.title, p.description, p.mode, p.created_at, p.expires_at, p.category_id,
               p.neighbourhood_id, ST_Y(p.public_location::geometry), ST_X(p.public_location::geometry),
               p.display_name, p.relayed, p.d, p.within, c.n
        FROM (SELECT count(*) FILTER (WHERE within AND rn <= p_cap)::int AS n FROM nearest) c
        LEFT JOIN LATERAL (
          SELECT k.*, a.display_name, a.relayed
          FROM nearest k JOIN accounts a ON a.tenant_id = k.tenant_id AND a.id = k.author_id
          WHERE k.rn <= p_read AND k.within
        ) p ON true`;

const SIGNATURE = `app_nearest_listings_counted(${FILTER_TYPES}, float8, int, int)`;

export class NearestListingsCounted1732300034000 implements MigrationInterface {
  name = 'NearestListingsCounted1732300034000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_nearest_listings_counted(${FILTERS}, p_radius float8, p_read int, p_cap int)
        RETURNS TABLE (${NEAREST_ROW}, total int)
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER ${SETTINGS}
        AS $$
        #variable_conflict use_column
        BEGIN
          PERFORM app_scope_tenant(p_tenant);${branches(COUNTED)}
        END $$;

      REVOKE ALL ON FUNCTION ${SIGNATURE} FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION ${SIGNATURE} TO entraide_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS ${SIGNATURE}`);
  }
}
