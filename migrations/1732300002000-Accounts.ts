import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * Residents' and staff accounts, their sessions and single-use tokens (verification,
 * password reset, staff invitation). An account belongs to one tenant: the same address
 * may register on two communes, separately. Tokens and sessions are stored hashed.
 */
export class Accounts1732300002000 implements MigrationInterface {
  name = 'Accounts1732300002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        -- Optional: residents relayed by the town hall have no e-mail and never log in.
        email text CHECK (email = lower(email)),
        email_verified_at timestamptz,
        password_hash text,
        display_name text NOT NULL,
        roles text[] NOT NULL DEFAULT '{resident}'
          CHECK (roles <@ ARRAY['resident', 'moderator', 'admin', 'federation_admin']::text[]),
        location geography(Point, 4326),
        notify_mode text NOT NULL DEFAULT 'off' CHECK (notify_mode IN ('immediate', 'daily', 'off')),
        notify_radius_m integer NOT NULL DEFAULT 1000 CHECK (notify_radius_m BETWEEN 100 AND 20000),
        notify_category_ids uuid[] NOT NULL DEFAULT '{}',
        terms_accepted_at timestamptz,
        last_login_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE UNIQUE INDEX accounts_tenant_email_key ON accounts (tenant_id, email) WHERE email IS NOT NULL;

      CREATE TABLE sessions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        token_hash bytea NOT NULL,
        user_agent text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX sessions_account ON sessions (tenant_id, account_id);

      CREATE TABLE account_tokens (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('verify', 'reset', 'invite')),
        token_hash bytea NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX account_tokens_account ON account_tokens (tenant_id, account_id, purpose);
    `);
    for (const table of ['accounts', 'sessions', 'account_tokens']) await q.query(tenantTableSql(table));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS account_tokens, sessions, accounts');
  }
}
