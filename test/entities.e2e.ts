import { DataSource } from 'typeorm';
import { createDataSource } from '@libs/db';
import { createTestDatabase, TestDatabase } from './support/test-db';

/** Tables of extensions and of the migration runner, described by no entity of ours. */
const NOT_OURS = ['spatial_ref_sys', 'typeorm_migrations'];

/** TypeORM's names of column types → PostgreSQL's udt_name. */
const UDT: Record<string, string> = {
  uuid: 'uuid',
  text: 'text',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  integer: 'int4',
  int: 'int4',
  int4: 'int4',
  smallint: 'int2',
  int2: 'int2',
  bigint: 'int8',
  boolean: 'bool',
  bool: 'bool',
  jsonb: 'jsonb',
  json: 'json',
  bytea: 'bytea',
  date: 'date',
  tsvector: 'tsvector',
  geography: 'geography',
};

interface DbColumn {
  table: string;
  column: string;
  udt: string;
  array: boolean;
  nullable: boolean;
  /** For geography columns: `Point` / `MultiPolygon` and the SRID. */
  geoType: string | null;
  srid: number | null;
}

/**
 * The schema in code and the schema in the database cannot drift: every table of the migrated
 * database has exactly one entity, and every column of either side is on the other, with the
 * same type, array-ness and nullability.
 */
describe('Entities', () => {
  let t: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    t = await createTestDatabase();
    ds = createDataSource(t.adminUrl, { poolSize: 1 });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await t.drop();
  });

  it('describe every table of the migrated database, column by column', async () => {
    const { rows: columns } = await t.admin.query<DbColumn>(
      `SELECT c.table_name AS "table", c.column_name AS "column", ltrim(c.udt_name, '_') AS udt, c.data_type = 'ARRAY'
        AS array,
              c.is_nullable = 'YES' AS nullable, initcap(g.type) AS "geoType", g.srid
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND
         t.table_type = 'BASE TABLE'
       LEFT JOIN geography_columns g ON g.f_table_name = c.table_name AND g.f_geography_column = c.column_name
       WHERE c.table_schema = 'public' AND c.table_name <> ALL ($1::text[])
       ORDER BY c.table_name, c.ordinal_position`,
      [NOT_OURS],
    );
    const tables = [...new Set(columns.map((c) => c.table))];
    expect(tables.length).toBeGreaterThan(25);

    const entities = ds.entityMetadatas.filter((m) => m.tableType === 'regular');
    expect(entities.map((m) => m.tableName).sort()).toEqual(tables.sort());

    const problems: string[] = [];
    for (const m of entities) {
      const inDb = columns.filter((c) => c.table === m.tableName);
      for (const col of m.columns) {
        const where = `${m.name}.${col.propertyName} (${m.tableName}.${col.databaseName})`;
        const db = inDb.find((c) => c.column === col.databaseName);
        if (!db) {
          problems.push(`${where}: no such column`);
          continue;
        }
        const type = typeof col.type === 'string' ? UDT[col.type] : undefined;
        if (type !== db.udt)
          problems.push(
            `${where}: ${String(typeof col.type === 'string' ? col.type : col.type.name)} in the entity, ` +
              `${db.udt} in the database`,
          );
        if (col.isArray !== db.array) problems.push(`${where}: ${col.isArray ? '' : 'not '}an array in the entity`);
        if (col.isNullable !== db.nullable)
          problems.push(`${where}: ${col.isNullable ? '' : 'not '}nullable in the entity`);
        if (
          db.geoType &&
          (col.spatialFeatureType !== db.geoType.replace('polygon', 'Polygon') || col.srid !== db.srid)
        ) {
          problems.push(
            `${where}: ${col.spatialFeatureType}/${col.srid} in the entity, ${db.geoType}/${db.srid} in the database`,
          );
        }
      }
      for (const db of inDb)
        if (!m.columns.some((c) => c.databaseName === db.column))
          problems.push(`${m.name}: no property for ${m.tableName}.${db.column}`);
      const keys = m.primaryColumns.map((c) => c.databaseName).sort();
      const { rows: pk } = await t.admin.query<{ column: string }>(
        `SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY
          (i.indkey)
         WHERE i.indrelid = $1::regclass AND i.indisprimary`,
        [m.tableName],
      );
      if (
        keys.join() !==
        pk
          .map((r) => r.column)
          .sort()
          .join()
      )
        problems.push(
          `${m.name}: primary key (${keys.join()}) in the entity, (${pk.map((r) => r.column).join()}) in the database`,
        );
    }
    expect(problems).toEqual([]);
  });
});
