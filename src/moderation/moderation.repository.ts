import { Injectable } from '@nestjs/common';
import { rows, Tx } from '../../libs/db';

export interface QueueItem {
  id: string;
  kind: string;
  title: string;
  description: string;
  status: string;
  holdReasons: string[];
  authorId: string;
  authorName: string;
  createdAt: Date;
  heldAt: string;
  reports: { count: number; reasons: Record<string, number> };
}

/** What moderators read and change: held listings, reports, bans. */
@Injectable()
export class ModerationRepository {
  /** Held and report-hidden listings, oldest first (listings_moderation_queue), with their reports. */
  queue(tx: Tx, tenantId: string, limit: number, after?: { at: string; id: string }): Promise<QueueItem[]> {
    return tx.query(
      `SELECT l.id, l.kind, l.title, l.description, l.status, l.hold_reasons AS "holdReasons", l.author_id AS "authorId",
              a.display_name AS "authorName", l.created_at AS "createdAt", l.updated_at::text AS "heldAt",
              json_build_object('count', coalesce(r.n, 0), 'reasons', coalesce(r.reasons, '{}'::json)) AS reports
       FROM listings l JOIN accounts a ON a.tenant_id = l.tenant_id AND a.id = l.author_id
       LEFT JOIN LATERAL (
         SELECT sum(n)::int AS n, json_object_agg(reason, n) AS reasons FROM (
           SELECT reason, count(*)::int AS n FROM listing_reports WHERE tenant_id = l.tenant_id AND listing_id = l.id GROUP BY reason) x
       ) r ON true
       WHERE l.tenant_id = $1 AND l.status IN ('pending_review', 'hidden') ${after ? 'AND (l.updated_at, l.id) > ($3::timestamptz, $4::uuid)' : ''}
       ORDER BY l.updated_at, l.id LIMIT $2`,
      after ? [tenantId, limit, after.at, after.id] : [tenantId, limit],
    );
  }

  async account(tx: Tx, tenantId: string, id: string): Promise<{ id: string; email: string | null; displayName: string; bannedAt: Date | null } | undefined> {
    const r = await tx.query(`SELECT id, email, display_name AS "displayName", banned_at AS "bannedAt" FROM accounts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`, [tenantId, id]);
    return r[0];
  }

  /** Bans: sessions revoked, public and held content hidden. */
  async ban(tx: Tx, tenantId: string, id: string, reason: string): Promise<void> {
    await tx.query(`UPDATE accounts SET banned_at = now(), ban_reason = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, reason]);
    await tx.query(`DELETE FROM sessions WHERE tenant_id = $1 AND account_id = $2`, [tenantId, id]);
    await tx.query(
      `UPDATE listings SET status = 'hidden', hold_reasons = array_append(hold_reasons, 'author_banned'), updated_at = now()
       WHERE tenant_id = $1 AND author_id = $2 AND status IN ('published', 'pending_review')`,
      [tenantId, id],
    );
  }

  /** Unban lets the person log in again; hidden listings stay in the queue for a moderator. */
  async unban(tx: Tx, tenantId: string, id: string): Promise<number> {
    return (await rows(tx, `UPDATE accounts SET banned_at = NULL, ban_reason = NULL, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND banned_at IS NOT NULL RETURNING id`, [tenantId, id])).length;
  }
}
