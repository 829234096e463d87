import { readFileSync } from 'node:fs';
import { slugify } from '@libs/text';
import { dirname, join } from 'node:path';

/** A record of the official geographic code, as @etalab/decoupage-administratif writes it (fields we read). */
export interface CommuneRecord {
  code: string;
  nom: string;
  type: 'commune-actuelle' | 'commune-deleguee' | 'commune-associee' | 'arrondissement-municipal';
  departement?: string;
  siren?: string;
  codesPostaux?: string[];
  population?: number;
  anciensCodes?: string[];
  /** A delegated or associated commune's current commune. */
  chefLieu?: string;
  /** A municipal arrondissement's commune (Paris, Lyon, Marseille). */
  commune?: string;
}

export interface EpciRecord {
  code: string;
  nom: string;
  membres: Array<{ code: string }>;
}

export interface CommuneData {
  communes: CommuneRecord[];
  epci: EpciRecord[];
}

export class CommuneDataError extends Error {}

/**
 * The package's data (shipped inside it: no network at run time), or a file of the same shape
 * (`{"communes": [...], "epci": [...]}`) for tests and for a year not yet published as a package.
 */
export function loadCommuneData(from?: string): CommuneData {
  if (from) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(from, 'utf8'));
    } catch (e) {
      throw new CommuneDataError(`${from}: ${(e as Error).message}`);
    }
    return checked(parsed, from);
  }
  const dir = join(dirname(require.resolve('@etalab/decoupage-administratif/package.json')), 'data');
  const read = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));
  return checked({ communes: read('communes.json'), epci: read('epci.json') }, '@etalab/decoupage-administratif');
}

const INSEE = /^\d[\dAB]\d{3}$/;

function checked(value: unknown, source: string): CommuneData {
  const v = value as Partial<CommuneData> | null;
  if (!v || !Array.isArray(v.communes) || !Array.isArray(v.epci))
    throw new CommuneDataError(`${source}: expected {"communes": [...], "epci": [...]}`);
  for (const [i, c] of v.communes.entries()) {
    if (!c || typeof c.code !== 'string' || !INSEE.test(c.code))
      throw new CommuneDataError(`${source}: communes[${i}].code is not an INSEE code`);
    if (typeof c.nom !== 'string' || !c.nom) throw new CommuneDataError(`${source}: commune ${c.code} has no name`);
    if (c.siren !== undefined && !/^\d{9}$/.test(c.siren))
      throw new CommuneDataError(`${source}: commune ${c.code} has a malformed SIREN`);
  }
  for (const [i, e] of v.epci.entries()) {
    if (!e || typeof e.code !== 'string' || !/^\d{9}$/.test(e.code) || !Array.isArray(e.membres))
      throw new CommuneDataError(`${source}: epci[${i}] needs a 9-digit code and members`);
  }
  return { communes: v.communes, epci: v.epci };
}

/** `L'Île-d'Yeu` → `l-ile-d-yeu`: a DNS label of letters, digits and dashes. */
export function slugOf(name: string): string {
  return slugify(name, 50);
}
