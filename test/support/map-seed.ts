import type { Pool } from 'pg';

/**
 * `count` more listings in a tenant, for the map's tests and measurements: points drawn inside the tenant's outline
 * (a fixed seed, so the same rows each time), two offers for a request, every category of the tenant, one in twenty
 * closed and one in fifty expired. The exact location sits ~80 m from the public point, so an answer that leaked it
 * would show. Runs as the owner role (bypasses RLS), set-based; 25,000 rows take a few seconds.
 */
export async function seedMapListings(admin: Pool, tenantId: string, count: number): Promise<void> {
  await admin.query(
    `WITH author AS (
       INSERT INTO accounts (tenant_id, email, display_name)
       VALUES ($1, 'carte-' || gen_random_uuid() || '@seed.example', 'Voisine C.') RETURNING id),
     cats AS (SELECT array_agg(category_id ORDER BY position) AS ids FROM tenant_categories WHERE tenant_id = $1),
     points AS (
       SELECT d.geom, row_number() OVER () AS g
       FROM tenant_areas a, ST_Dump(ST_GeneratePoints(a.outline::geometry, $2::int, 20)) d WHERE a.tenant_id = $1)
     INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location,
       public_location, radius_m, status, created_at, published_at, expires_at)
     SELECT $1, author.id, CASE WHEN p.g % 3 = 0 THEN 'request' ELSE 'offer' END,
            cats.ids[1 + p.g % array_length(cats.ids, 1)], 'Annonce de la carte ' || p.g,
            'Une annonce pour peupler la carte.', 'in_person',
            ST_Translate(p.geom, 0.0007, 0.0005)::geography, p.geom::geography, 1000,
            CASE WHEN p.g % 20 = 0 THEN 'closed' ELSE 'published' END, now() - make_interval(mins => p.g::int), now(),
            CASE WHEN p.g % 50 = 1 THEN now() - interval '1 day' ELSE now() + interval '30 days' END
     FROM points p, author, cats`,
    [tenantId, count],
  );
  await admin.query('ANALYZE listings');
}
