import { Injectable } from '@nestjs/common';
import { rows, Tx } from '../../libs/db';
import { LatLng, pointSql } from '../../libs/geo';
import type { Principal, Role } from '../../libs/tenancy';

export type TokenPurpose = 'verify' | 'reset' | 'invite';
export type NotifyMode = 'immediate' | 'daily' | 'off';

export interface AccountRow {
  id: string;
  email: string | null;
  emailVerifiedAt: Date | null;
  passwordHash: string | null;
  displayName: string;
  roles: Role[];
  location: LatLng | null;
  notifyMode: NotifyMode;
  notifyRadiusM: number;
  notifyCategoryIds: string[];
  termsAcceptedAt: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
  bannedAt: Date | null;
  /** Registered by the town hall: no e-mail, no password, acted for by staff. */
  relayed: boolean;
}

const ACCOUNT_COLUMNS = `id, email, email_verified_at AS "emailVerifiedAt", password_hash AS "passwordHash",
  display_name AS "displayName", roles,
  CASE WHEN location IS NULL THEN NULL ELSE json_build_object('lat', ST_Y(location::geometry), 'lng', ST_X(location::geometry)) END AS location,
  notify_mode AS "notifyMode", notify_radius_m AS "notifyRadiusM", notify_category_ids AS "notifyCategoryIds",
  terms_accepted_at AS "termsAcceptedAt", last_login_at AS "lastLoginAt", created_at AS "createdAt", deleted_at AS "deletedAt",
  banned_at AS "bannedAt", relayed`;

/** Accounts, sessions and tokens of one tenant: every method takes the tenant id and the caller's transaction. */
@Injectable()
export class AccountsRepository {
  /** Inserts, or returns undefined when the address is already registered on this tenant. */
  async insert(tx: Tx, tenantId: string, a: { email: string; passwordHash: string | null; displayName: string; roles: Role[]; termsAccepted: boolean }): Promise<string | undefined> {
    const rows = await tx.query(
      `INSERT INTO accounts (tenant_id, email, password_hash, display_name, roles, terms_accepted_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)
       ON CONFLICT (tenant_id, email) WHERE email IS NOT NULL DO NOTHING RETURNING id`,
      [tenantId, a.email, a.passwordHash, a.displayName, a.roles, a.termsAccepted],
    );
    return rows[0]?.id;
  }

