import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FederationFile, federationFileSchema, TenantFile, tenantFileSchema } from './tenant-file.schema';

/** A tenant or federation file that cannot be used; the message names the file and the field. */
export class TenantFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    reason: string,
  ) {
    super(`${file}: ${field}: ${reason}`);
  }
}

export interface TenantCatalogue {
  dir: string;
  federations: Array<FederationFile & { file: string }>;
  tenants: Array<TenantFile & { file: string }>;
}

function readYaml<S extends z.ZodTypeAny>(path: string, display: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TenantFileError(display, '(file)', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TenantFileError(display, issue.path.join('.') || '(root)', issue.message);
  }
  return parsed.data as z.infer<S>;
}

/** Reads and validates every file under `dir`, and the references between them. */
export function loadTenantCatalogue(dir: string): TenantCatalogue {
  const display = (p: string) => relative(process.cwd(), p) || p;
  const yamlIn = (d: string) =>
    existsSync(d)
      ? readdirSync(d)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
      : [];

  const federations = yamlIn(join(dir, 'federations')).map((f) => {
    const path = join(dir, 'federations', f);
    return { ...readYaml(path, display(path), federationFileSchema), file: display(path) };
  });
  const tenants = yamlIn(dir).map((f) => {
    const path = join(dir, f);
    return { ...readYaml(path, display(path), tenantFileSchema), file: display(path) };
  });

  const seenDomains = new Map<string, string>();
  for (const fed of federations) {
    if (`${fed.slug}.yaml` !== fed.file.split('/').pop())
      throw new TenantFileError(fed.file, 'slug', `must match the file name (${fed.slug}.yaml)`);
    const dup = firstDuplicate(fed.categories.map((c) => c.slug));
    if (dup) throw new TenantFileError(fed.file, 'categories', `category "${dup}" is listed twice`);
    if (!tenants.some((t) => t.slug === fed.homeTenant && t.federation === fed.slug))
      throw new TenantFileError(fed.file, 'homeTenant', `"${fed.homeTenant}" is not a tenant of this federation`);
  }
  for (const t of tenants) {
    if (`${t.slug}.yaml` !== t.file.split('/').pop())
      throw new TenantFileError(t.file, 'slug', `must match the file name (${t.slug}.yaml)`);
    const fed = federations.find((f) => f.slug === t.federation);
    if (!fed) throw new TenantFileError(t.file, 'federation', `unknown federation "${t.federation}"`);
    t.categories.forEach((c, i) => {
      if (!fed.categories.some((fc) => fc.slug === c))
        throw new TenantFileError(t.file, `categories.${i}`, `"${c}" is not in the catalogue of ${fed.slug}`);
    });
    const dupCat = firstDuplicate(t.categories);
    if (dupCat) throw new TenantFileError(t.file, 'categories', `category "${dupCat}" is listed twice`);
    const dupHood = firstDuplicate(t.neighbourhoods.map((n) => n.slug));
    if (dupHood) throw new TenantFileError(t.file, 'neighbourhoods', `neighbourhood "${dupHood}" is listed twice`);
    t.domains.forEach((d, i) => {
      const owner = seenDomains.get(d);
      if (owner) throw new TenantFileError(t.file, `domains.${i}`, `"${d}" already belongs to ${owner}`);
      seenDomains.set(d, t.slug);
    });
    const dupIdp = firstDuplicate(t.identityProviders.map((p) => p.id));
    if (dupIdp) throw new TenantFileError(t.file, 'identityProviders', `provider "${dupIdp}" is listed twice`);
    t.identityProviders.forEach((p, i) => {
      if (p.staff && 'siretOfCommune' in p.staff.rule && !t.siren)
        throw new TenantFileError(t.file, `identityProviders.${i}.staff.rule`, 'siretOfCommune needs the siren field');
    });
    if (t.theme.logo && !existsSync(join(dir, t.slug, t.theme.logo)))
      throw new TenantFileError(t.file, 'theme.logo', `file ${t.slug}/${t.theme.logo} not found`);
  }
  return { dir, federations, tenants };
}

function firstDuplicate(values: string[]): string | undefined {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) return v;
    seen.add(v);
  }
  return undefined;
}
