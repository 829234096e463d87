import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The owner function behind alerts answers the residents an alert reaches, with their
 * distance, instead of every follower of the category: it already reads each follower's row
 * (the GIN index only names candidates), so testing the home's radius there spares matching a
 * second, primary-key read per follower. A small publication in a category a whole commune
 * follows no longer looks each follower up again. It scopes itself to the caller's tenant as
 * app_alert_candidates did; matching reads the recipients' addresses under RLS. `ROWS 20`:
 * most publications reach a few neighbours, and with the default estimate (1,000) the planner
 * would hash every account of the tenant for that final read instead of using the primary key.
 */
export class AlertRecipients1732300010000 implements MigrationInterface {
  name = 'AlertRecipients1732300010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_alert_recipients(category uuid, place geography) RETURNS TABLE (id uuid, distance_m float8)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 20
        AS $$ SELECT a.id, ST_Distance(a.location, place) FROM accounts a
              WHERE a.tenant_id = app_current_tenant() AND a.notify_category_ids @> ARRAY[category]
                AND a.notify_mode <> 'off' AND a.deleted_at IS NULL AND a.unsubscribed_at IS NULL
                AND a.location IS NOT NULL AND ST_DWithin(a.location, place, a.notify_radius_m) $$;
      REVOKE ALL ON FUNCTION app_alert_recipients(uuid, geography) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_alert_recipients(uuid, geography) TO entraide_app;
      DROP FUNCTION app_alert_candidates(uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_alert_candidates(category uuid) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT id FROM accounts
              WHERE tenant_id = app_current_tenant() AND notify_category_ids @> ARRAY[category]
                AND notify_mode <> 'off' AND deleted_at IS NULL AND unsubscribed_at IS NULL $$;
      REVOKE ALL ON FUNCTION app_alert_candidates(uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_alert_candidates(uuid) TO entraide_app;
      DROP FUNCTION IF EXISTS app_alert_recipients(uuid, geography);
    `);
  }
}
