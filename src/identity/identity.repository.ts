import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, TenantTx } from '@libs/db';

export interface IdentityLink {
  accountId: string;
  provider: string;
}

export interface LinkedIdentity {
  provider: string;
  issuer: string;
  createdAt: Date;
  lastUsedAt: Date;
}

export interface StaffRequestRow {
  id: string;
  accountId: string;
  displayName: string;
  email: string | null;
  provider: string;
  role: 'moderator' | 'admin';
  evidence: Record<string, string>;
  createdAt: Date;
}

/** Accounts' identities at OpenID providers, and staff requests: every method in the caller's tenant transaction. */
@Injectable()
export class IdentityRepository {
  /** The account linked to (issuer, sub) on this tenant, touching its last use. */
  findLink(tx: TenantTx, issuer: string, subject: string): Promise<IdentityLink | undefined> {
    return firstRow<IdentityLink>(
      tx,
      `UPDATE external_identities SET last_used_at = now() WHERE tenant_id = $1 AND issuer = $2 AND subject = $3
       RETURNING account_id AS "accountId", provider`,
      [tx.tenantId, issuer, subject],
    );
  }

  async link(tx: TenantTx, issuer: string, subject: string, accountId: string, provider: string): Promise<void> {
    await execute(
      tx,
      `INSERT INTO external_identities (tenant_id, issuer, subject, account_id, provider) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, issuer, subject) DO NOTHING`,
      [tx.tenantId, issuer, subject, accountId, provider],
    );
  }

  identitiesOf(tx: TenantTx, accountId: string): Promise<LinkedIdentity[]> {
    return rows<LinkedIdentity>(
      tx,
      `SELECT provider, issuer, created_at AS "createdAt", last_used_at AS "lastUsedAt" FROM external_identities
       WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at`,
      [tx.tenantId, accountId],
    );
  }

  async forget(tx: TenantTx, accountId: string): Promise<void> {
    await execute(tx, 'DELETE FROM external_identities WHERE tenant_id = $1 AND account_id = $2', [
      tx.tenantId,
      accountId,
    ]);
    await execute(tx, 'DELETE FROM staff_requests WHERE tenant_id = $1 AND account_id = $2', [tx.tenantId, accountId]);
  }

  /** Opens a request, or returns undefined when one is already pending for the account. */
  async openStaffRequest(
    tx: TenantTx,
    r: { accountId: string; provider: string; role: 'moderator' | 'admin'; evidence: Record<string, string> },
  ): Promise<string | undefined> {
    const row = await firstRow<{ id: string }>(
      tx,
      `INSERT INTO staff_requests (tenant_id, account_id, provider, role, evidence) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (tenant_id, account_id) WHERE status = 'pending' DO NOTHING RETURNING id`,
      [tx.tenantId, r.accountId, r.provider, r.role, JSON.stringify(r.evidence)],
    );
    return row?.id;
  }

  pendingStaffRequests(tx: TenantTx): Promise<StaffRequestRow[]> {
    return rows<StaffRequestRow>(
      tx,
      `SELECT r.id, r.account_id AS "accountId", a.display_name AS "displayName", a.email, r.provider, r.role,
         r.evidence, r.created_at AS "createdAt"
       FROM staff_requests r JOIN accounts a ON a.tenant_id = r.tenant_id AND a.id = r.account_id
       WHERE r.tenant_id = $1 AND r.status = 'pending' ORDER BY r.created_at, r.id`,
      [tx.tenantId],
    );
  }

  hasPendingStaffRequest(tx: TenantTx, accountId: string): Promise<boolean> {
    return firstRow<{ one: number }>(
      tx,
      `SELECT 1 AS one FROM staff_requests WHERE tenant_id = $1 AND account_id = $2 AND status = 'pending'`,
      [tx.tenantId, accountId],
    ).then((r) => r !== undefined);
  }

  /** Closes a pending request; undefined when it is not pending (decided already, or unknown). */
  decideStaffRequest(
    tx: TenantTx,
    id: string,
    status: 'approved' | 'refused',
    by: string,
  ): Promise<{ accountId: string; role: 'moderator' | 'admin' } | undefined> {
    return firstRow<{ accountId: string; role: 'moderator' | 'admin' }>(
      tx,
      `UPDATE staff_requests SET status = $3, decided_at = now(), decided_by = $4
       WHERE tenant_id = $1 AND id = $2 AND status = 'pending' RETURNING account_id AS "accountId", role`,
      [tx.tenantId, id, status, by],
    );
  }
}
