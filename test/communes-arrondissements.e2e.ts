import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from './support/commands';
import { testEnv } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-db';

/** A square of `size` degrees whose south-west corner is (lng, lat). */
const square = (lng: number, lat: number, size: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lng, lat],
      [lng + size, lat],
      [lng + size, lat + size],
      [lng, lat + size],
      [lng, lat],
    ],
  ],
});

/**
 * A commune divided in municipal arrondissements (as Paris, Lyon and Marseille are) opens with one neighbourhood per
 * outlined arrondissement, named as the official code names it; its EPCI, new to the platform, gets French default
 * categories and a colour of the palette (no home site to take colours from).
 */
describe('communes:open with arrondissements', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'communes-arr-'));

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('makes each outlined arrondissement a neighbourhood of the opened commune', async () => {
    const data = join(dir, 'code.json');
    writeFileSync(
      data,
      JSON.stringify({
        communes: [
          { code: '13998', nom: 'Portmer', type: 'commune-actuelle', departement: '13', siren: '211399985' },
          { code: '13981', nom: 'Portmer 1er Arrondissement', type: 'arrondissement-municipal', commune: '13998' },
          { code: '13982', nom: 'Portmer 2e Arrondissement', type: 'arrondissement-municipal', commune: '13998' },
        ],
        epci: [{ code: '200099998', nom: 'Métropole du Cap d’Essai', membres: [{ code: '13998' }] }],
      }),
    );
    const outlines = join(dir, 'outlines.geojson');
    writeFileSync(
      outlines,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { INSEE_COM: '13998' }, geometry: square(5.3, 43.2, 0.04) },
          { type: 'Feature', properties: { INSEE_ARM: '13981' }, geometry: square(5.3, 43.2, 0.02) },
          { type: 'Feature', properties: { INSEE_ARM: '13982' }, geometry: square(5.32, 43.2, 0.02) },
        ],
      }),
    );
    const env = testEnv(db, { LOG_LEVEL: 'warn' });
    expect(runNode('dist/src/cli.js', ['communes:import', '--from', data], env).code).toBe(0);
    expect(runNode('dist/src/cli.js', ['communes:outlines', outlines], env).stdout).toBe(
      'communes:outlines: 3 outlines read, 3 written\n',
    );
    const res = runNode('dist/src/cli.js', ['communes:open', '13998', '--admin', 'mairie@portmer.example'], env);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^communes:open: 13998 Portmer is open at portmer\.localhost \(6 categories, 2 /);

    const { rows: neighbourhoods } = await db.admin.query(
      `SELECT n.name, round(ST_Area(n.outline)::numeric / ST_Area(a.outline)::numeric, 2)::float AS share
       FROM neighbourhoods n JOIN tenants t ON t.id = n.tenant_id JOIN tenant_areas a ON a.tenant_id = t.id
       WHERE t.insee_code = '13998' ORDER BY n.position`,
    );
    expect(neighbourhoods).toEqual([
      { name: 'Portmer 1er Arrondissement', share: 0.25 },
      { name: 'Portmer 2e Arrondissement', share: 0.25 },
    ]);
    const { rows } = await db.admin.query(
      `SELECT t.settings -> 'theme' ->> 'primary' AS primary, t.settings -> 'theme' ->> 'primaryContrast' AS contrast,
              t.settings -> 'moderation' ->> 'mode' AS moderation,
              (SELECT array_agg(c.name ORDER BY tc.position) FROM tenant_categories tc
               JOIN categories c ON c.id = tc.category_id WHERE tc.tenant_id = t.id) AS categories
       FROM tenants t WHERE t.insee_code = '13998'`,
    );
    expect(rows[0]).toEqual({
      primary: expect.stringMatching(/^#(1f5d8c|2e6b30|8c2f39|5b3f8c|7a4a00|005f73)$/),
      contrast: '#ffffff',
      moderation: 'pre',
      categories: ['Courses', 'Aide aux devoirs', 'Conversations à distance', 'Accompagnement', 'Bricolage', 'Divers'],
    });
  });
});
