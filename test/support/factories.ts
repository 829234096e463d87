import { randomUUID } from 'node:crypto';
import { hashPassword } from '@src/accounts/passwords';
import { newToken } from '@src/accounts/tokens';
import type { TenantId } from '@libs/tenancy';
import type { TestDatabase } from './test-db';
import type { TestApp } from './test-app';

export const FACTORY_PASSWORD = 'un voisin bien verifie';
let passwordHash: Promise<string> | undefined;
let seq = 0;

export interface ResidentFixture {
  id: string;
  email: string;
  displayName: string;
  session: string;
  tenantId: TenantId;
}

/** A verified resident with an open session, written straight to the database (scrypt runs once per file). */
export async function createResident(
  db: TestDatabase,
  tenantSlug: string,
  opts: {
    email?: string;
    displayName?: string;
    verified?: boolean;
    roles?: string[];
    location?: { lat: number; lng: number };
    notify?: { mode: 'immediate' | 'daily' | 'off'; radiusM: number; categoryIds: string[] };
  } = {},
): Promise<ResidentFixture> {
  passwordHash ??= hashPassword(FACTORY_PASSWORD);
  const tenantId = await db.tenantId(tenantSlug);
  const email = opts.email ?? `voisin.${++seq}.${randomUUID().slice(0, 8)}@exemple.fr`;
  const displayName = opts.displayName ?? `Voisin${seq} T.`;
  const { rows } = await db.admin.query(
    `INSERT INTO accounts (tenant_id, email, email_verified_at, password_hash, display_name, roles, location,
      terms_accepted_at,
                           notify_mode, notify_radius_m, notify_category_ids)
     VALUES ($1, $2, CASE WHEN $3 THEN now() END, $4, $5, $6,
             CASE WHEN $7::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($8, $7), 4326)::geography END, now(),
               $9, $10, $11)
     RETURNING id`,
    [
      tenantId,
      email,
      opts.verified ?? true,
      await passwordHash,
      displayName,
      opts.roles ?? ['resident'],
      opts.location?.lat ?? null,
      opts.location?.lng ?? null,
      opts.notify?.mode ?? 'off',
      opts.notify?.radiusM ?? 1000,
      opts.notify?.categoryIds ?? [],
    ],
  );
  const { token, hash } = newToken();
  await db.admin.query(
    `INSERT INTO sessions (tenant_id, account_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + interval '1 ` +
      `day')`,
    [tenantId, rows[0].id, hash],
  );
  return { id: rows[0].id, email, displayName, session: token, tenantId };
}

/** A category the tenant shows, by slug. */
export async function categoryId(db: TestDatabase, tenantSlug: string, slug: string): Promise<string> {
  const { rows } = await db.admin.query(
    `SELECT c.id FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id JOIN tenants t ON t.id = ` +
      `tc.tenant_id WHERE t.slug = $1 AND c.slug = $2`,
    [tenantSlug, slug],
  );
  if (!rows[0]) throw new Error(`no category ${slug} on ${tenantSlug}`);
  return rows[0].id;
}

/**
 * Publishes a listing through the API as `author` (in person unless the payload says
 * otherwise); throws unless it is accepted (201). Its JSON (id, status, hold reasons…).
 */
export async function publishListing(
  t: Pick<TestApp, 'request'>,
  author: ResidentFixture,
  payload: Record<string, unknown>,
  host = 'meylan.localhost',
): Promise<{ id: string; status: string; [k: string]: unknown }> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/listings',
    host,
    session: author.session,
    payload: { mode: 'in_person', ...payload },
  });
  if (res.status !== 201) throw new Error(`publication refused: ${res.status} ${res.body.slice(0, 500)}`);
  return res.json();
}
