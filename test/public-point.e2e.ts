import { createDataSource } from '@libs/db';
import { fuzzPoint, PUBLIC_POINT_MIN_M } from '@libs/geo';
import { PublicPointDistance1732300018000 } from '../migrations/1732300018000-PublicPointDistance';
import { categoryId, createResident, publishListing, ResidentFixture } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

// Homes in Meylan (tenants/meylan.yaml): Buclos, then spots a few tens of metres inside its edges and corners.
const HOMES = [
  { lat: 45.2125, lng: 5.77715 },
  { lat: 45.1903, lng: 5.7615 },
  { lat: 45.1902, lng: 5.79 },
  { lat: 45.2376, lng: 5.79 },
  { lat: 45.2195, lng: 5.8245 },
  { lat: 45.205, lng: 5.7665 },
];

interface Row {
  id: string;
  status: string;
  distance: number;
  inside: boolean;
  exact: { lat: number; lng: number };
  public: { lat: number; lng: number };
  outline: number[][][][];
}

describe('the public point of a place', () => {
  let t: TestApp;
  let author: ResidentFixture;
  let courses: string;

  /**
   * Every listing of the database, as PostGIS measures it: the distance on the spheroid, and whether the commune covers
   * the public point.
   */
  const listings = async (): Promise<Row[]> =>
    (
      await t.db.admin.query(
        `SELECT l.id, l.status, ST_Distance(l.location, l.public_location) AS distance, ST_Covers(a.outline,
          l.public_location) AS inside,
                json_build_object('lat', ST_Y(l.location::geometry), 'lng', ST_X(l.location::geometry)) AS exact,
                json_build_object('lat', ST_Y(l.public_location::geometry), 'lng', ST_X(l.public_location::geometry))
                  AS public,
                ST_AsGeoJSON(a.outline)::json -> 'coordinates' AS outline
         FROM listings l JOIN tenant_areas a USING (tenant_id) ORDER BY l.id`,
      )
    ).rows;

  beforeAll(async () => {
    t = await startTestApp();
    author = await createResident(t.db, 'meylan');
    courses = await categoryId(t.db, 'meylan', 'courses');
  });
  afterAll(() => t.close());

  it(
    'puts every listing published or moved through the API 100 m or more from its exact point, inside the ' +
      'commune, the same on every read',
    async () => {
      const ids: string[] = [];
      for (const [i, home] of HOMES.entries())
        for (const n of [1, 2]) {
          const l = await publishListing(t, author, {
            kind: 'request',
            categoryId: courses,
            title: `Courses numéro ${i}-${n}`,
            description: 'Un voisin pourrait-il porter mes courses ?',
            location: home,
          });
          ids.push(l.id);
        }
      const moved = await t.request({
        method: 'PATCH',
        url: `/api/v1/listings/${ids[0]}`,
        session: author.session,
        payload: { location: HOMES[1] },
      });
      expect(moved.status).toBe(200);

      const rows = await listings();
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const r of rows) {
        expect({ id: r.id, far: r.distance >= PUBLIC_POINT_MIN_M, inside: r.inside }).toEqual({
          id: r.id,
          far: true,
          inside: true,
        });
        // The point the API shows is the one stored, and the one the function gives again (the migration relies on it).
        expect((await t.request({ url: `/api/v1/listings/${r.id}` })).json().publicLocation).toEqual(r.public);
        expect(fuzzPoint(r.exact, r.id, r.outline)).toEqual(r.public);
      }
      expect(rows.find((r) => r.id === ids[0])!.exact).toEqual(HOMES[1]);
    },
  );

  it(
    'moves the public points written before, ' + 'an erased author’s listing too, 100 m or more from the home',
    async () => {
      const meylan = await t.db.tenantId('meylan');
      const home = { lat: 45.21137, lng: 5.78412 };
      // As the former code could write them: a spot of the home's own ~200 m cell, here 3 m from the home.
      const near = { lat: home.lat + 0.000027, lng: home.lng };
      const insert = (status: string, location: { lat: number; lng: number }) =>
        t.db.admin.query(
          `INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location,
          public_location, radius_m, status)
         VALUES ($1, $2, 'offer', $3, 'Ancienne annonce', 'Une annonce publiée avant le changement.', 'in_person',
                 ST_SetSRID(ST_MakePoint($5, $4), 4326)::geography, ST_SetSRID(ST_MakePoint($7, $6), 4326)::geography,
                   1000, $8) RETURNING id`,
          [meylan, author.id, courses, location.lat, location.lng, near.lat, near.lng, status],
        );
      const published = (await insert('published', home)).rows[0].id;
      // Erasure keeps only the former public point, in both columns.
      const erased = (await insert('closed', near)).rows[0].id;
      const before = await listings();

      const ds = createDataSource(t.db.adminUrl, { poolSize: 1 });
      await ds.initialize();
      const q = ds.createQueryRunner();
      try {
        await q.startTransaction();
        await new PublicPointDistance1732300018000().up(q);
        await q.commitTransaction();
      } finally {
        await q.release();
        await ds.destroy();
      }

      const after = await listings();
      const distanceToHome = async (id: string) =>
        (
          await t.db.admin.query(
            `SELECT ST_Distance(public_location, ST_SetSRID(ST_MakePoint($3, $2), 4326)::geography) AS d FROM ` +
              `listings WHERE id = $1`,
            [id, home.lat, home.lng],
          )
        ).rows[0].d;
      expect(await distanceToHome(published)).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
      expect(await distanceToHome(erased)).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
      const row = (id: string) => after.find((r) => r.id === id)!;
      // The erased listing gets the very point its home would have had, and still no exact point apart from it.
      expect(row(erased).public).toEqual(fuzzPoint(home, erased, row(erased).outline));
      expect(row(erased).exact).toEqual(row(erased).public);
      expect(row(published).exact).toEqual(home);
      for (const r of after)
        expect({ id: r.id, far: r.distance >= PUBLIC_POINT_MIN_M || r.id === erased, inside: r.inside }).toEqual({
          id: r.id,
          far: true,
          inside: true,
        });
      // Points written by the current code stay where they were.
      for (const r of before.filter((b) => b.id !== published && b.id !== erased))
        expect(row(r.id).public).toEqual(r.public);
    },
  );
});
