import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * `digest_runs` recorded which day's digest a tenant had sent; nothing reads or writes it any
 * more (the daily digest reads each recipient's pending notifications), so it goes. `down`
 * puts back the empty table as 1732300004000-Matching made it, with its row-level security.
 */
export class DropDigestRuns1732300025000 implements MigrationInterface {
  name = 'DropDigestRuns1732300025000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS digest_runs');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS digest_runs (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        day date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, day)
      );
      ${tenantTableSql('digest_runs')}
    `);
  }
}
