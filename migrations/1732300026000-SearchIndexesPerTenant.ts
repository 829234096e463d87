import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search indexes that lead with the tenant, so that a search reads its own commune's entries and
 * its cost does not grow with the other communes' listings:
 *
 * - words: the full-text and title-trigram GIN indexes were over every tenant, and a common word
 *   matched every commune's rows before the tenant was checked: at a million listings over 40
 *   communes, `courses` read 387,149 title-trigram candidates and took 8 s. With btree_gin,
 *   `tenant_id` is a key of the same GIN index. And the title's trigrams, which catch typing
 *   mistakes, are asked only when the words find nothing (`courses`: 1,258 matches in 22 ms):
 *   a trigram of a common word is in most titles.
 * - newest first in a category: the (tenant, created_at) index read every category's rows to
 *   find a page of one (about 14 times the page); (tenant, category, created_at) reads the page.
 *
 * Built CONCURRENTLY outside a transaction, so publishing is not blocked while they build on a
 * large table; the old text indexes go once the new ones exist.
 */
/** The tenant's listings matching the words, or when none does, whose title is close to them (trigrams). */
const TEXT_MATCHES = `
  CREATE OR REPLACE FUNCTION app_listing_text_matches(q text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
      RETURN QUERY SELECT id FROM listings
        WHERE tenant_id = app_current_tenant() AND status = 'published'
          AND search @@ websearch_to_tsquery('french_unaccent', q);
      IF NOT FOUND THEN
        RETURN QUERY SELECT id FROM listings
          WHERE tenant_id = app_current_tenant() AND status = 'published'
            AND immutable_unaccent(lower(title)) % immutable_unaccent(lower(q));
      END IF;
    END $$`;

const PREVIOUS_TEXT_MATCHES = `
  CREATE OR REPLACE FUNCTION app_listing_text_matches(q text) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT id FROM listings
          WHERE tenant_id = app_current_tenant() AND status = 'published'
            AND (search @@ websearch_to_tsquery('french_unaccent', q)
                 OR immutable_unaccent(lower(title)) % immutable_unaccent(lower(q))) $$`;

export class SearchIndexesPerTenant1732300026000 implements MigrationInterface {
  name = 'SearchIndexesPerTenant1732300026000';
  transaction = false as const;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS listings_public_tenant_search ON listings USING gin (tenant_id, search)
       WHERE status = 'published'`,
    );
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS listings_public_tenant_title_trgm ON listings
       USING gin (tenant_id, immutable_unaccent(lower(title)) gin_trgm_ops) WHERE status = 'published'`,
    );
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS listings_public_category_recent ON listings
       (tenant_id, category_id, created_at DESC, id DESC) WHERE status = 'published'`,
    );
    await q.query(TEXT_MATCHES);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS listings_public_search`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS listings_public_title_trgm`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS listings_public_search ON listings USING gin (search)
       WHERE status = 'published'`,
    );
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS listings_public_title_trgm ON listings
       USING gin (immutable_unaccent(lower(title)) gin_trgm_ops) WHERE status = 'published'`,
    );
    await q.query(PREVIOUS_TEXT_MATCHES);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS listings_public_category_recent`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS listings_public_tenant_title_trgm`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS listings_public_tenant_search`);
  }
}
