import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * What residents asked of the site (issue 21):
 * - an alert is for offers, requests or both (`notify_kinds`), tested in the matching query;
 * - each side of a conversation has read it up to a moment, so the header can count unread messages;
 * - a participant reports a message (`message_reports`): the message waits for a moderator;
 * - a resident blocks another (`account_blocks`): the blocked one can no longer write to them.
 */
export class ResidentJourneys1732300021000 implements MigrationInterface {
  name = 'ResidentJourneys1732300021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE accounts ADD COLUMN notify_kinds text[] NOT NULL DEFAULT '{offer,request}'
        CHECK (notify_kinds <@ '{offer,request}'::text[] AND cardinality(notify_kinds) > 0);

      ALTER TABLE conversations ADD COLUMN author_read_at timestamptz, ADD COLUMN starter_read_at timestamptz;

      CREATE TABLE message_reports (
        tenant_id uuid NOT NULL,
        message_id uuid NOT NULL,
        reporter_id uuid NOT NULL,
        reason text NOT NULL CHECK (reason IN ('paid', 'inappropriate', 'spam', 'scam', 'other')),
        comment text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, message_id, reporter_id),
        FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, reporter_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ${tenantTableSql('message_reports')}

      CREATE TABLE account_blocks (
        tenant_id uuid NOT NULL,
        blocker_id uuid NOT NULL,
        blocked_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, blocker_id, blocked_id),
        FOREIGN KEY (tenant_id, blocker_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, blocked_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
        CHECK (blocker_id <> blocked_id)
      );
      -- "Has the person I write to blocked me?": looked up by the blocked side.
      CREATE INDEX account_blocks_blocked ON account_blocks (tenant_id, blocked_id);
      ${tenantTableSql('account_blocks')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE account_blocks;
      DROP TABLE message_reports;
      ALTER TABLE conversations DROP COLUMN author_read_at, DROP COLUMN starter_read_at;
      ALTER TABLE accounts DROP COLUMN notify_kinds;
    `);
  }
}
