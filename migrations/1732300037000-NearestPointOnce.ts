import { MigrationInterface, QueryRunner } from 'typeorm';
import { branches, COUNT, COUNTED, NEAREST, nearestFunctionsSql, type NearestSql, POINT } from './support/nearest-sql';
import { ListingAuthorNames1732300035000 } from './1732300035000-ListingAuthorNames';

/** The point computed once a call, the start tested only past a cursor (see NearestSql). */
const SQL: NearestSql = { point: 'v_point', from: (distance) => `(p_after = 0 OR (${distance}) >= p_after)` };

/** A nearest-first function's body: its point, scoped to its tenant, one statement per branch (`count`: into n). */
const body = (statement: (category: boolean, neighbourhood: boolean) => string, count = false) => `$$
        #variable_conflict use_column
        DECLARE
          v_point geography := ${POINT};${count ? '\n          n int;' : ''}
        BEGIN
          PERFORM app_scope_tenant(p_tenant);${branches(statement)}${count ? '\n          RETURN n;' : ''}
        END $$`;

/**
 * The nearest-first functions (app_nearest_listings, its count, the two read at once) with the search's point
 * computed once a call. In a plan kept for every call (force_generic_plan), `ST_SetSRID(ST_MakePoint(p_lng, p_lat),
 * 4326)::geography` is not a constant: written in a statement's filter and columns, it was built again for each row
 * read, beside a distance to it, and the filter `distance >= p_after` measured every row of a first page, where
 * p_after is 0. A plpgsql variable is computed once and reaches the statement as a parameter. The bench's search in
 * PostgreSQL alone (app_nearest_listings, 25 rows read, 100,000 listings): 216–223 µs → 193–195 µs a call.
 *
 * Same signatures, rows, filters, branches and settings as migration 1732300035000 (CREATE OR REPLACE keeps grants).
 */
export class NearestPointOnce1732300037000 implements MigrationInterface {
  name = 'NearestPointOnce1732300037000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      nearestFunctionsSql({
        nearest: body(NEAREST(SQL)),
        count: body(COUNT(SQL), true),
        counted: body(COUNTED(SQL)),
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Migration 1732300035000's functions, as it wrote them (its up() also adds columns and triggers: not run again).
    await q.query(new ListingAuthorNames1732300035000().functionsSql());
  }
}
