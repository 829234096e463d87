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

/**
 * `count` verified neighbours of `tenantSlug` around Buclos (45.2125, 5.77715), within a few hundred metres, each
 * with an immediate e-mail alert on `categoryId` within 3 km, at `<label>.<n>@exemple.fr`; the tenant's caps are
 * raised so that one publication there notifies them all (a big fan-out).
 */
export async function seedAlertedNeighbours(
  db: TestDatabase,
  tenantSlug: string,
  categoryId: string,
  count: number,
  label: string,
): Promise<void> {
  const tenantId = await db.tenantId(tenantSlug);
  await db.admin.query(
    `UPDATE tenants SET settings = jsonb_set(settings, '{matching}', '{"cap": 5000, "dailyCap": 5, ` +
      `"digestHour": 18}') WHERE id = $1`,
    [tenantId],
  );
  await db.admin.query(
    `INSERT INTO accounts (tenant_id, email, email_verified_at, display_name, location, notify_mode,
      notify_radius_m, notify_category_ids)
     SELECT $1, $3 || '.' || g || '@exemple.fr', now(), 'Voisin C.', ST_SetSRID(ST_MakePoint(5.77715 + (g % 30) *
       0.0002, 45.2125 + (g / 30) * 0.0002), 4326)::geography,
            'immediate', 3000, ARRAY[$2::uuid]
     FROM generate_series(1, $4::int) g`,
    [tenantId, categoryId, label, count],
  );
}
