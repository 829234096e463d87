import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the index of the outbox by recipient. Every e-mail updates its row twice (claimed, then
 * sent) and neither update can be HOT, so each put two more entries under the same recipient in
 * that index: a resident told about many listings gathered ever more duplicates, and every
 * claim and mark of their next e-mail paid for them (a bench's fourth fan-out to the same 3,000
 * residents ran at a fifth of the first one's rate; without the index, twice as fast as before).
 * Its only reader was the erasure of an account (forgetRecipient), which now reads the tenant's
 * outbox rows once: rare, and bounded by the outbox's own size.
 */
export class OutboxRecipientIndex1732300011000 implements MigrationInterface {
  name = 'OutboxRecipientIndex1732300011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS outbox_emails_recipient');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX IF NOT EXISTS outbox_emails_recipient ON outbox_emails (tenant_id, lower(recipient))');
  }
}
