import { DataSource } from 'typeorm';
import { execute, rows } from '@libs/db';
import { TENANTS_CHANGED_CHANNEL } from '../tenants-sync';
import { TenantCatalogue } from '../tenant-files';
import { CommuneData, CommuneRecord, slugOf } from './commune-data';

export interface ImportReport {
  communes: number;
  created: number;
  updated: number;
  federationsCreated: number;
  federationsUpdated: number;
  renamed: string[];
  mergesApplied: string[];
  mergesProposed: string[];
  /** Merge proposals for open communes stored for the operator by this run (new ones only). */
  proposalsStored: number;
  vanished: string[];
  notSynced: string[];
}

/** Communes outside any intercommunalité (a few islands, overseas collectivities) share this federation. */
export const NO_EPCI_FEDERATION = { slug: 'communes-sans-intercommunalite', name: 'Communes sans intercommunalité' };

interface Existing {
  id: string;
  slug: string;
  inseeCode: string | null;
  status: 'open' | 'dormant' | 'merged';
  name: string;
  federationSlug: string;
}

interface TenantUpsert {
  insee: string;
  slug: string;
  name: string;
  siteName: string;
  federation: string;
  siren: string | null;
  postalCodes: string[];
  population: number | null;
  formerCodes: string[];
  divisions: Array<{ code: string; name: string }>;
}

/**
 * Every current commune becomes (or stays) a tenant keyed by its INSEE code, every EPCI a federation keyed by its
 * SIREN, in one transaction and set-based (a few statements whatever the number of communes). Re-running changes
 * nothing; a renamed commune keeps its row and slug (a host people may have noted); a commune whose code is now a
 * former code of another is merged into it when dormant, and proposed when open (stored in commune_merge_proposals
 * for communes:merges); nothing is deleted. Communes and federations that tenant files link (`insee`, `epci`) keep
 * their files' names, siren and federation.
 */
