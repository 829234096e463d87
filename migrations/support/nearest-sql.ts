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
