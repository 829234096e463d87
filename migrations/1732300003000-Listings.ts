import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * Offers and requests, the conversations they start and the reports they receive.
 * The exact location is private; only public_location (fuzzed to a ~200 m grid) is ever
 * shown, and search orders and measures distances on it. Search indexes are partial on
 * status = 'published': the public part of the table is what search reads.
 */
export class Listings1732300003000 implements MigrationInterface {
  name = 'Listings1732300003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- French full-text search that ignores accents ("reparer" finds "réparer").
      CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
      ALTER TEXT SEARCH CONFIGURATION french_unaccent ALTER MAPPING FOR hword, hword_part, word WITH unaccent,
        french_stem;
      -- unaccent() is only STABLE; this wrapper pins the dictionary so it can be indexed.
      CREATE FUNCTION immutable_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

      CREATE TABLE listings (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        author_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('offer', 'request')),
        category_id uuid NOT NULL REFERENCES categories (id),
        title text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 120),
        description text NOT NULL CHECK (char_length(description) BETWEEN 10 AND 2000),
        mode text NOT NULL CHECK (mode IN ('in_person', 'remote', 'both')),
        location geography(Point, 4326) NOT NULL,
        public_location geography(Point, 4326) NOT NULL,
        neighbourhood_id uuid,
        radius_m integer CHECK (radius_m BETWEEN 100 AND 20000),
        availability jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('pending_review', 'published', 'rejected', 'removed', 'closed',
          'expired', 'hidden', 'fulfilled')),
        hold_reasons text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('french_unaccent', title), 'A') || setweight(to_tsvector('french_unaccent',
            description), 'B')
        ) STORED,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        expires_at timestamptz NOT NULL DEFAULT now() + interval '60 days',
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, neighbourhood_id) REFERENCES neighbourhoods (tenant_id, id) ON DELETE SET NULL
          (neighbourhood_id),
        CHECK ((mode = 'remote') = (radius_m IS NULL))
      );
      -- "category C near P": one KNN index scan, nearest first (btree_gist for tenant_id, category_id).
      CREATE INDEX listings_public_category_geo ON listings USING gist (tenant_id, category_id, public_location) WHERE
        status = 'published';
      -- "near P" without a category, and the map's bounding boxes.
      CREATE INDEX listings_public_geo ON listings USING gist (tenant_id, public_location) WHERE status = 'published';
      -- Newest first, keyset-paginated.
      CREATE INDEX listings_public_recent ON listings (tenant_id, created_at DESC, id DESC) WHERE status = 'published';
      -- Full text and typo-tolerant title matching.
      CREATE INDEX listings_public_search ON listings USING gin (search) WHERE status = 'published';
      CREATE INDEX listings_public_title_trgm ON listings USING gin (immutable_unaccent(lower(title)) gin_trgm_ops)
        WHERE status = 'published';
      CREATE INDEX listings_author ON listings (tenant_id, author_id, created_at DESC);
      CREATE INDEX listings_expiry ON listings (expires_at) WHERE status = 'published';

      -- Publication seam: written in the transaction that makes a listing public; matching consumes it.
      CREATE TABLE domain_events (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        type text NOT NULL,
        aggregate_id uuid NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX domain_events_undispatched ON domain_events (tenant_id, created_at) WHERE dispatched_at IS NULL;

      CREATE TABLE listing_reports (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        listing_id uuid NOT NULL,
        reporter_id uuid NOT NULL,
        reason text NOT NULL CHECK (reason IN ('paid', 'inappropriate', 'spam', 'scam', 'other')),
        comment text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, listing_id, reporter_id),
        FOREIGN KEY (tenant_id, listing_id) REFERENCES listings (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, reporter_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );

      CREATE TABLE conversations (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        listing_id uuid NOT NULL,
        author_id uuid NOT NULL,
        starter_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_message_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, listing_id, starter_id),
        FOREIGN KEY (tenant_id, listing_id) REFERENCES listings (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, starter_id) REFERENCES accounts (tenant_id, id),
        CHECK (author_id <> starter_id)
      );
      CREATE INDEX conversations_author ON conversations (tenant_id, author_id, last_message_at DESC);
      CREATE INDEX conversations_starter ON conversations (tenant_id, starter_id, last_message_at DESC);

      CREATE TABLE messages (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL,
        sender_id uuid NOT NULL,
        body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, sender_id) REFERENCES accounts (tenant_id, id)
      );
      CREATE INDEX messages_conversation ON messages (tenant_id, conversation_id, created_at);

      GRANT EXECUTE ON FUNCTION immutable_unaccent(text) TO entraide_app;

      -- Under row-level security PostgreSQL will not use a non-leakproof operator (@@, %, &&)
      -- as an index condition, so text and bounding-box lookups would read every row of the
      -- tenant. These two run as the owner, are pinned to app_current_tenant() and return ids
      -- only; the caller's query then reads those rows under RLS by primary key.
      CREATE FUNCTION app_listing_text_matches(q text) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT id FROM listings
              WHERE tenant_id = app_current_tenant() AND status = 'published'
                AND (search @@ websearch_to_tsquery('french_unaccent', q)
                     OR immutable_unaccent(lower(title)) % immutable_unaccent(lower(q))) $$;
      CREATE FUNCTION app_listings_in_box(min_lng float8, min_lat float8, max_lng float8, max_lat float8) RETURNS
        SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT id FROM listings
              WHERE tenant_id = app_current_tenant() AND status = 'published'
                AND public_location && ST_MakeEnvelope(min_lng, min_lat, max_lng, max_lat, 4326)::geography $$;
      REVOKE ALL ON FUNCTION app_listing_text_matches(text), app_listings_in_box(float8, float8, float8, float8) FROM
        PUBLIC;
      GRANT EXECUTE ON FUNCTION app_listing_text_matches(text), app_listings_in_box(float8, float8, float8, float8) TO
        entraide_app;
    `);
    for (const table of ['listings', 'domain_events', 'listing_reports', 'conversations', 'messages'])
      await q.query(tenantTableSql(table));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS app_listing_text_matches(text), app_listings_in_box(float8, float8, float8, float8);
      DROP TABLE IF EXISTS messages, conversations, listing_reports, domain_events, listings;
      DROP FUNCTION IF EXISTS immutable_unaccent(text);
      DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent;
    `);
  }
}
