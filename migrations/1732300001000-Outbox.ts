import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * The transactional outbox of e-mails: a message is a row, written in the same transaction
 * as the change that causes it, before it is a queue job. Workers claim a row by moving it
 * from 'pending' to 'sending'; the sweeper re-queues what is due, so Redis may lose its jobs.
 */
export class Outbox1732300001000 implements MigrationInterface {
  name = 'Outbox1732300001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_emails (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        recipient text NOT NULL,
        template text NOT NULL CHECK (template ~ '^[a-z0-9-]+$'),
        data jsonb NOT NULL DEFAULT '{}',
        headers jsonb NOT NULL DEFAULT '{}',
        dedupe_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        -- When 'pending': not before. When 'sending': the claim's lease ends (then the sweeper takes it back).
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        provider_message_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, dedupe_key)
      );
      -- The sweeper's query, per tenant: unsent rows that are due. Partial, so it holds only the
      -- few unsent rows however many have been sent; tenant first like every key here.
      CREATE INDEX outbox_emails_due ON outbox_emails (tenant_id, next_attempt_at) WHERE status IN ('pending',
        'sending');
      -- Erasing an address when its account is deleted (OutboxRepository.forgetRecipient).
      CREATE INDEX outbox_emails_recipient ON outbox_emails (tenant_id, lower(recipient));
    `);
    await q.query(tenantTableSql('outbox_emails'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS outbox_emails');
  }
}
