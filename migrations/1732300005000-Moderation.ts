import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantTableSql } from '@libs/db/rls';

/**
 * Bans, and the append-only audit log of every moderation and administration decision.
 * The application role may INSERT and SELECT audit rows, never UPDATE or DELETE them; a
 * trigger refuses those to every role, the owner included.
 */
export class Moderation1732300005000 implements MigrationInterface {
  name = 'Moderation1732300005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE accounts ADD COLUMN banned_at timestamptz, ADD COLUMN ban_reason text;

      CREATE TABLE audit_log (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        actor_role text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id uuid,
        reason text NOT NULL DEFAULT '',
        data jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX audit_log_recent ON audit_log (tenant_id, at DESC, id DESC);

      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

      -- The moderation queue: held and report-hidden listings, oldest first.
      CREATE INDEX listings_moderation_queue ON listings (tenant_id, updated_at, id) WHERE status IN
        ('pending_review', 'hidden');
    `);
    await q.query(tenantTableSql('audit_log', 'SELECT, INSERT'));
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS audit_log;
      DROP FUNCTION IF EXISTS audit_log_append_only();
      DROP INDEX IF EXISTS listings_moderation_queue;
      ALTER TABLE accounts DROP COLUMN IF EXISTS banned_at, DROP COLUMN IF EXISTS ban_reason;
    `);
  }
}
