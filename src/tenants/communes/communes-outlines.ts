import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { execute, rows } from '@libs/db';

/** A file or feature that cannot be loaded; the message names the file and the record. */
export class OutlineFileError extends Error {}

const CODE_PROPERTIES = ['code', 'insee', 'INSEE_COM', 'INSEE_ARM', 'INSEE_CAD'];
const CHUNK = 500;

interface Outline {
  index: number;
  code: string;
  geometry: string;
}

/**
 * Loads commune outlines (and those of arrondissements and delegated communes, which become neighbourhoods when their
 * commune opens) from a GeoJSON FeatureCollection keyed by INSEE code, as ogr2ogr writes the official ADMIN EXPRESS
 * layers (docs/OPERATIONS.md). All or nothing: the first bad record (unknown code, not a polygon, invalid or
 * self-intersecting ring) stops the load with its position and code, and nothing is written.
 */
export async function loadOutlines(ds: DataSource, file: string): Promise<{ loaded: number; changed: number }> {
  const outlines = readOutlines(file);
  const qr = ds.createQueryRunner();
  await qr.connect();
  const tx = qr.manager;
  try {
    await qr.startTransaction();
    const known = new Set(
      (
        await rows<{ code: string }>(
          tx,
          `SELECT insee_code AS code FROM tenants WHERE insee_code IS NOT NULL
           UNION SELECT d ->> 'code' FROM tenants, jsonb_array_elements(divisions) AS d`,
        )
      ).map((r) => r.code),
    );
    const unknown = outlines.find((o) => !known.has(o.code));
    if (unknown)
      throw new OutlineFileError(
        `${file}: features[${unknown.index}] (${unknown.code}): unknown INSEE code (run communes:import first)`,
      );
    let changed = 0;
    for (let i = 0; i < outlines.length; i += CHUNK) {
      const chunk = JSON.stringify(outlines.slice(i, i + CHUNK));
      const [bad] = await rows<{ index: number; code: string; reason: string }>(
        tx,
        `SELECT r.index, r.code, ST_IsValidReason(g) AS reason
         FROM json_to_recordset($1::json) AS r(index integer, code text, geometry text),
              ST_SetSRID(ST_GeomFromGeoJSON(r.geometry), 4326) AS g
         WHERE NOT ST_IsValid(g) ORDER BY r.index LIMIT 1`,
        [chunk],
      );
      if (bad)
        throw new OutlineFileError(`${file}: features[${bad.index}] (${bad.code}): invalid outline (${bad.reason})`);
      changed += await execute(
        tx,
        `INSERT INTO commune_outlines (insee_code, outline)
         SELECT r.code, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(r.geometry), 4326))::geography
         FROM json_to_recordset($1::json) AS r(index integer, code text, geometry text)
         ON CONFLICT (insee_code) DO UPDATE SET outline = EXCLUDED.outline, updated_at = now()
         WHERE NOT ST_Equals(commune_outlines.outline::geometry, EXCLUDED.outline::geometry)`,
        [chunk],
      );
    }
    await qr.commitTransaction();
    return { loaded: outlines.length, changed };
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

function readOutlines(file: string): Outline[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new OutlineFileError(`${file}: not a GeoJSON file (${(e as Error).message})`);
  }
  const fc = doc as { type?: unknown; features?: unknown };
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features))
    throw new OutlineFileError(`${file}: expected a GeoJSON FeatureCollection`);
  const seen = new Set<string>();
  return fc.features.map((f: unknown, index): Outline => {
    const feature = f as { properties?: Record<string, unknown>; geometry?: { type?: unknown; coordinates?: unknown } };
    const key = CODE_PROPERTIES.find((p) => typeof feature?.properties?.[p] === 'string');
    const code = key ? String(feature.properties![key]) : '';
    const where = `${file}: features[${index}]${code ? ` (${code})` : ''}`;
    if (!/^\d[\dAB]\d{3}$/.test(code))
      throw new OutlineFileError(`${where}: no INSEE code in properties (${CODE_PROPERTIES.join(', ')})`);
    if (seen.has(code)) throw new OutlineFileError(`${where}: INSEE code given twice`);
    seen.add(code);
    const g = feature.geometry;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !wellFormed(g.type, g.coordinates))
      throw new OutlineFileError(`${where}: geometry must be a Polygon or MultiPolygon of closed rings`);
    return { index, code, geometry: JSON.stringify(g) };
  });
}

function wellFormed(type: 'Polygon' | 'MultiPolygon', coordinates: unknown): boolean {
  const point = (p: unknown): p is number[] =>
    Array.isArray(p) && p.length >= 2 && p.every((n) => typeof n === 'number' && Number.isFinite(n));
  const ring = (r: unknown) => {
    if (!Array.isArray(r) || r.length < 4 || !r.every(point)) return false;
    const [first, last] = [r[0], r[r.length - 1]];
    return first[0] === last[0] && first[1] === last[1];
  };
  const polygon = (p: unknown) => Array.isArray(p) && p.length > 0 && p.every(ring);
  return type === 'Polygon'
    ? polygon(coordinates)
    : Array.isArray(coordinates) && coordinates.length > 0 && coordinates.every(polygon);
}
