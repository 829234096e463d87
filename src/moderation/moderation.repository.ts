import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, TenantTx } from '@libs/db';

export interface QueueItem {
  type: 'listing' | 'message' | 'feedback' | 'organisation' | 'project';
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

/** What a moderator knows of an author before deciding: their past on this site. */
export interface AuthorHistory {
  id: string;
  since: Date;
  listings: number;
  /** Listings refused or removed by a moderator. */
  refused: number;
  /** Reports received on their listings. */
  reports: number;
  /** Messages of theirs held, then refused or removed. */
  messagesRemoved: number;
  bans: number;
  bannedAt: Date | null;
}

/** What an entry of the log was about, as a moderator names it. */
export interface AuditTarget {
  type: string;
  id: string;
  name: string;
  /** The listing a message or a feedback was about. */
  about: string | null;
}

/** What moderators read and change: held listings, reports, bans. */
@Injectable()
export class ModerationRepository {
  /**
   * Held and report-hidden listings, held messages, and organisations and projects waiting for
   * approval, oldest first (listings_moderation_queue, messages_moderation_queue,
   * organisations_moderation_queue, projects_moderation_queue), with the rules they tripped
   * and the reports they received.
   */
  queue(tx: TenantTx, limit: number, after?: { at: string; id: string }): Promise<QueueItem[]> {
    return rows<QueueItem>(
      tx,
      `SELECT type, id, kind, title, description, status, "holdReasons", "authorId", "authorName", "createdAt",
        "heldAt", reports FROM (
         SELECT 'listing' AS type, l.id, l.kind, l.title, l.description, l.status, l.hold_reasons AS "holdReasons",
           l.author_id AS "authorId",
                a.display_name AS "authorName", l.created_at AS "createdAt", l.updated_at AS held, l.updated_at::text
                  AS "heldAt",
                json_build_object('count', coalesce(r.n, 0), 'reasons', coalesce(r.reasons, '{}'::json)) AS reports
         FROM listings l JOIN accounts a ON a.tenant_id = l.tenant_id AND a.id = l.author_id
         LEFT JOIN LATERAL (
           SELECT sum(n)::int AS n, json_object_agg(reason, n) AS reasons FROM (
             SELECT reason, count(*)::int AS n FROM listing_reports WHERE tenant_id = l.tenant_id AND listing_id =
               l.id GROUP BY reason) x
         ) r ON true
         WHERE l.tenant_id = $1 AND l.status IN ('pending_review', 'hidden')
         UNION ALL
         SELECT 'message', m.id, NULL, lst.title, m.body, m.status, m.hold_reasons, m.sender_id, a.display_name,
           m.created_at, m.held_at, m.held_at::text,
                json_build_object('count', coalesce(r.n, 0), 'reasons', coalesce(r.reasons, '{}'::json))
         FROM messages m JOIN conversations cv ON cv.tenant_id = m.tenant_id AND cv.id = m.conversation_id
         JOIN listings lst ON lst.tenant_id = cv.tenant_id AND lst.id = cv.listing_id
         JOIN accounts a ON a.tenant_id = m.tenant_id AND a.id = m.sender_id
         -- Its recipient's report (message_reports, by primary key), which held it.
         LEFT JOIN LATERAL (
           SELECT sum(n)::int AS n, json_object_agg(reason, n) AS reasons FROM (
             SELECT reason, count(*)::int AS n FROM message_reports WHERE tenant_id = m.tenant_id AND message_id = m.id
               GROUP BY reason) x
         ) r ON true
         WHERE m.tenant_id = $1 AND m.status = 'held'
         UNION ALL
         -- A participant said a help went badly: a safety signal (listing_feedback_to_review).
         SELECT 'feedback', f.id, lst.kind, lst.title, f.comment, 'to_review', '{}'::text[], f.author_id,
           a.display_name, f.created_at, f.created_at, f.created_at::text,
                json_build_object('count', 0, 'reasons', '{}'::json)
         FROM listing_feedback f JOIN listings lst ON lst.tenant_id = f.tenant_id AND lst.id = f.listing_id
         JOIN accounts a ON a.tenant_id = f.tenant_id AND a.id = f.author_id
         WHERE f.tenant_id = $1 AND NOT f.ok AND f.reviewed_at IS NULL
         UNION ALL
         SELECT 'organisation', o.id, o.kind, o.name, o.description, o.status, '{pre_moderation}'::text[],
           o.created_by, a.display_name, o.created_at, o.updated_at, o.updated_at::text,
                json_build_object('count', 0, 'reasons', '{}'::json)
         FROM organisations o JOIN accounts a ON a.tenant_id = o.tenant_id AND a.id = o.created_by
         WHERE o.tenant_id = $1 AND o.status = 'pending_review'
         UNION ALL
         SELECT 'project', p.id, NULL, p.title, p.description, p.status, p.hold_reasons, p.created_by, a.display_name,
           p.created_at, p.updated_at, p.updated_at::text,
                json_build_object('count', 0, 'reasons', '{}'::json)
         FROM projects p JOIN accounts a ON a.tenant_id = p.tenant_id AND a.id = p.created_by
         WHERE p.tenant_id = $1 AND p.status = 'pending_review'
       ) q
       ${after ? 'WHERE (q.held, q.id) > ($3::timestamptz, $4::uuid)' : ''}
       ORDER BY q.held, q.id LIMIT $2`,
      after ? [tx.tenantId, limit, after.at, after.id] : [tx.tenantId, limit],
    );
  }

