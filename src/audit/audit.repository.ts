import { Injectable } from '@nestjs/common';
import { execute, rows, type TenantTx } from '@libs/db';

export interface AuditEntry {
  actorId: string | null;
  actorRole: string;
  action: string;
  targetType: string;
  targetId: string | null;
  reason: string;
  data?: Record<string, unknown>;
}

/** An entry of the log as moderators read it, with the actor's name. */
export interface AuditListRow {
  id: string;
  /** `at` as PostgreSQL writes it (microseconds kept), for the keyset cursor. */
  atText: string;
  at: Date;
  actorRole: string;
  action: string;
  targetType: string;
  targetId: string | null;
  reason: string;
  data: Record<string, unknown>;
  actorName: string | null;
}

/** The append-only audit log (INSERT and SELECT only for the application role). */
@Injectable()
export class AuditRepository {
  async append(tx: TenantTx, e: AuditEntry): Promise<void> {
    await execute(
      tx,
      `INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, target_type, target_id, reason, data) ` +
        `VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [tx.tenantId, e.actorId, e.actorRole, e.action, e.targetType, e.targetId, e.reason, JSON.stringify(e.data ?? {})],
    );
  }

  /** Newest first, keyset-paginated on (at, id). */
  list(tx: TenantTx, limit: number, after?: { at: string; id: string }): Promise<AuditListRow[]> {
    return rows<AuditListRow>(
      tx,
      `SELECT al.id, al.at::text AS "atText", al.at, al.actor_role AS "actorRole", al.action, al.target_type AS
        "targetType", al.target_id AS "targetId",
              al.reason, al.data, a.display_name AS "actorName"
       FROM audit_log al LEFT JOIN accounts a ON a.tenant_id = al.tenant_id AND a.id = al.actor_id
       WHERE al.tenant_id = $1 ${after ? 'AND (al.at, al.id) < ($3::timestamptz, $4::uuid)' : ''}
       ORDER BY al.at DESC, al.id DESC LIMIT $2`,
      after ? [tx.tenantId, limit, after.at, after.id] : [tx.tenantId, limit],
    );
  }
}
