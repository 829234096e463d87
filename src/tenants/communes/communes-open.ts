import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { execute, firstRow, rows } from '@libs/db';
import { TENANTS_CHANGED_CHANNEL } from '../tenants-sync';
import { tenantFileSchema, TenantSettings } from '../tenant-file.schema';
import { slugOf } from './commune-data';

/** Why a commune cannot be opened, in words for the operator. */
export class CommuneOpenError extends Error {}

export interface OpenRequest {
  insee: string;
  /** The first administrator; with `requestId`, the agent who asked (their ProConnect address) when not given. */
  adminEmail?: string;
  /** A town-hall agent's pending request (communes:requests) this opening confirms. */
  requestId?: string;
  baseDomain: string;
  /** For a commune without an outline: a circle the operator confirms. */
  centre?: { lat: number; lng: number; radiusM: number };
}

export interface OpenedCommune {
  id: string;
  slug: string;
  name: string;
  host: string;
  categories: number;
  neighbourhoods: number;
  /** Who is invited as first administrator. */
  adminEmail: string;
}

/** A federation without a catalogue (an EPCI just imported) starts with these; its administrators edit them. */
export const DEFAULT_CATEGORIES = [
  ['courses', 'Courses', 'Faire les courses pour un voisin qui ne peut pas se déplacer.', 'panier', false],
  ['aide-aux-devoirs', 'Aide aux devoirs', 'Accompagner un enfant dans ses devoirs et ses révisions.', 'livre', false],
  [
    'conversations-a-distance',
    'Conversations à distance',
    'Appeler régulièrement une personne isolée pour discuter.',
    'telephone',
    true,
  ],
  ['accompagnement', 'Accompagnement', 'Accompagner un voisin à un rendez-vous ou pour une démarche.', 'pieton', false],
  ['bricolage', 'Bricolage', 'Donner un coup de main pour une petite réparation.', 'marteau', false],
  ['divers', 'Divers', 'Toute autre aide ponctuelle : imprimer une attestation, aide informatique…', 'plus', false],
] as const;

/** Dark enough for white text (contrast ≥ 4.5:1): a federation's communes share one, picked from its slug. */
const PALETTE = ['#1f5d8c', '#2e6b30', '#8c2f39', '#5b3f8c', '#7a4a00', '#005f73'];

const MULTI = (sql: string) => `ST_Multi(${sql})::geography`;

/**
 * Opens a dormant commune in one transaction (owner connection): its settings (theme derived from its federation,
 * French defaults for the rest), its host `<slug>.<BASE_DOMAIN>`, its outline (communes:outlines, or the operator's
 * circle), neighbourhoods from its arrondissements or delegated communes that have an outline (else the whole
 * commune), the federation's categories, and an audit entry. The first administrator is invited by the caller.
 */
export async function openCommune(ds: DataSource, req: OpenRequest): Promise<OpenedCommune> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const opened = await open(qr.manager, req);
    await execute(qr.manager, `NOTIFY ${TENANTS_CHANGED_CHANNEL}`);
    await qr.commitTransaction();
    return opened;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

