import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * Residents relayed by the town hall, the staff inbox where their conversations and matches
 * land, and how a help ends: fulfilment (with its helper), the one reminder per listing, and
 * the participants' private feedback.
 *
 * A relayed resident is an account without e-mail or password (accounts.relayed), so their
 * listings and conversations are ordinary rows; their private details (phone, consent) live in
 * relayed_residents, which only staff pages read. Staff answers are messages sent as the
 * resident, with the agent in on_behalf_agent_id.
 */
export class RelayedResidentsAndOutcomes1732300008000 implements MigrationInterface {
  name = 'RelayedResidentsAndOutcomes1732300008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE accounts ADD COLUMN relayed boolean NOT NULL DEFAULT false;
      ALTER TABLE accounts ADD CONSTRAINT accounts_relayed_no_login CHECK (NOT relayed OR (email IS NULL AND
        password_hash IS NULL));

      CREATE TABLE relayed_residents (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        phone text CHECK (phone ~ '^\\+?[0-9]{6,15}$'),
        consent_method text NOT NULL CHECK (consent_method IN ('phone', 'in_person', 'paper')),
        consent_note text NOT NULL DEFAULT '' CHECK (char_length(consent_note) <= 1000),
        consent_at timestamptz NOT NULL DEFAULT now(),
        consent_agent_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, account_id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, consent_agent_id) REFERENCES accounts (tenant_id, id)
      );

      ALTER TABLE messages ADD COLUMN on_behalf_agent_id uuid;
      ALTER TABLE messages ADD CONSTRAINT messages_on_behalf_agent_fkey FOREIGN KEY (tenant_id, on_behalf_agent_id)
        REFERENCES accounts (tenant_id, id);

      -- What the town-hall team has to call a relayed resident about. One item per conversation,
      -- per match (resident's listing, matched listing) and per reminder: dedupe_key says which.
      -- A new message reopens its item (called_back_at back to NULL).
      CREATE TABLE staff_inbox_items (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        dedupe_key text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('message', 'match', 'reminder')),
        resident_id uuid NOT NULL,
        listing_id uuid NOT NULL,
        conversation_id uuid,
        matched_listing_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        called_back_at timestamptz,
        called_back_by uuid,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, dedupe_key),
        FOREIGN KEY (tenant_id, resident_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, listing_id) REFERENCES listings (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, matched_listing_id) REFERENCES listings (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, called_back_by) REFERENCES accounts (tenant_id, id)
      );
      CREATE INDEX staff_inbox_recent ON staff_inbox_items (tenant_id, updated_at DESC, id DESC);

      ALTER TABLE listings
        ADD COLUMN fulfilled_at timestamptz,
        ADD COLUMN helper_id uuid,
        ADD COLUMN fulfilled_conversation_id uuid;
      ALTER TABLE listings ADD CONSTRAINT listings_helper_fkey FOREIGN KEY (tenant_id, helper_id) REFERENCES accounts
        (tenant_id, id);
      ALTER TABLE listings ADD CONSTRAINT listings_fulfilled_conversation_fkey
        FOREIGN KEY (tenant_id, fulfilled_conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE SET NULL
          (fulfilled_conversation_id);
      CREATE INDEX listings_fulfilled ON listings (tenant_id, fulfilled_at) WHERE fulfilled_at IS NOT NULL;
      -- The reminder sweep starts from the conversations opened in a window of dates.
      CREATE INDEX conversations_recent ON conversations (tenant_id, created_at);

      -- One reminder per listing, ever (primary key); its answer is recorded once.
      CREATE TABLE listing_reminders (
        tenant_id uuid NOT NULL,
        listing_id uuid NOT NULL,
        recipient_id uuid NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        answer text CHECK (answer IN ('found', 'still_looking', 'not_needed')),
        answered_at timestamptz,
        PRIMARY KEY (tenant_id, listing_id),
        FOREIGN KEY (tenant_id, listing_id) REFERENCES listings (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, recipient_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );

      -- Private feedback after a fulfilled help, one per participant; moderators only read it.
      CREATE TABLE listing_feedback (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        listing_id uuid NOT NULL,
        author_id uuid NOT NULL,
        ok boolean NOT NULL,
        comment text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 2000),
        created_at timestamptz NOT NULL DEFAULT now(),
        reviewed_at timestamptz,
        reviewed_by uuid,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, listing_id, author_id),
        FOREIGN KEY (tenant_id, listing_id) REFERENCES listings (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, reviewed_by) REFERENCES accounts (tenant_id, id)
      );
      -- A "no" is a safety signal: it waits in the moderation queue until reviewed.
      CREATE INDEX listing_feedback_to_review ON listing_feedback (tenant_id, created_at, id) WHERE NOT ok AND
        reviewed_at IS NULL;
    `);
    for (const table of ['relayed_residents', 'staff_inbox_items', 'listing_reminders', 'listing_feedback'])
      await q.query(tenantTableSql(table));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS listing_feedback, listing_reminders, staff_inbox_items, relayed_residents;
      DROP INDEX IF EXISTS conversations_recent;
      ALTER TABLE listings DROP COLUMN IF EXISTS fulfilled_conversation_id, DROP COLUMN IF EXISTS helper_id, DROP
        COLUMN IF EXISTS fulfilled_at;
      ALTER TABLE messages DROP COLUMN IF EXISTS on_behalf_agent_id;
      ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_relayed_no_login, DROP COLUMN IF EXISTS relayed;
    `);
  }
}
