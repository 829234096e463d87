import { MigrationInterface, QueryRunner } from 'typeorm';
import { fuzzPoint } from '@libs/geo/fuzz';

const BATCH = 1000;

/**
 * Moves every public point (listings, projects) to the scheme of libs/geo/fuzz.ts: at least
 * 100 m from the exact point and inside the commune. The earlier points were a spot of the exact
 * point's own ~200 m cell, some of them a few metres from a home.
 *
 * Computed here by the application's own function, so the stored points are the ones it would
 * write; reading in batches by id keeps memory flat on a large table. A listing erased with its
 * author kept only its former public point as `location`: that point lay in the home's cell and
 * the new point depends on nothing finer than the cell, so recomputing from it gives the point
 * the home would have had, and both columns take it.
 */
export class PublicPointDistance1732300018000 implements MigrationInterface {
  name = 'PublicPointDistance1732300018000';

  async up(q: QueryRunner): Promise<void> {
    // QueryRunner.query() is untyped: the rows' type is declared here.
    const tenants = (await q.query(
      `SELECT t.id, ST_AsGeoJSON(a.outline)::json AS outline FROM tenants t LEFT JOIN tenant_areas a ON ` +
        `a.tenant_id = t.id ORDER BY t.id`,
    )) as Array<{ id: string; outline: { coordinates: number[][][][] } | null }>;
    for (const tenant of tenants) {
      for (const table of ['listings', 'projects']) {
        let after = '00000000-0000-0000-0000-000000000000';
        for (;;) {
          const batch = (await q.query(
            `SELECT id, ST_Y(location::geometry) AS lat, ST_X(location::geometry) AS lng,
                    ST_Equals(location::geometry, public_location::geometry) AS erased
             FROM ${table} WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT ${BATCH}`,
            [tenant.id, after],
          )) as Array<{ id: string; lat: number; lng: number; erased: boolean }>;
          if (!batch.length) break;
          const points = batch.map((r) => fuzzPoint({ lat: r.lat, lng: r.lng }, r.id, tenant.outline?.coordinates));
          await q.query(
            `UPDATE ${table} x
             SET public_location = ST_SetSRID(ST_MakePoint(u.lng, u.lat), 4326)::geography,
                 location = CASE WHEN u.erased THEN ST_SetSRID(ST_MakePoint(u.lng, u.lat), 4326)::geography ELSE
                   x.location END
             FROM unnest($2::uuid[], $3::float8[], $4::float8[], $5::boolean[]) AS u (id, lng, lat, erased)
             WHERE x.tenant_id = $1 AND x.id = u.id`,
            [
              tenant.id,
              batch.map((r) => r.id),
              points.map((p) => p.lng),
              points.map((p) => p.lat),
              batch.map((r) => r.erased),
            ],
          );
          after = batch[batch.length - 1].id;
        }
      }
    }
  }

  async down(): Promise<void> {
    // The former points are not kept, and the new ones are valid public points for the former code too.
  }
}
