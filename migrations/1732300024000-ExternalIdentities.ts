import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * Sign-in through OpenID Connect providers (FranceConnect, ProConnect, a commune's own):
 * an account is linked to a provider's person on (issuer, sub) within a tenant, never on the
 * e-mail (FranceConnect's sub is pairwise: the same person has another sub elsewhere). A staff
 * request is an agent whose claims satisfied the tenant's rule, waiting for an administrator.
 */
export class ExternalIdentities1732300024000 implements MigrationInterface {
  name = 'ExternalIdentities1732300024000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE external_identities (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        issuer text NOT NULL,
        subject text NOT NULL,
        account_id uuid NOT NULL,
        provider text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, issuer, subject),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      -- An account's identities (export, erasure).
      CREATE INDEX external_identities_account ON external_identities (tenant_id, account_id);
      ${tenantTableSql('external_identities')}

      CREATE TABLE staff_requests (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        provider text NOT NULL,
        role text NOT NULL CHECK (role IN ('moderator', 'admin')),
        -- Only the claims the rule read (siret, organisation or group), for the administrator who decides.
        evidence jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        decided_by uuid,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      -- One open request per account: signing in again does not pile them up.
      CREATE UNIQUE INDEX staff_requests_one_pending ON staff_requests (tenant_id, account_id) WHERE status = 'pending';
      ${tenantTableSql('staff_requests')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE staff_requests; DROP TABLE external_identities');
  }
}
