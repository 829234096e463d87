import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '@libs/db/rls';

/**
 * Every French commune as a tenant (communes:import): a tenant is 'open' (it serves its site), 'dormant' (a row and
 * a short page, nothing else) or 'merged' (its commune was merged into another: its host points there). The official
 * codes sit beside the name; a renamed commune keeps its row, found by its INSEE code. Federations are EPCI, found by
 * their SIREN. Outlines (communes:outlines) are reference data keyed by INSEE code, read when a commune is opened.
 */
export class Communes1732300027000 implements MigrationInterface {
  name = 'Communes1732300027000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tenants
        ADD COLUMN status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dormant', 'merged')),
        ADD COLUMN insee_code text UNIQUE CHECK (insee_code ~ '^[0-9][0-9AB][0-9]{3}$'),
        ADD COLUMN siren text CHECK (siren ~ '^[0-9]{9}$'),
        ADD COLUMN postal_codes text[] NOT NULL DEFAULT '{}',
        ADD COLUMN population integer,
        ADD COLUMN former_codes text[] NOT NULL DEFAULT '{}',
        -- Arrondissements or delegated communes [{code, name}]: the neighbourhoods a commune opens with.
        ADD COLUMN divisions jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN merged_into uuid REFERENCES tenants (id),
        ADD COLUMN opened_at timestamptz;
      -- Open tenants are what the directory keeps in memory and what sweepers walk.
      CREATE INDEX tenants_open ON tenants (slug) WHERE status = 'open';

      ALTER TABLE federations ADD COLUMN epci_code text UNIQUE CHECK (epci_code ~ '^[0-9]{9}$');

      CREATE TABLE commune_outlines (
        insee_code text PRIMARY KEY CHECK (insee_code ~ '^[0-9][0-9AB][0-9]{3}$'),
        outline geography(MultiPolygon, 4326) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      GRANT SELECT ON commune_outlines TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE commune_outlines;
      ALTER TABLE federations DROP COLUMN epci_code;
      DROP INDEX tenants_open;
      ALTER TABLE tenants DROP COLUMN status, DROP COLUMN insee_code, DROP COLUMN siren, DROP COLUMN postal_codes,
        DROP COLUMN population, DROP COLUMN former_codes, DROP COLUMN divisions, DROP COLUMN merged_into,
        DROP COLUMN opened_at;
    `);
  }
}