  async findByEmail(tx: Tx, tenantId: string, email: string): Promise<AccountRow | undefined> {
    const rows = await tx.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE tenant_id = $1 AND email = $2 AND deleted_at IS NULL`, [tenantId, email]);
    return rows[0];
  }

  async findById(tx: Tx, tenantId: string, id: string): Promise<AccountRow | undefined> {
    const rows = await tx.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [tenantId, id]);
    return rows[0];
  }

  async update(
    tx: Tx,
    tenantId: string,
    id: string,
    changes: Partial<{ displayName: string; passwordHash: string; location: LatLng | null; notifyMode: NotifyMode; notifyRadiusM: number; notifyCategoryIds: string[]; verified: true; addRole: Role; loggedIn: true }>,
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [tenantId, id];
    const param = (v: unknown) => `$${params.push(v)}`;
    if (changes.displayName !== undefined) sets.push(`display_name = ${param(changes.displayName)}`);
    if (changes.passwordHash !== undefined) sets.push(`password_hash = ${param(changes.passwordHash)}`);
    if (changes.location === null) sets.push('location = NULL');
    else if (changes.location) sets.push(`location = ${pointSql(param(changes.location.lng), param(changes.location.lat))}`);
    if (changes.notifyMode !== undefined) sets.push(`notify_mode = ${param(changes.notifyMode)}`);
    if (changes.notifyRadiusM !== undefined) sets.push(`notify_radius_m = ${param(changes.notifyRadiusM)}`);
    if (changes.notifyCategoryIds !== undefined) sets.push(`notify_category_ids = ${param(changes.notifyCategoryIds)}::uuid[]`);
    if (changes.verified) sets.push('email_verified_at = coalesce(email_verified_at, now())');
    if (changes.addRole) sets.push(`roles = CASE WHEN ${param(changes.addRole)} = ANY(roles) THEN roles ELSE roles || $${params.length}::text END`);
    if (changes.loggedIn) sets.push('last_login_at = now()');
    if (!sets.length) return;
    await tx.query(`UPDATE accounts SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, params);
  }

  /** Personal data erased in place: the row stays (listings keep an author) but holds nothing personal. */
  async erase(tx: Tx, tenantId: string, id: string): Promise<void> {
    await tx.query(
      `UPDATE accounts SET email = NULL, email_verified_at = NULL, password_hash = NULL, display_name = 'Compte supprimé',
         location = NULL, notify_mode = 'off', notify_category_ids = '{}', last_login_at = NULL, deleted_at = now(), updated_at = now()
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    await tx.query('DELETE FROM sessions WHERE tenant_id = $1 AND account_id = $2', [tenantId, id]);
    await tx.query('DELETE FROM account_tokens WHERE tenant_id = $1 AND account_id = $2', [tenantId, id]);
  }

  async insertToken(tx: Tx, tenantId: string, accountId: string, purpose: TokenPurpose, hash: Buffer, ttlSec: number, data: object = {}): Promise<void> {
    await tx.query(
      `INSERT INTO account_tokens (tenant_id, account_id, purpose, token_hash, expires_at, data)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6)`,
      [tenantId, accountId, purpose, hash, ttlSec, JSON.stringify(data)],
    );
  }

  /** Uses a token once: the row is marked used in the same statement that reads it. */
  async consumeToken(tx: Tx, tenantId: string, purpose: TokenPurpose, hash: Buffer): Promise<{ accountId: string; data: Record<string, unknown> } | undefined> {
    const used = await rows<{ accountId: string; data: Record<string, unknown> }>(
      tx,
      `UPDATE account_tokens SET used_at = now()
       WHERE tenant_id = $1 AND purpose = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > now()
       RETURNING account_id AS "accountId", data`,
      [tenantId, purpose, hash],
    );
    return used[0];
  }

  async insertSession(tx: Tx, tenantId: string, accountId: string, hash: Buffer, ttlSec: number, userAgent: string): Promise<string> {
    const rows = await tx.query(
      `INSERT INTO sessions (tenant_id, account_id, token_hash, expires_at, user_agent)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5) RETURNING id`,
      [tenantId, accountId, hash, ttlSec, userAgent.slice(0, 200)],
    );
    return rows[0].id;
  }

  /** The live session for a cookie on this tenant (sessions_tenant_id_token_hash_key), touched at most hourly. */
  async findSession(tx: Tx, tenantId: string, hash: Buffer): Promise<Principal | undefined> {
    const rows = await tx.query(
      `WITH s AS (
         SELECT s.id, s.account_id, a.roles, s.last_seen_at FROM sessions s
         JOIN accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
         WHERE s.tenant_id = $1 AND s.token_hash = $2 AND s.expires_at > now() AND a.deleted_at IS NULL AND a.banned_at IS NULL
       ), touched AS (
         UPDATE sessions SET last_seen_at = now() FROM s
         WHERE sessions.tenant_id = $1 AND sessions.id = s.id AND s.last_seen_at < now() - interval '1 hour'
       )
       SELECT id AS "sessionId", account_id AS "accountId", roles FROM s`,
      [tenantId, hash],
    );
    return rows[0];
  }

  async deleteSession(tx: Tx, tenantId: string, sessionId: string): Promise<void> {
    await tx.query('DELETE FROM sessions WHERE tenant_id = $1 AND id = $2', [tenantId, sessionId]);
  }

  async deleteSessions(tx: Tx, tenantId: string, accountId: string): Promise<void> {
    await tx.query('DELETE FROM sessions WHERE tenant_id = $1 AND account_id = $2', [tenantId, accountId]);
  }

  /** Everything stored about the account's own sessions and tokens, for the RGPD export. */
  async exportSessionsAndTokens(tx: Tx, tenantId: string, accountId: string) {
    const sessions = await tx.query(
      `SELECT created_at AS "createdAt", last_seen_at AS "lastSeenAt", expires_at AS "expiresAt", user_agent AS "userAgent"
       FROM sessions WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at`,
      [tenantId, accountId],
    );
    const tokens = await tx.query(
      `SELECT purpose, created_at AS "createdAt", expires_at AS "expiresAt", used_at AS "usedAt"
       FROM account_tokens WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at`,
      [tenantId, accountId],
    );
    return { sessions, tokens };
  }

  async countResidents(tx: Tx, tenantId: string): Promise<number> {
    const r = await tx.query(`SELECT count(*)::int AS n FROM accounts WHERE tenant_id = $1 AND deleted_at IS NULL AND email_verified_at IS NOT NULL`, [tenantId]);
    return r[0].n;
  }

  /** The tenant's moderators and administrators (and invitations not yet accepted). */
  staff(tx: Tx, tenantId: string): Promise<Array<{ displayName: string; email: string; roles: Role[]; pending: boolean }>> {
    return tx.query(
      `SELECT a.display_name AS "displayName", a.email, a.roles, false AS pending FROM accounts a
       WHERE a.tenant_id = $1 AND a.deleted_at IS NULL AND a.roles && ARRAY['moderator', 'admin', 'federation_admin']::text[]
       UNION ALL
       SELECT a.display_name, a.email, ARRAY[t.data->>'role']::text[], true FROM account_tokens t JOIN accounts a ON a.tenant_id = t.tenant_id AND a.id = t.account_id
       WHERE t.tenant_id = $1 AND t.purpose = 'invite' AND t.used_at IS NULL AND t.expires_at > now()
       ORDER BY 1, 2`,
      [tenantId],
    );
  }

  /** Whether every id is a category the tenant shows (enabled, not archived). */
  async categoriesEnabled(tx: Tx, tenantId: string, ids: string[]): Promise<boolean> {
    if (!ids.length) return true;
    const rows = await tx.query(
      `SELECT count(*)::int AS n FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id
       WHERE tc.tenant_id = $1 AND tc.enabled AND c.archived_at IS NULL AND tc.category_id = ANY($2::uuid[])`,
      [tenantId, ids],
    );
    return rows[0].n === new Set(ids).size;
  }
}
