import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * Match notifications: one row per (listing, recipient), ever — the primary key is what
 * guarantees a neighbour hears about a listing once, however often it is published or its
 * job runs. Digest runs record which day's digest a tenant has sent.
 */
export class Matching1732300004000 implements MigrationInterface {
  name = 'Matching1732300004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Set by the one-click unsubscribe: no match e-mail of any kind afterwards.
      ALTER TABLE accounts ADD COLUMN unsubscribed_at timestamptz;

      CREATE TABLE match_notifications (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        listing_id uuid NOT NULL,
        recipient_id uuid NOT NULL,
        reason text NOT NULL CHECK (reason IN ('counterpart', 'alert')),
        distance_m integer NOT NULL,
        delivery text NOT NULL CHECK (delivery IN ('immediate', 'digest')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'mailed', 'skipped')),
        outbox_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        mailed_at timestamptz,
        PRIMARY KEY (tenant_id, listing_id, recipient_id),
        FOREIGN KEY (tenant_id, listing_id) REFERENCES listings (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, recipient_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      -- The daily cap counts a recipient's immediate e-mails of the day.
      CREATE INDEX match_notifications_recipient_day ON match_notifications (tenant_id, recipient_id, mailed_at) WHERE
        delivery = 'immediate';
      -- The digest reads what is pending for it.
      CREATE INDEX match_notifications_digest ON match_notifications (tenant_id, recipient_id) WHERE delivery =
        'digest' AND status = 'pending';

      CREATE TABLE digest_runs (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        day date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, day)
      );
      -- Under RLS, ST_DWithin (not leakproof) is never an index condition: matching reads one
      -- tenant's published listings of one category, and its residents with alerts, by
      -- (tenant_id, …) keys and filters distance. Bounded per tenant; see docs/ARCHITECTURE.md.
      CREATE INDEX accounts_alerts ON accounts (tenant_id) WHERE notify_mode <> 'off' AND deleted_at IS NULL AND
        unsubscribed_at IS NULL;
    `);
    for (const table of ['match_notifications', 'digest_runs']) await q.query(tenantTableSql(table));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS digest_runs, match_notifications;
      DROP INDEX IF EXISTS accounts_alerts;
      ALTER TABLE accounts DROP COLUMN IF EXISTS unsubscribed_at;
    `);
  }
}
