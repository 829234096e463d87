import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * Missions as volunteers put them in a calendar: an end time and a meeting place (shown to
 * everyone only when the manager says so; otherwise only to the mission's volunteers and
 * managers, the public seeing the project's neighbourhood). A volunteer's private calendar feed
 * (`calendar_feeds`: one per account; its link is signed, the row's `id` is what revoking
 * forgets) and the reminder e-mail sent the day before, once per volunteer and mission
 * (`mission_reminders`, the primary key guarantees it). `app_mission_reminder_tenants` names
 * the tenants with reminders due in a window, so the job visits those only, not every commune.
 */
export class MissionCalendar1732300023000 implements MigrationInterface {
  name = 'MissionCalendar1732300023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE missions
        ADD COLUMN ends_at timestamptz,
        ADD COLUMN meeting_place text CHECK (char_length(meeting_place) <= 200),
        ADD COLUMN meeting_place_public boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT missions_ends_after_start CHECK (ends_at IS NULL OR (starts_at IS NOT NULL AND ends_at >
          starts_at));
      -- The reminders' sweep across tenants reads missions by start time.
      CREATE INDEX missions_starts_at ON missions (starts_at) WHERE starts_at IS NOT NULL;

      CREATE TABLE calendar_feeds (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, account_id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );

      CREATE TABLE mission_reminders (
        tenant_id uuid NOT NULL,
        mission_id uuid NOT NULL,
        account_id uuid NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, mission_id, account_id),
        FOREIGN KEY (tenant_id, mission_id) REFERENCES missions (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
    `);
    for (const table of ['calendar_feeds', 'mission_reminders']) await q.query(tenantTableSql(table));
    await q.query(`
      CREATE FUNCTION app_mission_reminder_tenants(from_at timestamptz, to_at timestamptz) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT DISTINCT m.tenant_id FROM missions m
              WHERE m.starts_at >= from_at AND m.starts_at < to_at
                AND EXISTS (SELECT 1 FROM mission_volunteers v WHERE v.tenant_id = m.tenant_id
                  AND v.mission_id = m.id AND v.status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM mission_reminders r WHERE r.tenant_id = v.tenant_id
                    AND r.mission_id = v.mission_id AND r.account_id = v.account_id)) $$;
      REVOKE ALL ON FUNCTION app_mission_reminder_tenants(timestamptz, timestamptz) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app_mission_reminder_tenants(timestamptz, timestamptz) TO entraide_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS app_mission_reminder_tenants(timestamptz, timestamptz);
      DROP TABLE IF EXISTS mission_reminders;
      DROP TABLE IF EXISTS calendar_feeds;
      DROP INDEX IF EXISTS missions_starts_at;
      ALTER TABLE missions DROP CONSTRAINT IF EXISTS missions_ends_after_start, DROP COLUMN IF EXISTS ends_at,
        DROP COLUMN IF EXISTS meeting_place, DROP COLUMN IF EXISTS meeting_place_public;
    `);
  }
}
