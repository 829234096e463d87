/**
 * The pieces of the nearest-first search functions' SQL (migrations 1732300033000 and 1732300034000), in one place so
 * that every function filters a tenant's public listings the same way. Kept outside the migrations' glob: TypeORM
 * loads every function a migration file exports as a migration.
 */

/** The filters every nearest-first function takes first, and their types (for GRANT, REVOKE and DROP). */
export const FILTERS =
  'p_tenant uuid, p_category uuid, p_neighbourhood uuid, p_kinds text[], p_lng float8, p_lat float8';
export const FILTER_TYPES = `uuid, uuid, uuid, text[], float8, float8`;

/** The tenant's published, unexpired listings of the kinds asked, in the category and neighbourhood when given. */
export const IN_SCOPE = (category: boolean, neighbourhood: boolean) =>
  `l.tenant_id = p_tenant AND l.status = 'published' AND l.expires_at > now() AND l.kind = ANY(p_kinds)` +
  (category ? ' AND l.category_id = p_category' : '') +
  (neighbourhood ? ' AND l.neighbourhood_id = p_neighbourhood' : '');

/** A row of the nearest-first read, as listings.search.ts reads it (NEAREST_COLUMNS). */
export const NEAREST_ROW = `id uuid, kind text, title text, description text, mode text, "createdAt" timestamptz,
          "expiresAt" timestamptz, "categoryId" uuid, "neighbourhoodId" uuid, lat float8, lng float8,
          "authorName" text, relayed boolean, "sortDistance" float8, "inRadius" boolean`;

export const POINT = `ST_SetSRID(ST_MakePoint(p_lng, p_lat), 4326)::geography`;

/** The same statement in each of the four branches, differing only by the filters (see migration 1732300033000). */
export const branches = (statement: (category: boolean, neighbourhood: boolean) => string) => `
      IF p_category IS NULL AND p_neighbourhood IS NULL THEN ${statement(false, false)};
      ELSIF p_neighbourhood IS NULL THEN ${statement(true, false)};
      ELSIF p_category IS NULL THEN ${statement(false, true)};
      ELSE ${statement(true, true)};
      END IF;`;

/**
 * One generic plan per server connection, and always the KNN scan: a generic plan is costed for an average commune,
 * where sorting a few rows would look cheaper than the index, and would then sort every listing of a large one;
 * without a sort to choose, the nearest rows come from the index whatever the commune's size.
 */
export const SETTINGS =
  'SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan SET enable_sort = off';

/**
 * How a nearest-first function's statements name the search's point and test the read's start (`p_after`): migration
 * 1732300035000 wrote the point's expression in each place (evaluated again for every row read, in a generic plan)
 * and always tested the start; migration 1732300037000 computes the point once (`v_point`) and tests the start only
 * past a cursor.
 */
export interface NearestSql {
  point: string;
  from: (distance: string) => string;
}

/** The nearest `p_read` rows from `p_after`, with their distance and whether they lie within `p_radius`. */
export const NEAREST = (o: NearestSql) => (category: boolean, neighbourhood: boolean) => `
        RETURN QUERY
        SELECT k.id, k.kind, k.title, k.description, k.mode, k.created_at, k.expires_at, k.category_id,
               k.neighbourhood_id, ST_Y(k.public_location::geometry), ST_X(k.public_location::geometry),
               k.author_name, k.author_relayed, k.d, p_radius IS NULL OR k.d <= p_radius
        FROM (
          SELECT l.*, l.public_location <-> ${o.point} AS d
          FROM listings l
          WHERE ${IN_SCOPE(category, neighbourhood)} AND ${o.from(`l.public_location <-> ${o.point}`)}
          ORDER BY l.public_location <-> ${o.point}
          LIMIT p_read
        ) k`;

/** How many of the nearest `p_cap` rows lie within `p_radius`, into `n`. */
export const COUNT = (o: NearestSql) => (category: boolean, neighbourhood: boolean) => `
        SELECT count(*)::int INTO n FROM (
          SELECT l.public_location <-> ${o.point} AS d
          FROM listings l
          WHERE ${IN_SCOPE(category, neighbourhood)}
          ORDER BY l.public_location <-> ${o.point}
          LIMIT p_cap
        ) nearest
        WHERE p_radius IS NULL OR nearest.d <= p_radius`;

/** The nearest `p_read` rows within `p_radius`, each with the count of COUNT, read once. */
export const COUNTED = (o: NearestSql) => (category: boolean, neighbourhood: boolean) => `
        RETURN QUERY
        WITH nearest AS (
          SELECT k.*, row_number() OVER (ORDER BY k.d) AS rn, p_radius IS NULL OR k.d <= p_radius AS within
          FROM (
            SELECT l.id, l.kind, l.title, l.description, l.mode, l.created_at, l.expires_at, l.category_id,
                   l.neighbourhood_id, l.author_name, l.author_relayed, l.public_location,
                   l.public_location <-> ${o.point} AS d
            FROM listings l
            WHERE ${IN_SCOPE(category, neighbourhood)}
            ORDER BY l.public_location <-> ${o.point}
            LIMIT greatest(p_cap, p_read)
          ) k
        )
        SELECT p.id, p.kind, p.title, p.description, p.mode, p.created_at, p.expires_at, p.category_id,
               p.neighbourhood_id, ST_Y(p.public_location::geometry), ST_X(p.public_location::geometry),
               p.author_name, p.author_relayed, p.d, p.within, c.n
        FROM (SELECT count(*) FILTER (WHERE within AND rn <= p_cap)::int AS n FROM nearest) c
        LEFT JOIN LATERAL (SELECT k.* FROM nearest k WHERE k.rn <= p_read AND k.within) p ON true`;

/** The three nearest-first functions, created or replaced with the bodies given (`$$ … $$`), signatures unchanged. */
export const nearestFunctionsSql = (bodies: { nearest: string; count: string; counted: string }) => `
      CREATE OR REPLACE FUNCTION app_nearest_listings(${FILTERS}, p_after float8, p_radius float8, p_read int)
        RETURNS TABLE (${NEAREST_ROW})
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER ${SETTINGS}
        AS ${bodies.nearest};

      CREATE OR REPLACE FUNCTION app_nearest_listings_count(${FILTERS}, p_radius float8, p_cap int) RETURNS int
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER ${SETTINGS}
        AS ${bodies.count};

      CREATE OR REPLACE FUNCTION app_nearest_listings_counted(${FILTERS}, p_radius float8, p_read int, p_cap int)
        RETURNS TABLE (${NEAREST_ROW}, total int)
        LANGUAGE plpgsql VOLATILE SECURITY INVOKER ${SETTINGS}
        AS ${bodies.counted};
`;