async function open(tx: EntityManager, req: OpenRequest): Promise<OpenedCommune> {
  const t = await firstRow<{
    id: string;
    slug: string;
    name: string;
    status: string;
    siren: string | null;
    postalCodes: string[];
    divisions: Array<{ code: string; name: string }>;
    federationId: string;
    federationSlug: string;
    mergedInto: string | null;
  }>(
    tx,
    `SELECT t.id, t.slug, t.name, t.status, t.siren, t.postal_codes AS "postalCodes", t.divisions,
            t.federation_id AS "federationId", f.slug AS "federationSlug", m.insee_code AS "mergedInto"
     FROM tenants t JOIN federations f ON f.id = t.federation_id LEFT JOIN tenants m ON m.id = t.merged_into
     WHERE t.insee_code = $1 FOR UPDATE OF t`,
    [req.insee],
  );
  if (!t) throw new CommuneOpenError(`no commune with INSEE code ${req.insee} (run communes:import first)`);
  if (t.status === 'open') throw new CommuneOpenError(`${req.insee} ${t.name} is already open (${t.slug})`);
  if (t.status === 'merged')
    throw new CommuneOpenError(`${req.insee} ${t.name} was merged into ${t.mergedInto ?? 'another commune'}`);
  // An agent's request, confirmed by this opening: accepted in the same transaction, the agent invited.
  let request: { id: string; email: string; siret: string } | undefined;
  if (req.requestId) {
    request = /^[0-9a-f-]{36}$/i.test(req.requestId)
      ? await firstRow<{ id: string; email: string; siret: string }>(
          tx,
          `UPDATE commune_opening_requests SET status = 'accepted', decided_at = now()
           WHERE tenant_id = $1 AND id = $2 AND status = 'pending' RETURNING id, email, siret`,
          [t.id, req.requestId],
        )
      : undefined;
    if (!request)
      throw new CommuneOpenError(
        `no pending opening request ${req.requestId} for ${req.insee} ${t.name} (see communes:requests)`,
      );
  }
  const adminEmail = req.adminEmail ?? request?.email;
  if (!adminEmail) throw new CommuneOpenError('an administrator is needed: --admin EMAIL or --request ID');

  const outline = req.centre
    ? {
        sql: MULTI(`ST_Buffer(ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, $4)::geometry`),
        params: [req.centre.lng, req.centre.lat, req.centre.radiusM],
      }
    : { sql: `(SELECT outline FROM commune_outlines WHERE insee_code = $2)`, params: [req.insee] };
  if (
    !req.centre &&
    !(await firstRow<{ ok: number }>(tx, 'SELECT 1 AS ok FROM commune_outlines WHERE insee_code = $1', [req.insee]))
  )
    throw new CommuneOpenError(
      `no outline for ${req.insee} ${t.name}: load one (communes:outlines FILE.geojson) ` +
        'or confirm a circle with --center LAT,LNG --radius METRES',
    );
  await execute(
    tx,
    `INSERT INTO tenant_areas (tenant_id, outline, note) VALUES ($1, ${outline.sql}, $${outline.params.length + 2})
     ON CONFLICT (tenant_id) DO UPDATE SET outline = EXCLUDED.outline, note = EXCLUDED.note, updated_at = now()`,
    [t.id, ...outline.params, req.centre ? `circle of ${req.centre.radiusM} m confirmed by the operator` : 'official'],
  );
  const [centre] = await rows<{ lat: number; lng: number }>(
    tx,
    `SELECT round(ST_Y(p)::numeric, 6)::float AS lat, round(ST_X(p)::numeric, 6)::float AS lng
     FROM tenant_areas, ST_PointOnSurface(outline::geometry) AS p WHERE tenant_id = $1`,
    [t.id],
  );

  // Neighbourhoods: arrondissements or delegated communes with an outline, clipped to the commune; else one.
  let neighbourhoods = 0;
  for (const [i, d] of t.divisions.entries()) {
    neighbourhoods += await execute(
      tx,
      `INSERT INTO neighbourhoods (tenant_id, slug, name, outline, position)
       SELECT $1, $2, $3, o.outline, $5 FROM commune_outlines o WHERE o.insee_code = $4
       ON CONFLICT (tenant_id, slug) DO NOTHING`,
      [t.id, slugOf(d.name) || d.code, d.name, d.code, i],
    );
  }
  if (!neighbourhoods)
    neighbourhoods = await execute(
      tx,
      `INSERT INTO neighbourhoods (tenant_id, slug, name, outline, position)
       SELECT tenant_id, $2, $3, outline, 0 FROM tenant_areas WHERE tenant_id = $1
       ON CONFLICT (tenant_id, slug) DO NOTHING`,
      [t.id, slugOf(t.name) || 'commune', t.name],
    );

  // The federation's catalogue (seeded when it has none), every entry enabled in its order.
  if (
    !(await firstRow<{ ok: number }>(tx, 'SELECT 1 AS ok FROM categories WHERE federation_id = $1 LIMIT 1', [
      t.federationId,
    ]))
  )
    for (const [i, [slug, name, description, icon, remote]] of DEFAULT_CATEGORIES.entries())
      await execute(
        tx,
        `INSERT INTO categories (federation_id, slug, name, description, icon, remote, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (federation_id, slug) DO NOTHING`,
        [t.federationId, slug, name, description, icon, remote, i],
      );
  const categories = await execute(
    tx,
    `INSERT INTO tenant_categories (tenant_id, category_id, enabled, position)
     SELECT $1, id, true, row_number() OVER (ORDER BY position, created_at, slug) FROM categories
     WHERE federation_id = $2 AND archived_at IS NULL
     ON CONFLICT (tenant_id, category_id) DO NOTHING`,
    [t.id, t.federationId],
  );

  const settings: TenantSettings = defaultSettings(
    t,
    await federationTheme(tx, t.federationId, t.federationSlug),
    adminEmail,
    centre,
  );
  const host = `${t.slug}.${req.baseDomain}`;
  await execute(
    tx,
    `UPDATE tenants SET status = 'open', site_name = $2, settings = $3::jsonb, opened_at = now(), updated_at = now()
     WHERE id = $1`,
    [t.id, `Entraide à ${t.name}`, JSON.stringify(settings)],
  );
  await execute(
    tx,
    `INSERT INTO tenant_domains (tenant_id, domain, is_primary) VALUES ($1, $2, true) ON CONFLICT DO NOTHING`,
    [t.id, host],
  );
  await execute(
    tx,
    `INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, target_type, target_id, reason, data)
     VALUES ($1, NULL, 'operator', 'tenant.opened', 'tenant', $1, 'communes:open', $2::jsonb)`,
    [
      t.id,
      JSON.stringify({
        insee: req.insee,
        admin: adminEmail,
        outline: req.centre ? 'circle' : 'official',
        ...(request ? { request: request.id, siret: request.siret } : {}),
      }),
    ],
  );
  return { id: t.id, slug: t.slug, name: t.name, host, categories, neighbourhoods, adminEmail };
}