export async function importCommunes(
  ds: DataSource,
  data: CommuneData,
  catalogue: TenantCatalogue,
): Promise<ImportReport> {
  const report: ImportReport = {
    communes: 0,
    created: 0,
    updated: 0,
    federationsCreated: 0,
    federationsUpdated: 0,
    renamed: [],
    mergesApplied: [],
    mergesProposed: [],
    proposalsStored: 0,
    vanished: [],
    notSynced: [],
  };
  const current = data.communes.filter((c) => c.type === 'commune-actuelle').sort((a, b) => cmp(a.code, b.code));
  report.communes = current.length;
  const divisions = new Map<string, Array<{ code: string; name: string }>>();
  for (const c of data.communes) {
    const parent =
      c.type === 'arrondissement-municipal' ? c.commune : c.type === 'commune-deleguee' ? c.chefLieu : undefined;
    if (!parent) continue;
    divisions.set(parent, [...(divisions.get(parent) ?? []), { code: c.code, name: c.nom }]);
  }
  const fileByInsee = new Map(catalogue.tenants.filter((t) => t.insee).map((t) => [t.insee!, t.slug]));
  const fileByEpci = new Map(catalogue.federations.filter((f) => f.epci).map((f) => [f.epci!, f.slug]));

  const qr = ds.createQueryRunner();
  await qr.connect();
  const tx = qr.manager;
  let changes = 0;
  const run = async (sql: string, params: unknown[] = []) => {
    const n = await execute(tx, sql, params);
    changes += n;
    return n;
  };
  try {
    await qr.startTransaction();
    // One import at a time: two would pick the same new slugs.
    await execute(tx, `SELECT pg_advisory_xact_lock(hashtext('communes:import'))`);
    const existing = await rows<Existing>(
      tx,
      `SELECT t.id, t.slug, t.insee_code AS "inseeCode", t.status, t.name, f.slug AS "federationSlug"
       FROM tenants t JOIN federations f ON f.id = t.federation_id`,
    );
    const feds = await rows<{ slug: string; epciCode: string | null; name: string }>(
      tx,
      'SELECT slug, epci_code AS "epciCode", name FROM federations',
    );
    const byInsee = new Map(existing.filter((e) => e.inseeCode).map((e) => [e.inseeCode!, e]));
    const bySlug = new Map(existing.map((e) => [e.slug, e]));
    const takenSlugs = new Set([...existing.map((e) => e.slug), ...catalogue.tenants.map((t) => t.slug)]);

    // Slugs of new tenants: the bare name when no other commune bears it, else with the département, else the code.
    const nameCount = new Map<string, number>();
    for (const c of current) nameCount.set(slugOf(c.nom), (nameCount.get(slugOf(c.nom)) ?? 0) + 1);
    const newSlug = (c: CommuneRecord): string => {
      const base = slugOf(c.nom) || 'commune';
      const candidates = nameCount.get(base) === 1 ? [base] : [];
      candidates.push(`${base}-${(c.departement ?? c.code.slice(0, 2)).toLowerCase()}`, `${base}-${c.code}`);
      const slug = candidates.find((s) => !takenSlugs.has(s)) ?? `${base}-${c.code.toLowerCase()}`;
      takenSlugs.add(slug);
      return slug;
    };
    const slugFor = new Map<string, string>();
    for (const c of current) {
      const file = fileByInsee.get(c.code);
      slugFor.set(c.code, file ?? byInsee.get(c.code)?.slug ?? newSlug(c));
    }

    // Federations: an EPCI's federation is found by its SIREN (or its tenant file); new ones get a slug of its name.
    const fedByEpci = new Map(feds.filter((f) => f.epciCode).map((f) => [f.epciCode!, f.slug]));
    const fedSlugs = new Set(feds.map((f) => f.slug));
    const population = new Map(current.map((c) => [c.code, c.population ?? 0]));
    const epciOf = new Map<string, string>();
    const fedRows: Array<{ slug: string; name: string; home: string; epci: string | null }> = [];
    for (const e of [...data.epci].sort((a, b) => cmp(a.code, b.code))) {
      const members = e.membres.map((m) => m.code).filter((code) => slugFor.has(code));
      let slug = fileByEpci.get(e.code) ?? fedByEpci.get(e.code);
      if (!slug) {
        slug = [slugOf(e.nom), `${slugOf(e.nom)}-${e.code}`].find((s) => s && !fedSlugs.has(s)) ?? `epci-${e.code}`;
        fedSlugs.add(slug);
      }
      for (const m of members) epciOf.set(m, slug);
      if (fileByEpci.has(e.code) || !members.length) continue;
      const home = [...members].sort((a, b) => population.get(b)! - population.get(a)! || cmp(a, b))[0];
      fedRows.push({ slug, name: e.nom, home: slugFor.get(home)!, epci: e.code });
    }
    const loners = current.filter((c) => !epciOf.has(c.code));
    if (loners.length) {
      fedRows.push({ ...NO_EPCI_FEDERATION, home: slugFor.get(loners[0].code)!, epci: null });
      for (const c of loners) epciOf.set(c.code, NO_EPCI_FEDERATION.slug);
    }
    const before = await rows<{ n: string }>(tx, 'SELECT count(*)::text AS n FROM federations');
    const fedChanges = await run(
      `INSERT INTO federations (slug, name, home_tenant_slug, epci_code)
       SELECT slug, name, home, epci FROM json_to_recordset($1::json) AS r(slug text, name text, home text, epci text)
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, home_tenant_slug = EXCLUDED.home_tenant_slug,
         epci_code = EXCLUDED.epci_code, updated_at = now()
       WHERE (federations.name, federations.home_tenant_slug, federations.epci_code)
         IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.home_tenant_slug, EXCLUDED.epci_code)`,
      [JSON.stringify(fedRows)],
    );
    const after = await rows<{ n: string }>(tx, 'SELECT count(*)::text AS n FROM federations');
    report.federationsCreated = Number(after[0].n) - Number(before[0].n);
    report.federationsUpdated = fedChanges - report.federationsCreated;

    // Tenants: file-linked communes take only the codes; the others their name and federation too (dormant ones).
    const upserts: TenantUpsert[] = [];
    const codesOnly: Array<Omit<TenantUpsert, 'name' | 'siteName' | 'federation' | 'siren'>> = [];
    for (const c of current) {
      const codes = {
        insee: c.code,
        slug: slugFor.get(c.code)!,
        postalCodes: c.codesPostaux ?? [],
        population: c.population ?? null,
        formerCodes: c.anciensCodes ?? [],
        divisions: divisions.get(c.code) ?? [],
      };
      const fileSlug = fileByInsee.get(c.code);
      if (fileSlug) {
        if (!bySlug.has(fileSlug)) report.notSynced.push(`${c.code} ${fileSlug}`);
        codesOnly.push(codes);
        continue;
      }
      const was = byInsee.get(c.code);
      if (was && was.name !== c.nom) report.renamed.push(`${c.code} ${was.name} → ${c.nom}`);
      // An open commune stays in its federation until someone decides: a change is only reported.
      let federation = epciOf.get(c.code)!;
      if (was && was.status !== 'dormant' && was.federationSlug !== federation) {
        report.mergesProposed.push(`${c.code} ${c.nom}: federation ${was.federationSlug} → ${federation}`);
        federation = was.federationSlug;
      }
      upserts.push({ ...codes, name: c.nom, siteName: c.nom, federation, siren: c.siren ?? null });
    }
    const fields = `insee text, slug text, name text, "siteName" text, federation text, siren text,
      "postalCodes" text[], population integer, "formerCodes" text[], divisions jsonb`;
    const countBefore = await rows<{ n: string }>(tx, 'SELECT count(*)::text AS n FROM tenants');
    const tenantChanges = await run(
      `INSERT INTO tenants (slug, federation_id, name, site_name, settings, status, insee_code, siren, postal_codes,
         population, former_codes, divisions)
       SELECT r.slug, f.id, r.name, r."siteName", '{}', 'dormant', r.insee, r.siren, r."postalCodes", r.population,
         r."formerCodes", r.divisions
       FROM json_to_recordset($1::json) AS r(${fields}) JOIN federations f ON f.slug = r.federation
       ON CONFLICT (insee_code) DO UPDATE SET name = EXCLUDED.name,
         site_name = CASE WHEN tenants.status = 'dormant' THEN EXCLUDED.site_name ELSE tenants.site_name END,
         federation_id = EXCLUDED.federation_id, siren = EXCLUDED.siren, postal_codes = EXCLUDED.postal_codes,
         population = EXCLUDED.population, former_codes = EXCLUDED.former_codes, divisions = EXCLUDED.divisions,
         updated_at = now()
       WHERE (tenants.name, tenants.site_name, tenants.federation_id, tenants.siren, tenants.postal_codes,
           tenants.population, tenants.former_codes, tenants.divisions)
         IS DISTINCT FROM (EXCLUDED.name,
           CASE WHEN tenants.status = 'dormant' THEN EXCLUDED.site_name ELSE tenants.site_name END,
           EXCLUDED.federation_id, EXCLUDED.siren, EXCLUDED.postal_codes, EXCLUDED.population, EXCLUDED.former_codes,
           EXCLUDED.divisions)`,
      [JSON.stringify(upserts)],
    );
    const countAfter = await rows<{ n: string }>(tx, 'SELECT count(*)::text AS n FROM tenants');
    report.created = Number(countAfter[0].n) - Number(countBefore[0].n);
    report.updated = tenantChanges - report.created;
    report.updated += await run(
      `UPDATE tenants t SET insee_code = r.insee, postal_codes = r."postalCodes", population = r.population,
         former_codes = r."formerCodes", divisions = r.divisions, updated_at = now()
       FROM json_to_recordset($1::json) AS r(${fields})
       WHERE t.slug = r.slug AND (t.insee_code, t.postal_codes, t.population, t.former_codes, t.divisions)
         IS DISTINCT FROM (r.insee, r."postalCodes", r.population, r."formerCodes", r.divisions)`,
      [JSON.stringify(codesOnly)],
    );

    // Merges: a tenant whose code is now a former code of a current commune.
    const currentCodes = new Set(current.map((c) => c.code));
    const mergedInto = new Map<string, CommuneRecord>();
    for (const c of current) for (const old of c.anciensCodes ?? []) if (old !== c.code) mergedInto.set(old, c);
    const apply: Array<{ old: string; into: string }> = [];
    const propose: Array<{ former: string; into: string; formerName: string; intoName: string }> = [];
    for (const e of existing) {
      if (!e.inseeCode || currentCodes.has(e.inseeCode) || e.status === 'merged') continue;
      const into = mergedInto.get(e.inseeCode);
      if (!into) {
        report.vanished.push(`${e.inseeCode} ${e.name} (${e.slug})`);
      } else if (e.status === 'dormant') {
        apply.push({ old: e.inseeCode, into: into.code });
        report.mergesApplied.push(`${e.inseeCode} ${e.name} → ${into.code} ${into.nom}`);
      } else {
        report.mergesProposed.push(`${e.inseeCode} ${e.name} (open, ${e.slug}) → ${into.code} ${into.nom}`);
        propose.push({ former: e.inseeCode, into: into.code, formerName: e.name, intoName: into.nom });
      }
    }
    await run(
      `UPDATE tenants t SET status = 'merged', merged_into = n.id, updated_at = now()
       FROM json_to_recordset($1::json) AS r(old text, "into" text) JOIN tenants n ON n.insee_code = r."into"
       WHERE t.insee_code = r.old AND t.status = 'dormant'`,
      [JSON.stringify(apply)],
    );
    // Kept for the operator (communes:merges); one already decided (applied or dismissed) is not proposed again.
    report.proposalsStored = await execute(
      tx,
      `INSERT INTO commune_merge_proposals (former_code, into_code, former_name, into_name)
       SELECT former, "into", "formerName", "intoName"
       FROM json_to_recordset($1::json) AS r(former text, "into" text, "formerName" text, "intoName" text)
       ON CONFLICT (former_code, into_code) DO NOTHING`,
      [JSON.stringify(propose)],
    );
    if (changes > 0) await execute(tx, `NOTIFY ${TENANTS_CHANGED_CHANNEL}`);
    await qr.commitTransaction();
    return report;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
