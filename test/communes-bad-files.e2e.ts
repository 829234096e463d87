import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runNode } from './support/commands';
import { createTestDatabase, TestDatabase } from './support/test-db';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'communes');

/** A square around (lng, lat), closed unless asked otherwise. */
const square = (lng: number, lat: number, closed = true) => {
  const ring = [
    [lng, lat],
    [lng + 0.01, lat],
    [lng + 0.01, lat + 0.01],
    [lng, lat + 0.01],
  ];
  return { type: 'Polygon', coordinates: [closed ? [...ring, [lng, lat]] : ring] };
};
const feature = (properties: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', properties, geometry });

/**
 * Files an operator may get wrong: each is refused with one line naming the record (its index and code) and the
 * database is left as it was, whatever record is wrong and wherever it sits in the file.
 */
describe('communes: bad files are refused naming the record, nothing changed', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'communes-bad-'));
  const write = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const cli = (...args: string[]) => runNode('dist/src/cli.js', args, { DATABASE_ADMIN_URL: db.adminUrl });
  const state = async () =>
    (
      await db.admin.query(
        `SELECT (SELECT count(*) FROM commune_outlines)::int AS outlines,
                (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM federations)::int AS feds,
                (SELECT max(updated_at) FROM tenants)::text AS touched`,
      )
    ).rows[0] as Record<string, unknown>;

  beforeAll(async () => {
    db = await createTestDatabase();
    expect(cli('communes:import', '--from', join(FIXTURES, 'year-1.json')).code).toBe(0);
  });
  afterAll(() => db.drop());

  it('refuses outlines that are GeoJSON but wrong, naming the feature and its code', async () => {
    const before = await state();
    const good = feature({ code: '38901' }, square(5.7, 45.1));
    const cases: Array<[string, unknown, RegExp]> = [
      ['not-a-collection.geojson', good, /not-a-collection\.geojson: expected a GeoJSON FeatureCollection/],
      [
        'no-code.geojson',
        { type: 'FeatureCollection', features: [good, feature({ nom: 'Sans code' }, square(5.8, 45.2))] },
        /no-code\.geojson: features\[1\]: no INSEE code in properties \(code, insee, INSEE_COM/,
      ],
      [
        'open-ring.geojson',
        { type: 'FeatureCollection', features: [good, feature({ INSEE_COM: '38906' }, square(5.8, 45.2, false))] },
        /open-ring\.geojson: features\[1\] \(38906\): geometry must be a Polygon or MultiPolygon of closed rings/,
      ],
      [
        'point.geojson',
        { type: 'FeatureCollection', features: [feature({ insee: '38903' }, { type: 'Point', coordinates: [5, 45] })] },
        /point\.geojson: features\[0\] \(38903\): geometry must be a Polygon or MultiPolygon/,
      ],
      [
        'twice.geojson',
        { type: 'FeatureCollection', features: [good, good] },
        /twice\.geojson: features\[1\] \(38901\): INSEE code given twice/,
      ],
      [
        'unknown-last.geojson',
        { type: 'FeatureCollection', features: [good, feature({ code: '99999' }, square(5.8, 45.2))] },
        /unknown-last\.geojson: features\[1\] \(99999\): unknown INSEE code/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const res = cli('communes:outlines', write(name, content));
      expect({ name, code: res.code, stdout: res.stdout }).toEqual({ name, code: 1, stdout: '' });
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await state()).toEqual(before);
  });

  it('refuses a commune data file with a malformed INSEE code or SIREN, naming the record', async () => {
    const before = await state();
    const year = JSON.parse(readFileSync(join(FIXTURES, 'year-1.json'), 'utf8')) as {
      communes: Array<Record<string, unknown>>;
    };
    const broken = (i: number, patch: Record<string, unknown>) => ({
      ...year,
      communes: year.communes.map((c, j) => (j === i ? { ...c, ...patch } : c)),
    });
    const cases: Array<[string, unknown, RegExp]> = [
      ['bad-code.json', broken(3, { code: '3890' }), /bad-code\.json: communes\[3\]\.code is not an INSEE code/],
      ['bad-siren.json', broken(2, { siren: '21380901' }), /bad-siren\.json: commune 38901 has a malformed SIREN/],
      ['no-name.json', broken(4, { nom: '' }), /no-name\.json: commune 38903 has no name/],
      ['not-json.json', '{"communes": [', /communes:import failed: .*not-json\.json: /],
    ];
    for (const [name, content, message] of cases) {
      const res = cli('communes:import', '--from', write(name, content));
      expect({ name, code: res.code }).toEqual({ name, code: 1 });
      expect(res.stderr).toMatch(message);
    }
    expect(await state()).toEqual(before);
  });
});