  /** Each author's past on this tenant, for the queue (accounts primary key, listings_author index). */
  authorHistories(tx: TenantTx, ids: string[]): Promise<AuthorHistory[]> {
    return rows<AuthorHistory>(
      tx,
      `SELECT a.id, a.created_at AS since, a.banned_at AS "bannedAt",
         (SELECT count(*) FROM listings l WHERE l.tenant_id = a.tenant_id AND l.author_id = a.id)::int AS listings,
         (SELECT count(*) FROM listings l WHERE l.tenant_id = a.tenant_id AND l.author_id = a.id
            AND l.status IN ('rejected', 'removed'))::int AS refused,
         (SELECT count(*) FROM listing_reports r JOIN listings l ON l.tenant_id = r.tenant_id AND l.id = r.listing_id
            WHERE r.tenant_id = a.tenant_id AND l.author_id = a.id)::int AS reports,
         (SELECT count(*) FROM messages m WHERE m.tenant_id = a.tenant_id AND m.sender_id = a.id
            AND m.status = 'removed')::int AS "messagesRemoved",
         (SELECT count(*) FROM audit_log al WHERE al.tenant_id = a.tenant_id AND al.action = 'account.ban'
            AND al.target_id = a.id)::int AS bans
       FROM accounts a WHERE a.tenant_id = $1 AND a.id = ANY($2::uuid[])`,
      [tx.tenantId, ids],
    );
  }

  /**
   * The names of what log entries were about: a listing's title, a message's listing and sender,
   * an account's public name, an organisation, a project, a category; by primary key each.
   */
  auditTargets(tx: TenantTx, ids: string[]): Promise<AuditTarget[]> {
    return rows<AuditTarget>(
      tx,
      `SELECT 'listing' AS type, l.id::text AS id, l.title AS name, NULL AS about
         FROM listings l WHERE l.tenant_id = $1 AND l.id = ANY($2::uuid[])
       UNION ALL
       SELECT 'message', m.id::text, a.display_name || ' : « ' || left(m.body, 80) ||
           CASE WHEN length(m.body) > 80 THEN '… »' ELSE ' »' END, l.title
         FROM messages m JOIN conversations cv ON cv.tenant_id = m.tenant_id AND cv.id = m.conversation_id
         JOIN listings l ON l.tenant_id = cv.tenant_id AND l.id = cv.listing_id
         JOIN accounts a ON a.tenant_id = m.tenant_id AND a.id = m.sender_id
         WHERE m.tenant_id = $1 AND m.id = ANY($2::uuid[])
       UNION ALL
       SELECT 'conversation', cv.id::text, l.title, NULL
         FROM conversations cv JOIN listings l ON l.tenant_id = cv.tenant_id AND l.id = cv.listing_id
         WHERE cv.tenant_id = $1 AND cv.id = ANY($2::uuid[])
       UNION ALL
       SELECT 'account', a.id::text, a.display_name, NULL
         FROM accounts a WHERE a.tenant_id = $1 AND a.id = ANY($2::uuid[])
       UNION ALL
       SELECT 'feedback', f.id::text, l.title, NULL
         FROM listing_feedback f JOIN listings l ON l.tenant_id = f.tenant_id AND l.id = f.listing_id
         WHERE f.tenant_id = $1 AND f.id = ANY($2::uuid[])
       UNION ALL
       SELECT 'organisation', o.id::text, o.name, NULL
         FROM organisations o WHERE o.tenant_id = $1 AND o.id = ANY($2::uuid[])
       UNION ALL
       SELECT 'project', p.id::text, p.title, NULL FROM projects p WHERE p.tenant_id = $1 AND p.id = ANY($2::uuid[])
       UNION ALL
       SELECT 'category', c.id::text, c.name, NULL FROM categories c WHERE c.id = ANY($2::uuid[])`,
      [tx.tenantId, ids],
    );
  }

  /** False when there is no such feedback waiting for review. */
  reviewFeedback(tx: TenantTx, id: string, moderatorId: string): Promise<{ listingId: string } | undefined> {
    return firstRow<{ listingId: string }>(
      tx,
      `UPDATE listing_feedback SET reviewed_at = now(), reviewed_by = $3 WHERE tenant_id = $1 AND id = $2 AND NOT ` +
        `ok AND reviewed_at IS NULL RETURNING listing_id AS "listingId"`,
      [tx.tenantId, id, moderatorId],
    );
  }

  account(
    tx: TenantTx,
    id: string,
  ): Promise<{ id: string; email: string | null; displayName: string; bannedAt: Date | null } | undefined> {
    return firstRow<{ id: string; email: string | null; displayName: string; bannedAt: Date | null }>(
      tx,
      `SELECT id, email, display_name AS "displayName", banned_at AS "bannedAt" FROM accounts WHERE tenant_id = ` +
        `$1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`,
      [tx.tenantId, id],
    );
  }

  /** Bans: public and held content hidden (the sessions are the accounts module's to end). */
  async ban(tx: TenantTx, id: string, reason: string): Promise<void> {
    await execute(
      tx,
      `UPDATE accounts SET banned_at = now(), ban_reason = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tx.tenantId, id, reason],
    );
    await execute(
      tx,
      `UPDATE listings SET status = 'hidden', hold_reasons = array_append(hold_reasons, 'author_banned'), updated_at =
        now()
       WHERE tenant_id = $1 AND author_id = $2 AND status IN ('published', 'pending_review')`,
      [tx.tenantId, id],
    );
  }

  /** Unban lets the person log in again; hidden listings stay in the queue for a moderator. */
  unban(tx: TenantTx, id: string): Promise<number> {
    return execute(
      tx,
      `UPDATE accounts SET banned_at = NULL, ban_reason = NULL, updated_at = now() WHERE tenant_id = $1 AND id = ` +
        `$2 AND banned_at IS NOT NULL`,
      [tx.tenantId, id],
    );
  }
}
