import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * `Idempotency-Key` of `POST /api/v1/listings` (and the posting form): the first answer to a key
 * is kept 24 hours per tenant and author, so a retried request gets the same listing back
 * instead of publishing it (and alerting the neighbours) twice. In PostgreSQL, in the same
 * transaction as the listing, so a key and its listing exist together and survive a loss of
 * Redis. request_hash tells a retry from another request reusing the key.
 */
export class IdempotencyKeys1732300016000 implements MigrationInterface {
  name = 'IdempotencyKeys1732300016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        account_id uuid NOT NULL,
        key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        status smallint NOT NULL,
        -- json, not jsonb: the answer is given again exactly as written, keys in their order.
        response json NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours',
        PRIMARY KEY (tenant_id, account_id, key),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      -- The purge of expired keys (IdempotencyRepository.purgeExpired).
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (tenant_id, expires_at);
      ${tenantTableSql('idempotency_keys')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_keys');
  }
}
