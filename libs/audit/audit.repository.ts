import { Injectable } from '@nestjs/common';
import type { Tx } from '../db';
import type { Principal } from '../tenancy';

export interface AuditEntry {
  actorId: string | null;
  actorRole: string;
  action: string;
  targetType: string;
  targetId: string | null;
  reason: string;
  data?: Record<string, unknown>;
}

/** The append-only audit log (INSERT and SELECT only for the application role). */
@Injectable()
export class AuditRepository {
  async append(tx: Tx, tenantId: string, e: AuditEntry): Promise<void> {
    await tx.query(
      `INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, target_type, target_id, reason, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [tenantId, e.actorId, e.actorRole, e.action, e.targetType, e.targetId, e.reason, JSON.stringify(e.data ?? {})],
    );
  }

  /**
   * An action of a town-hall agent on a relayed resident's behalf (nothing for anyone else):
   * recorded under the agent, with the resident's id. Never the resident's name, phone or place.
   */
  async onBehalf(tx: Tx, tenantId: string, actor: Principal, action: string, target: { type: string; id: string | null }, data: Record<string, unknown> = {}): Promise<void> {
    if (!actor.agent) return;
    await this.append(tx, tenantId, { actorId: actor.agent.accountId, actorRole: actor.agent.role, action: `relayed.${action}`, targetType: target.type, targetId: target.id, reason: '', data: { resident: actor.accountId, ...data } });
  }

  /** Newest first, keyset-paginated on (at, id). */
  list(tx: Tx, tenantId: string, limit: number, after?: { at: string; id: string }) {
    return tx.query(
      `SELECT al.id, al.at::text AS "atText", al.at, al.actor_role AS "actorRole", al.action, al.target_type AS "targetType", al.target_id AS "targetId",
              al.reason, al.data, a.display_name AS "actorName"
       FROM audit_log al LEFT JOIN accounts a ON a.tenant_id = al.tenant_id AND a.id = al.actor_id
       WHERE al.tenant_id = $1 ${after ? 'AND (al.at, al.id) < ($3::timestamptz, $4::uuid)' : ''}
       ORDER BY al.at DESC, al.id DESC LIMIT $2`,
      after ? [tenantId, limit, after.at, after.id] : [tenantId, limit],
    );
  }
}
