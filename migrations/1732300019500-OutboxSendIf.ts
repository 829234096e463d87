import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alert e-mails name the item they announce as `data.sendIf = '<source>:<id>'`, which the
 * outbox's claim checks through the source (src/notifications/send-conditions.ts); they used to
 * carry `data.sendIfListingPublic = '<listing id>'`. Rows not yet sent are rewritten, so that
 * those queued before the change keep their send-time check. No schema change.
 */
export class OutboxSendIf1732300019500 implements MigrationInterface {
  name = 'OutboxSendIf1732300019500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE outbox_emails
      SET data = (data - 'sendIfListingPublic') || jsonb_build_object('sendIf', 'listing:' || (data ->>
        'sendIfListingPublic'))
      WHERE status IN ('pending', 'sending') AND data ? 'sendIfListingPublic'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE outbox_emails
      SET data = (data - 'sendIf') || jsonb_build_object('sendIfListingPublic', split_part(data ->> 'sendIf', ':', 2))
      WHERE status IN ('pending', 'sending') AND data ->> 'sendIf' LIKE 'listing:%'`);
  }
}
