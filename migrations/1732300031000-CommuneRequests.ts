import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * What a yearly import leaves for a person to decide, and what town halls ask for:
 * - commune_merge_proposals: an open commune whose INSEE code became a former code of another commune (a merger).
 *   The import applies mergers to dormant communes itself; an open one has residents and a site, so the proposal
 *   waits here for the platform operator (communes:merges), keyed by the two official codes. Dismissed proposals
 *   stay, so the next import does not propose them again. The operator's connection alone reads it.
 * - commune_opening_requests: a town-hall agent, signed in with ProConnect on the platform's host, asks for their
 *   dormant commune's site; the platform operator confirms it (communes:open --request). It belongs to that commune
 *   (its tenant row) and holds the agent's identity: under row-level security like every tenant table.
 */
export class CommuneRequests1732300031000 implements MigrationInterface {
  name = 'CommuneRequests1732300031000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE commune_merge_proposals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        former_code text NOT NULL CHECK (former_code ~ '^[0-9][0-9AB][0-9]{3}$'),
        into_code text NOT NULL CHECK (into_code ~ '^[0-9][0-9AB][0-9]{3}$'),
        -- Names as the import read them, for the operator's list.
        former_name text NOT NULL,
        into_name text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'dismissed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        UNIQUE (former_code, into_code)
      );

      CREATE TABLE commune_opening_requests (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        issuer text NOT NULL,
        subject text NOT NULL,
        -- Only what the operator needs to confirm and to invite: the agent's name, address and structure.
        email text NOT NULL,
        given_name text NOT NULL DEFAULT '',
        usual_name text NOT NULL DEFAULT '',
        siret text NOT NULL CHECK (siret ~ '^[0-9]{14}$'),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'refused')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      );
      -- One pending request per agent and commune: signing in again does not pile them up.
      CREATE UNIQUE INDEX commune_opening_requests_one_pending ON commune_opening_requests (tenant_id, issuer, subject)
        WHERE status = 'pending';
      ${tenantTableSql('commune_opening_requests', 'SELECT, INSERT')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE commune_opening_requests; DROP TABLE commune_merge_proposals');
  }
}
