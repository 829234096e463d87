import type { TestDatabase } from './test-db';

type Point = { lat: number; lng: number };

/** A point `m` metres north of `p` (one degree of latitude is ~111.13 km at 45°N). */
export const north = (p: Point, m: number): Point => ({ lat: p.lat + m / 111132, lng: p.lng });

/** Waits until the matching job of a publication has run (its domain event is marked dispatched). */
export async function matchingDone(db: TestDatabase, listingId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await db.admin.query(
      `SELECT count(*) FILTER (WHERE dispatched_at IS NULL)::int AS open, count(*)::int AS n FROM domain_events ` +
        `WHERE aggregate_id = $1`,
      [listingId],
    );
    if (rows[0].n > 0 && rows[0].open === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`matching of ${listingId} did not run`);
}
