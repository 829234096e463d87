import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import { execute, firstRow, rows, TenantTx } from '@libs/db';
import { LatLng, pointSql } from '@libs/geo';
import type { Principal } from '@libs/tenancy';
import type { Role } from './roles';
import { AccountToken } from './entities/account-token.entity';
import { Account } from './entities/account.entity';
import { Session } from './entities/session.entity';

export type TokenPurpose = 'verify' | 'reset' | 'invite';
export type NotifyMode = 'immediate' | 'daily' | 'off';
export type NotifyKind = 'offer' | 'request';

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
  /** The kinds of listing the alert is for: offers, requests or both. */
  notifyKinds: NotifyKind[];
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
  CASE WHEN location IS NULL THEN NULL ELSE json_build_object('lat', ST_Y(location::geometry), 'lng',
    ST_X(location::geometry)) END AS location,
  notify_mode AS "notifyMode", notify_radius_m AS "notifyRadiusM", notify_category_ids AS "notifyCategoryIds",
  notify_kinds AS "notifyKinds",
  terms_accepted_at AS "termsAcceptedAt", last_login_at AS "lastLoginAt", created_at AS "createdAt", deleted_at AS
    "deletedAt",
  banned_at AS "bannedAt", relayed`;

/** Columns of the RGPD export of a session and of a token. */
export interface SessionExport {
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string;
}
export interface TokenExport {
  purpose: TokenPurpose;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface StaffMember {
  displayName: string;
  email: string;
  roles: Role[];
  pending: boolean;
}

/** Accounts, sessions and tokens of one tenant: every method works in the caller's transaction, on its tenant. */
@Injectable()
export class AccountsRepository {
  /** Inserts, or returns undefined when the address is already registered on this tenant. */
  async insert(
    tx: TenantTx,
    a: { email: string; passwordHash: string | null; displayName: string; roles: Role[]; termsAccepted: boolean },
  ): Promise<string | undefined> {
    const row = await firstRow<{ id: string }>(
      tx,
      `INSERT INTO accounts (tenant_id, email, password_hash, display_name, roles, terms_accepted_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)
       ON CONFLICT (tenant_id, email) WHERE email IS NOT NULL DO NOTHING RETURNING id`,
      [tx.tenantId, a.email, a.passwordHash, a.displayName, a.roles, a.termsAccepted],
    );
    return row?.id;
  }

  findByEmail(tx: TenantTx, email: string): Promise<AccountRow | undefined> {
    return firstRow<AccountRow>(
      tx,
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE tenant_id = $1 AND email = $2 AND deleted_at IS NULL`,
      [tx.tenantId, email],
    );
  }

  findById(tx: TenantTx, id: string): Promise<AccountRow | undefined> {
    return firstRow<AccountRow>(
      tx,
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [tx.tenantId, id],
    );
  }

  async update(
    tx: TenantTx,
    id: string,
    changes: Partial<{
      displayName: string;
      passwordHash: string;
      location: LatLng | null;
      notifyMode: NotifyMode;
      notifyRadiusM: number;
      notifyCategoryIds: string[];
      notifyKinds: NotifyKind[];
      verified: true;
      addRole: Role;
      loggedIn: true;
    }>,
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [tx.tenantId, id];
    const param = (v: unknown) => `$${params.push(v)}`;
    if (changes.displayName !== undefined) sets.push(`display_name = ${param(changes.displayName)}`);
    if (changes.passwordHash !== undefined) sets.push(`password_hash = ${param(changes.passwordHash)}`);
    if (changes.location === null) sets.push('location = NULL');
    else if (changes.location)
      sets.push(`location = ${pointSql(param(changes.location.lng), param(changes.location.lat))}`);
    if (changes.notifyMode !== undefined) sets.push(`notify_mode = ${param(changes.notifyMode)}`);
    if (changes.notifyRadiusM !== undefined) sets.push(`notify_radius_m = ${param(changes.notifyRadiusM)}`);
    if (changes.notifyCategoryIds !== undefined)
      sets.push(`notify_category_ids = ${param(changes.notifyCategoryIds)}::uuid[]`);
    if (changes.notifyKinds !== undefined) sets.push(`notify_kinds = ${param(changes.notifyKinds)}::text[]`);
    if (changes.verified) sets.push('email_verified_at = coalesce(email_verified_at, now())');
    if (changes.addRole)
      sets.push(
        `roles = CASE WHEN ${param(changes.addRole)} = ANY(roles) THEN roles ELSE roles || $${params.length}::text END`,
      );
    if (changes.loggedIn) sets.push('last_login_at = now()');
    if (!sets.length) return;
    await execute(
      tx,
      `UPDATE accounts SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      params,
    );
  }

  /** Personal data erased in place: the row stays (listings keep an author) but holds nothing personal. */
  async erase(tx: TenantTx, id: string): Promise<void> {
    await execute(
      tx,
      `UPDATE accounts SET email = NULL, email_verified_at = NULL, password_hash = NULL, display_name =
        'Compte supprimé',
         location = NULL, notify_mode = 'off', notify_category_ids = '{}', last_login_at = NULL, deleted_at = now(),
           updated_at = now()
       WHERE tenant_id = $1 AND id = $2`,
      [tx.tenantId, id],
    );
    await tx.delete(Session, { tenantId: tx.tenantId, accountId: id });
    await tx.delete(AccountToken, { tenantId: tx.tenantId, accountId: id });
  }

  async insertToken(
    tx: TenantTx,
    accountId: string,
    purpose: TokenPurpose,
    hash: Buffer,
    ttlSec: number,
    data: object = {},
  ): Promise<void> {
    await execute(
      tx,
      `INSERT INTO account_tokens (tenant_id, account_id, purpose, token_hash, expires_at, data)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6)`,
      [tx.tenantId, accountId, purpose, hash, ttlSec, JSON.stringify(data)],
    );
  }

  /** Uses a token once: the row is marked used in the same statement that reads it. */
  async consumeToken(
    tx: TenantTx,
    purpose: TokenPurpose,
    hash: Buffer,
  ): Promise<{ accountId: string; data: Record<string, unknown> } | undefined> {
    const used = await rows<{ accountId: string; data: Record<string, unknown> }>(
      tx,
      `UPDATE account_tokens SET used_at = now()
       WHERE tenant_id = $1 AND purpose = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > now()
       RETURNING account_id AS "accountId", data`,
      [tx.tenantId, purpose, hash],
    );
    return used[0];
  }

  async insertSession(
    tx: TenantTx,
    accountId: string,
    hash: Buffer,
    ttlSec: number,
    userAgent: string,
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      `INSERT INTO sessions (tenant_id, account_id, token_hash, expires_at, user_agent)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5) RETURNING id`,
      [tx.tenantId, accountId, hash, ttlSec, userAgent.slice(0, 200)],
    );
    return row.id;
  }

  /** The live session for a cookie on this tenant (sessions_tenant_id_token_hash_key), touched at most hourly. */
  findSession(tx: TenantTx, hash: Buffer): Promise<Principal | undefined> {
    return firstRow<Principal>(
      tx,
      `WITH s AS (
         SELECT s.id, s.account_id, a.roles, s.last_seen_at FROM sessions s
         JOIN accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
         WHERE s.tenant_id = $1 AND s.token_hash = $2 AND s.expires_at > now() AND a.deleted_at IS NULL AND
           a.banned_at IS NULL
       ), touched AS (
         UPDATE sessions SET last_seen_at = now() FROM s
         WHERE sessions.tenant_id = $1 AND sessions.id = s.id AND s.last_seen_at < now() - interval '1 hour'
       )
       SELECT id AS "sessionId", account_id AS "accountId", roles FROM s`,
      [tx.tenantId, hash],
    );
  }

  async deleteSession(tx: TenantTx, sessionId: string): Promise<void> {
    await tx.delete(Session, { tenantId: tx.tenantId, id: sessionId });
  }

  async deleteSessions(tx: TenantTx, accountId: string): Promise<void> {
    await tx.delete(Session, { tenantId: tx.tenantId, accountId });
  }

  /** Everything stored about the account's own sessions and tokens, for the RGPD export. */
  async exportSessionsAndTokens(
    tx: TenantTx,
    accountId: string,
  ): Promise<{ sessions: SessionExport[]; tokens: TokenExport[] }> {
    const where = { tenantId: tx.tenantId, accountId };
    const sessions = await tx.find(Session, { where, order: { createdAt: 'ASC' } });
    const tokens = await tx.find(AccountToken, { where, order: { createdAt: 'ASC' } });
    return {
      sessions: sessions.map(({ createdAt, lastSeenAt, expiresAt, userAgent }) => ({
        createdAt,
        lastSeenAt,
        expiresAt,
        userAgent,
      })),
      tokens: tokens.map(({ purpose, createdAt, expiresAt, usedAt }) => ({ purpose, createdAt, expiresAt, usedAt })),
    };
  }

  countResidents(tx: TenantTx): Promise<number> {
    return tx.countBy(Account, { tenantId: tx.tenantId, deletedAt: IsNull(), emailVerifiedAt: Not(IsNull()) });
  }

  /** The tenant's moderators and administrators (and invitations not yet accepted). */
  staff(tx: TenantTx): Promise<StaffMember[]> {
    return rows<StaffMember>(
      tx,
      `SELECT a.display_name AS "displayName", a.email, a.roles, false AS pending FROM accounts a
       WHERE a.tenant_id = $1 AND a.deleted_at IS NULL AND a.roles && ARRAY['moderator', 'admin',
         'federation_admin']::text[]
       UNION ALL
       SELECT a.display_name, a.email, ARRAY[t.data->>'role']::text[], true FROM account_tokens t JOIN accounts a ON
         a.tenant_id = t.tenant_id AND a.id = t.account_id
       WHERE t.tenant_id = $1 AND t.purpose = 'invite' AND t.used_at IS NULL AND t.expires_at > now()
       ORDER BY 1, 2`,
      [tx.tenantId],
    );
  }

  /** Whether every id is a category the tenant shows (enabled, not archived). */
  async categoriesEnabled(tx: TenantTx, ids: string[]): Promise<boolean> {
    if (!ids.length) return true;
    const [row] = await rows<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id
       WHERE tc.tenant_id = $1 AND tc.enabled AND c.archived_at IS NULL AND tc.category_id = ANY($2::uuid[])`,
      [tx.tenantId, ids],
    );
    return row.n === new Set(ids).size;
  }
}
