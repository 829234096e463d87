import { Client } from 'pg';
import { newToken } from '@src/accounts/tokens';

/**
 * Seeding for `npm run bench:notify`, set-based and run as the owner role (it bypasses RLS).
 * Rows are written as test/support/factories.ts writes them (createResident): verified
 * accounts with a home, an alert (notify_mode, notify_radius_m, notify_category_ids) and,
 * for the author, a session row holding the SHA-256 of a random token.
 */
export interface NotifyFixture {
  tenantId: string;
  /** Centroid of the commune's area: the big listing's place, and the middle of the crowd. */
  centre: { lat: number; lng: number };
  /** Category of the big fan-out: every crowd resident follows it. */
  bigCategoryId: string;
  /** Category of the small publications: only the groups follow it. */
  smallCategoryId: string;
  /** One point per small group; a listing there reaches that group only. */
  groups: Array<{ lat: number; lng: number }>;
  groupSize: number;
  author: { id: string; token: string };
}

export interface NotifySeedOptions {
  tenant: string;
  residents: number;
  /** Crowd homes: random (uniform over the disc), inside the commune, within this distance of its centroid. */
  crowdRadiusM: number;
  crowdAlertRadiusM: number;
  bigCategory: string;
  smallCategory: string;
  groups: number;
  groupSize: number;
  /**
   * Grid step between group points; alerts of GROUP_ALERT_M around homes within GROUP_SPREAD_M never reach the next
   * point.
   */
  groupSpacingM: number;
  matchingCap: number;
  dailyCap: number;
}

const GROUP_ALERT_M = 100; // the smallest alert radius accounts allow
const GROUP_SPREAD_M = 20;
/** Group points stay this far inside the commune's outline (a listing must be inside it). */
const GROUP_MARGIN_M = 60;
const M_PER_DEG_LAT = 111_132;
const M_PER_DEG_LNG_EQ = 111_320;

