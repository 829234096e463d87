import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages that trip an automatic rule (a price, contact details, a blocked word) are held:
 * the recipient neither sees them nor is e-mailed until a moderator approves them.
 */
export class MessageModeration1732300006000 implements MigrationInterface {
  name = 'MessageModeration1732300006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages
        ADD COLUMN status text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'held', 'removed')),
        ADD COLUMN hold_reasons text[] NOT NULL DEFAULT '{}',
        ADD COLUMN held_at timestamptz;
      CREATE INDEX messages_moderation_queue ON messages (tenant_id, held_at, id) WHERE status = 'held';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS messages_moderation_queue;
      ALTER TABLE messages DROP COLUMN IF EXISTS held_at, DROP COLUMN IF EXISTS hold_reasons, DROP COLUMN IF EXISTS
        status;
    `);
  }
}
