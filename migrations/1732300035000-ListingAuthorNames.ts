import { MigrationInterface, QueryRunner } from 'typeorm';
import { branches, COUNT, COUNTED, NEAREST, nearestFunctionsSql, type NearestSql, POINT } from './support/nearest-sql';
import { NearestListingsFunctions1732300033000 } from './1732300033000-NearestListingsFunctions';
import { NearestListingsCounted1732300034000 } from './1732300034000-NearestListingsCounted';

/**
 * The author's name and whether they are relayed by the town hall, kept on each listing (author_name,
 * author_relayed), and the nearest-first functions reading them there; their radius measured on the distance they
 * order by.
 *
 * - A search sends each hit with its author's name. Joined from accounts, that was an index lookup and a heap page
 *   per row read (25 for a page of 20): at a million listings, a sixth of PostgreSQL's time per search and 75 of the
 *   ~140 buffers it touched, in an accounts table that grows with the listings. The listing now carries them:
 *   filled from the account when the listing is written (listings_author_fill), and rewritten on the author's
 *   listings when the account's name or relayed flag changes (accounts_listing_author_sync: a profile edit, an
 *   erasure's « Compte supprimé »). Both triggers run as the caller, under row-level security: an account and its
 *   listings are always the same tenant's.
 * - The radius was tested with ST_DWithin on the spheroid, a few microseconds a row (25 rows a search, 101 for the
 *   listings page's count), while the page is ordered, cut at its cursor and labelled « à 1,2 km » by the distance on
 *   the sphere (`<->`). It is now that same distance: what is shown within 2 km is within 2 km by the figure shown.
 *   The two differ by less than 0.5 %, well under the ~200 m of a public point's fuzz.
 *
 * The copy writes every listing once, both tables locked until it commits (search included): on a large platform,
 * deploy it at a quiet hour and run `VACUUM (ANALYZE) listings` after.
 *
 * Same signatures, filters, branches and settings as migrations 1732300033000 and 1732300034000 (CREATE OR REPLACE
 * keeps their grants).
 */
/** The point written out in each statement, the start always tested (see NearestSql). */
const SQL: NearestSql = { point: POINT, from: (distance) => `(${distance}) >= p_after` };

/** The body of a nearest-first function: scoped to its tenant, then one statement per branch. */
const body = (statement: (category: boolean, neighbourhood: boolean) => string) =>
  `$$
        #variable_conflict use_column
        BEGIN
          PERFORM app_scope_tenant(p_tenant);${branches(statement)}
        END $$`;

export class ListingAuthorNames1732300035000 implements MigrationInterface {
  name = 'ListingAuthorNames1732300035000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- No account renamed between the copy and the trigger that follows renames; accounts then listings, the order
      -- in which the application locks them (a ban, an erasure), so that waiting never turns into a deadlock.
      LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE;
      LOCK TABLE listings IN ACCESS EXCLUSIVE MODE;
      ALTER TABLE listings ADD COLUMN author_name text, ADD COLUMN author_relayed boolean;
      -- The copy moves no listing between map cells: the map's counts are not recomputed for every row.
      ALTER TABLE listings DISABLE TRIGGER listing_map_cells_update;
      UPDATE listings l SET author_name = a.display_name, author_relayed = a.relayed
        FROM accounts a WHERE a.tenant_id = l.tenant_id AND a.id = l.author_id;
      ALTER TABLE listings ENABLE TRIGGER listing_map_cells_update;
      ALTER TABLE listings ALTER COLUMN author_name SET NOT NULL, ALTER COLUMN author_relayed SET NOT NULL;

      CREATE FUNCTION listings_author_fill() RETURNS trigger
        LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp
        AS $$
        BEGIN
          -- FOR SHARE: a rename committing meanwhile is either waited for (and read) or waits for this listing (and
          -- rewrites it); read without a lock, a listing written during a rename or an erasure kept the old name.
          SELECT a.display_name, a.relayed INTO NEW.author_name, NEW.author_relayed
            FROM accounts a WHERE a.tenant_id = NEW.tenant_id AND a.id = NEW.author_id FOR SHARE;
          RETURN NEW;
        END $$;
      CREATE TRIGGER listings_author_fill BEFORE INSERT OR UPDATE OF author_id ON listings
        FOR EACH ROW EXECUTE FUNCTION listings_author_fill();

      CREATE FUNCTION accounts_listing_author_sync() RETURNS trigger
        LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp
        AS $$
        BEGIN
          UPDATE listings SET author_name = NEW.display_name, author_relayed = NEW.relayed
            WHERE tenant_id = NEW.tenant_id AND author_id = NEW.id;
          RETURN NULL;
        END $$;
      CREATE TRIGGER accounts_listing_author_sync AFTER UPDATE OF display_name, relayed ON accounts
        FOR EACH ROW
        WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name OR OLD.relayed IS DISTINCT FROM NEW.relayed)
        EXECUTE FUNCTION accounts_listing_author_sync();

      ${this.functionsSql()}
    `);
  }

  /** The nearest-first functions as this migration writes them (migration 1732300037000 restores them on its down). */
  functionsSql(): string {
    return nearestFunctionsSql({
      nearest: body(NEAREST(SQL)),
      count: `$$
        DECLARE n int;
        BEGIN
          PERFORM app_scope_tenant(p_tenant);${branches(COUNT(SQL))}
          RETURN n;
        END $$`,
      counted: body(COUNTED(SQL)),
    });
  }

  async down(q: QueryRunner): Promise<void> {
    // The functions as migrations 1732300033000 and 1732300034000 made them (their author joined from accounts).
    await new NearestListingsCounted1732300034000().down(q);
    await new NearestListingsFunctions1732300033000().down(q);
    await new NearestListingsFunctions1732300033000().up(q);
    await new NearestListingsCounted1732300034000().up(q);
    await q.query(`
      DROP TRIGGER IF EXISTS accounts_listing_author_sync ON accounts;
      DROP FUNCTION IF EXISTS accounts_listing_author_sync();
      DROP TRIGGER IF EXISTS listings_author_fill ON listings;
      DROP FUNCTION IF EXISTS listings_author_fill();
      ALTER TABLE listings DROP COLUMN IF EXISTS author_name, DROP COLUMN IF EXISTS author_relayed;
    `);
  }
}