export async function seedNotify(ownerUrl: string, o: NotifySeedOptions): Promise<NotifyFixture> {
  if (o.groupSpacingM - 2 * GROUP_SPREAD_M <= GROUP_ALERT_M)
    throw new Error('group spacing too small: groups would hear each other');
  const c = new Client({ connectionString: ownerUrl, application_name: 'entraide-bench-notify-seed' });
  await c.connect();
  try {
    await c.query('SET synchronous_commit = off');
    const { rows: tenants } = await c.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [o.tenant]);
    if (!tenants[0]) throw new Error(`no tenant ${o.tenant}: were the tenants synced?`);
    const tenantId = tenants[0].id;
    const category = async (slug: string) => {
      const { rows } = await c.query<{ id: string }>(
        `SELECT c.id FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id WHERE tc.tenant_id = $1 ` +
          `AND c.slug = $2 AND tc.enabled`,
        [tenantId, slug],
      );
      if (!rows[0]) throw new Error(`no enabled category ${slug} on ${o.tenant}`);
      return rows[0].id;
    };
    const bigCategoryId = await category(o.bigCategory);
    const smallCategoryId = await category(o.smallCategory);

    // The tenant row's JSON settings, read by AlertsService at each fan-out (no cache to refresh).
    await c.query(
      `UPDATE tenants SET settings = jsonb_set(settings, '{matching}', coalesce(settings->'matching', '{}') ||
        jsonb_build_object('cap', $2::int, 'dailyCap', $3::int))
       WHERE id = $1`,
      [tenantId, o.matchingCap, o.dailyCap],
    );

    await c.query(
      `CREATE TEMP TABLE bench_area AS SELECT ST_Union(outline::geometry) AS g FROM tenant_areas WHERE tenant_id = $1`,
      [tenantId],
    );
    const { rows: centres } = await c.query<{ lat: number; lng: number; inside: boolean }>(
      `SELECT ST_Y(ST_Centroid(g)) AS lat, ST_X(ST_Centroid(g)) AS lng, ST_Covers(g, ST_Centroid(g)) AS inside ` +
        `FROM bench_area`,
    );
    const centre = { lat: centres[0].lat, lng: centres[0].lng };
    if (!centres[0].inside) throw new Error(`the centroid of ${o.tenant} is outside its area`);
    const mPerDegLng = M_PER_DEG_LNG_EQ * Math.cos((centre.lat * Math.PI) / 180);

    // The crowd: twice as many random points as needed, those inside the commune kept.
    const { rowCount: crowd } = await c.query(
      `INSERT INTO accounts (tenant_id, email, email_verified_at, display_name, roles, location, terms_accepted_at,
                             notify_mode, notify_radius_m, notify_category_ids)
       SELECT $1, format('voisin.%s@bench-notify.example', row_number() OVER ()), now(), format('Voisin%s B.',
         row_number() OVER ()), '{resident}',
              p::geography, now(), 'immediate', $6, ARRAY[$7::uuid]
       FROM (
         SELECT p FROM (
           SELECT ST_SetSRID(ST_MakePoint($3 + r * cos(t) / $5, $2 + r * sin(t) / ${M_PER_DEG_LAT}), 4326) AS p
           FROM (SELECT $4 * sqrt(random()) AS r, 2 * pi() * random() AS t FROM generate_series(1, 2 * $8::int)) s
         ) candidates, bench_area WHERE ST_Covers(bench_area.g, p) LIMIT $8
       ) homes`,
      [tenantId, centre.lat, centre.lng, o.crowdRadiusM, mPerDegLng, o.crowdAlertRadiusM, bigCategoryId, o.residents],
    );
    if (crowd !== o.residents) throw new Error(`seeded ${crowd} crowd residents instead of ${o.residents}`);

    // Group points: a grid over the commune, well inside it, nearest the centroid first.
    const dLat = o.groupSpacingM / M_PER_DEG_LAT;
    const dLng = o.groupSpacingM / mPerDegLng;
    const { rows: groups } = await c.query<{ lat: number; lng: number }>(
      `WITH box AS (SELECT ST_XMin(g) AS x0, ST_YMin(g) AS y0, ST_XMax(g) AS x1, ST_YMax(g) AS y1 FROM bench_area),
            grid AS (
              SELECT ST_SetSRID(ST_MakePoint(x0 + i * $1, y0 + j * $2), 4326) AS p
              FROM box, generate_series(0, ceil((x1 - x0) / $1)::int) i, generate_series(0, ceil((y1 - y0) / $2)::int) j
            )
       SELECT ST_Y(p) AS lat, ST_X(p) AS lng FROM grid, bench_area
       WHERE ST_Covers(bench_area.g, p) AND ST_Distance(ST_Boundary(bench_area.g)::geography, p::geography) > $3
       ORDER BY ST_Distance(p::geography, ST_SetSRID(ST_MakePoint($5, $4), 4326)::geography)
       LIMIT $6`,
      [dLng, dLat, GROUP_MARGIN_M, centre.lat, centre.lng, o.groups],
    );
    if (groups.length < o.groups)
      throw new Error(
        `${o.tenant} holds only ${groups.length} group points ${o.groupSpacingM} m apart, ${o.groups} asked`,
      );
    const { rowCount: members } = await c.query(
      `INSERT INTO accounts (tenant_id, email, email_verified_at, display_name, roles, location, terms_accepted_at,
                             notify_mode, notify_radius_m, notify_category_ids)
       SELECT $1, format('groupe%s.%s@bench-notify.example', g.idx, k), now(), format('Groupe%s V%s.', g.idx, k),
         '{resident}',
              ST_SetSRID(ST_MakePoint(g.lng + r * cos(t) / $5, g.lat + r * sin(t) / ${M_PER_DEG_LAT}), 4326)::geography,
              now(), 'immediate', ${GROUP_ALERT_M}, ARRAY[$6::uuid]
       FROM unnest($2::float8[], $3::float8[]) WITH ORDINALITY AS g (lat, lng, idx)
       CROSS JOIN generate_series(1, $4::int) k
       CROSS JOIN LATERAL (SELECT ${GROUP_SPREAD_M} * sqrt(random()) AS r, 2 * pi() * random() AS t, g.idx * 1000 + k
         AS member) jitter`,
      [tenantId, groups.map((g) => g.lat), groups.map((g) => g.lng), o.groupSize, mPerDegLng, smallCategoryId],
    );
    if (members !== o.groups * o.groupSize)
      throw new Error(`seeded ${members} group residents instead of ${o.groups * o.groupSize}`);

    // The author of every publication: verified, no alert, one open session.
    const { rows: authors } = await c.query<{ id: string }>(
      `INSERT INTO accounts (tenant_id, email, email_verified_at, display_name, roles, terms_accepted_at)
       VALUES ($1, 'autrice@bench-notify.example', now(), 'Jeanne P.', '{resident}', now()) RETURNING id`,
      [tenantId],
    );
    const { token, hash } = newToken();
    await c.query(
      `INSERT INTO sessions (tenant_id, account_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + interval ` +
        `'1 day')`,
      [tenantId, authors[0].id, hash],
    );
    await c.query('ANALYZE accounts');
    return {
      tenantId,
      centre,
      bigCategoryId,
      smallCategoryId,
      groups,
      groupSize: o.groupSize,
      author: { id: authors[0].id, token },
    };
  } finally {
    await c.end();
  }
}