/** The federation's home site's colours when it has a site, else a colour of the palette picked from its slug. */
async function federationTheme(tx: EntityManager, federationId: string, federationSlug: string) {
  const home = await firstRow<{ theme: TenantSettings['theme'] | null }>(
    tx,
    `SELECT t.settings -> 'theme' AS theme FROM federations f JOIN tenants t ON t.slug = f.home_tenant_slug
     WHERE f.id = $1 AND t.status = 'open'`,
    [federationId],
  );
  if (home?.theme?.primary)
    return { primary: home.theme.primary, primaryContrast: home.theme.primaryContrast, accent: home.theme.accent };
  const n = createHash('sha256').update(federationSlug).digest().readUInt32BE(0);
  return {
    primary: PALETTE[n % PALETTE.length],
    primaryContrast: '#ffffff',
    accent: PALETTE[(n + 3) % PALETTE.length],
  };
}

function defaultSettings(
  t: { name: string; siren: string | null; postalCodes: string[] },
  theme: TenantSettings['theme'],
  adminEmail: string,
  centre: { lat: number; lng: number },
): TenantSettings {
  const s = tenantFileSchema.shape;
  return {
    theme,
    // Pre-moderation until the town hall has staff to choose otherwise.
    moderation: s.moderation.parse({ mode: 'pre' }),
    contact: {
      publisher: `Mairie de ${t.name}`,
      address: `Mairie, ${t.postalCodes[0] ?? ''} ${t.name}`.replace(/\s+/g, ' '),
      email: adminEmail,
      dpo: adminEmail,
    },
    organisations: s.organisations.parse(undefined),
    matching: s.matching.parse(undefined),
    outcomes: s.outcomes.parse(undefined),
    map: { center: centre, zoom: 13 },
    accessibility: s.accessibility.parse(undefined),
    ...(t.siren ? { siren: t.siren } : {}),
    identityProviders: [],
  };
}
