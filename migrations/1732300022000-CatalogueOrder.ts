import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The federation's catalogue has its own order, which its administrators change with "move up" and
 * "move down" (the communes keep theirs in tenant_categories). Existing categories are numbered by
 * name within their federation, as they were listed until now.
 */
export class CatalogueOrder1732300022000 implements MigrationInterface {
  name = 'CatalogueOrder1732300022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE categories ADD COLUMN IF NOT EXISTS position integer NOT NULL DEFAULT 0`);
    await q.query(`
      UPDATE categories c SET position = o.n
      FROM (SELECT id, row_number() OVER (PARTITION BY federation_id ORDER BY name, id)::int - 1 AS n
            FROM categories) o
      WHERE o.id = c.id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE categories DROP COLUMN IF EXISTS position`);
  }
}
