import { Injectable } from '@nestjs/common';
import { rows, Tx } from '../../libs/db';

export interface NewNotification {
  recipientId: string;
  reason: 'counterpart' | 'alert';
  distanceM: number;
  delivery: 'immediate' | 'digest';
  /** An immediate notification's e-mail: the outbox row's id, chosen before either row is written. */
  outboxId?: string;
}

export interface DigestItem {
  recipientId: string;
  email: string;
  displayName: string;
  listingId: string;
  kind: 'offer' | 'request';
  title: string;
  category: string;
  neighbourhood: string | null;
  distanceM: number;
}

/** match_notifications and digest_runs of one tenant. */
@Injectable()
export class MatchingRepository {
  /**
   * Inserts what is new; the primary key (tenant, listing, recipient) drops every repeat.
   * Immediate ones are written as mailed, with their e-mail's id: a fan-out writes each
   * notification once, not once then again. Returns the new recipients.
   */
  async insertNew(tx: Tx, tenantId: string, listingId: string, items: NewNotification[]): Promise<Set<string>> {
    if (!items.length) return new Set();
    const inserted = await rows<{ recipient_id: string }>(
      tx,
      `INSERT INTO match_notifications (tenant_id, listing_id, recipient_id, reason, distance_m, delivery, status, mailed_at, outbox_id)
       SELECT $1, $2, r, reason, d, delivery, CASE delivery WHEN 'immediate' THEN 'mailed' ELSE 'pending' END,
              CASE delivery WHEN 'immediate' THEN now() END, o
       FROM unnest($3::uuid[], $4::text[], $5::int[], $6::text[], $7::uuid[]) AS u(r, reason, d, delivery, o)
       ON CONFLICT (tenant_id, listing_id, recipient_id) DO NOTHING RETURNING recipient_id`,
      [
        tenantId,
        listingId,
        items.map((i) => i.recipientId),
        items.map((i) => i.reason),
        items.map((i) => i.distanceM),
        items.map((i) => i.delivery),
        items.map((i) => i.outboxId ?? null),
      ],
    );
    return new Set(inserted.map((r) => r.recipient_id));
  }

  /** Immediate notifications whose e-mail was not written (its dedupe key existed already): they name no outbox row. */
  async unlinkOutbox(tx: Tx, tenantId: string, listingId: string, recipientIds: string[]): Promise<void> {
    if (!recipientIds.length) return;
    await tx.query(
      `UPDATE match_notifications SET outbox_id = NULL WHERE tenant_id = $1 AND listing_id = $2 AND recipient_id = ANY($3::uuid[])`,
      [tenantId, listingId, recipientIds],
    );
  }

  /**
   * Locks the recipients' account rows until the transaction ends (in id order: two jobs never
   * wait on each other in a cycle), so that two listings matched at once count a shared
   * recipient's e-mails of the day one after the other and the daily cap holds.
   */
  async lockRecipients(tx: Tx, tenantId: string, recipientIds: string[]): Promise<void> {
    await tx.query(`SELECT 1 FROM accounts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [tenantId, recipientIds]);
  }

  /**
   * How many immediate alert e-mails each recipient already had since `since` (the start of
   * their day): listing matches and mission alerts share one daily cap. Counted recipient by
   * recipient through `*_recipient_day`: written with `recipient_id = ANY(…)`, a planner that
   * still thought the table small (no ANALYZE since a fan-out) used only the index's tenant and
   * date, and every small publication counted all of the day's notifications of its commune.
   */
  async immediateCountsSince(tx: Tx, tenantId: string, recipientIds: string[], since: Date): Promise<Map<string, number>> {
    const result = await tx.query(
      `SELECT r.id, (
         (SELECT count(*) FROM match_notifications m
          WHERE m.tenant_id = $1 AND m.recipient_id = r.id AND m.delivery = 'immediate' AND m.mailed_at >= $3 AND m.status = 'mailed')
         + (SELECT count(*) FROM mission_notifications m
          WHERE m.tenant_id = $1 AND m.recipient_id = r.id AND m.delivery = 'immediate' AND m.mailed_at >= $3 AND m.status = 'mailed')
       )::int AS n
       FROM unnest($2::uuid[]) AS r (id)`,
      [tenantId, recipientIds, since],
    );
    return new Map(result.filter((r: { n: number }) => r.n > 0).map((r: { id: string; n: number }) => [r.id, r.n]));
  }

  /** Claims today's digest for the tenant; false when it was already claimed. */
  async claimDigestDay(tx: Tx, tenantId: string, day: string): Promise<boolean> {
    const claimed = await rows(tx, `INSERT INTO digest_runs (tenant_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING day`, [tenantId, day]);
    return claimed.length > 0;
  }

  /** Pending digest items whose listing is still public; stale ones are marked skipped. */
  async pendingDigest(tx: Tx, tenantId: string): Promise<DigestItem[]> {
    await tx.query(
      `UPDATE match_notifications mn SET status = 'skipped' FROM listings l
       WHERE mn.tenant_id = $1 AND mn.delivery = 'digest' AND mn.status = 'pending'
         AND l.tenant_id = mn.tenant_id AND l.id = mn.listing_id AND (l.status <> 'published' OR l.expires_at <= now())`,
      [tenantId],
    );
    return tx.query(
      `SELECT mn.recipient_id AS "recipientId", a.email, a.display_name AS "displayName", l.id AS "listingId", l.kind, l.title,
              c.name AS category, n.name AS neighbourhood, mn.distance_m AS "distanceM"
       FROM match_notifications mn
       JOIN accounts a ON a.tenant_id = mn.tenant_id AND a.id = mn.recipient_id
       JOIN listings l ON l.tenant_id = mn.tenant_id AND l.id = mn.listing_id
       JOIN categories c ON c.id = l.category_id
       LEFT JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND n.id = l.neighbourhood_id
       WHERE mn.tenant_id = $1 AND mn.delivery = 'digest' AND mn.status = 'pending'
         AND a.email IS NOT NULL AND a.deleted_at IS NULL AND a.unsubscribed_at IS NULL
       ORDER BY mn.recipient_id, mn.distance_m`,
      [tenantId],
    );
  }

  async markDigestMailed(tx: Tx, tenantId: string, recipientId: string, outboxId: string | undefined): Promise<void> {
    await tx.query(
      `UPDATE match_notifications SET status = 'mailed', mailed_at = now(), outbox_id = $3
       WHERE tenant_id = $1 AND recipient_id = $2 AND delivery = 'digest' AND status = 'pending'`,
      [tenantId, recipientId, outboxId ?? null],
    );
  }

  async unsubscribe(tx: Tx, tenantId: string, accountId: string): Promise<boolean> {
    const done = await rows(tx, `UPDATE accounts SET unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now() WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`, [tenantId, accountId]);
    return done.length > 0;
  }

  /** For statistics: matches found and e-mailed, per category. */
  async stats(tx: Tx, tenantId: string): Promise<Array<{ category: string; found: number; mailed: number }>> {
    return tx.query(
      `SELECT c.slug AS category, count(*)::int AS found, count(*) FILTER (WHERE mn.status = 'mailed')::int AS mailed
       FROM match_notifications mn JOIN listings l ON l.tenant_id = mn.tenant_id AND l.id = mn.listing_id JOIN categories c ON c.id = l.category_id
       WHERE mn.tenant_id = $1 GROUP BY c.slug ORDER BY c.slug`,
      [tenantId],
    );
  }
}
