import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The residents whose alerts name a category, found through a GIN index instead of reading
 * every resident with alerts: a small publication in a category few follow no longer costs a
 * pass over the whole commune. Under RLS, `@>` (not leakproof) is never an index condition, so
 * the lookup is an owner function that scopes itself to the caller's tenant, as the search
 * functions do; matching joins its ids back to `accounts` by primary key, under RLS.
 */
export class AlertCandidates1732300007000 implements MigrationInterface {
  name = 'AlertCandidates1732300007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX accounts_alert_categories ON accounts USING gin (notify_category_ids)
        WHERE notify_mode <> 'off' AND deleted_at IS NULL AND unsubscribed_at IS NULL;
      CREATE FUNCTION app_alert_candidates(category uuid) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT id FROM accounts
              WHERE tenant_id = app_current_tenant() AND notify_category_ids @> ARRAY[category]
                AND notify_mode <> 'off' AND deleted_at IS NULL AND unsubscribed_at IS NULL $$;
      REVOKE ALL ON FUNCTION app_alert_candidates(uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_alert_candidates(uuid) TO entraide_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS app_alert_candidates(uuid);
      DROP INDEX IF EXISTS accounts_alert_categories;
    `);
  }
}
