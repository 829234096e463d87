import { Injectable } from '@nestjs/common';
import type { Tx } from '../../libs/db';

export type ReminderAnswer = 'found' | 'still_looking' | 'not_needed';

export interface DueReminder {
  listingId: string;
  title: string;
  authorId: string;
  email: string | null;
  displayName: string;
  relayed: boolean;
}

/** Reminders ("Avez-vous trouvé de l'aide ?") and private feedback after a help. */
@Injectable()
export class OutcomesRepository {
  /**
   * Listings still open whose first conversation is older than `cutoff` and which never had a
   * reminder. Starts from the conversations of the 90 days before the cutoff (conversations_recent):
   * a listing lives 60 days, so an older one has been answered or has ended.
   */
  due(tx: Tx, tenantId: string, cutoff: Date, limit: number): Promise<DueReminder[]> {
    return tx.query(
      `SELECT DISTINCT l.id AS "listingId", l.title, l.author_id AS "authorId", a.email, a.display_name AS "displayName", a.relayed
       FROM conversations c
       JOIN listings l ON l.tenant_id = c.tenant_id AND l.id = c.listing_id
       JOIN accounts a ON a.tenant_id = l.tenant_id AND a.id = l.author_id
       WHERE c.tenant_id = $1 AND c.created_at <= $2 AND c.created_at > $2::timestamptz - interval '90 days'
         AND l.status IN ('published', 'expired') AND a.deleted_at IS NULL AND a.banned_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM listing_reminders r WHERE r.tenant_id = l.tenant_id AND r.listing_id = l.id)
       LIMIT $3`,
      [tenantId, cutoff, limit],
    );
  }

  /** False when this listing already had its reminder. */
  async recordSent(tx: Tx, tenantId: string, listingId: string, recipientId: string, at: Date): Promise<boolean> {
    const r = await tx.query(
      `INSERT INTO listing_reminders (tenant_id, listing_id, recipient_id, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING listing_id`,
      [tenantId, listingId, recipientId, at],
    );
    return r.length > 0;
  }

  async reminder(tx: Tx, tenantId: string, listingId: string, recipientId: string, opts: { forUpdate?: boolean } = {}): Promise<{ answer: ReminderAnswer | null } | undefined> {
    const r = await tx.query(
      `SELECT answer FROM listing_reminders WHERE tenant_id = $1 AND listing_id = $2 AND recipient_id = $3 ${opts.forUpdate ? 'FOR UPDATE' : ''}`,
      [tenantId, listingId, recipientId],
    );
    return r[0];
  }

  async recordAnswer(tx: Tx, tenantId: string, listingId: string, answer: ReminderAnswer): Promise<void> {
    await tx.query(`UPDATE listing_reminders SET answer = $3, answered_at = now() WHERE tenant_id = $1 AND listing_id = $2 AND answer IS NULL`, [tenantId, listingId, answer]);
  }

  /** False when this participant already gave feedback on this listing. */
  async addFeedback(tx: Tx, tenantId: string, listingId: string, authorId: string, ok: boolean, comment: string): Promise<string | undefined> {
    const r = await tx.query(
      `INSERT INTO listing_feedback (tenant_id, listing_id, author_id, ok, comment) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, listing_id, author_id) DO NOTHING RETURNING id`,
      [tenantId, listingId, authorId, ok, comment],
    );
    return r[0]?.id;
  }

  /** Whether `accountId` took part in the help: the listing's author, or a neighbour who wrote about it. */
  async isParticipant(tx: Tx, tenantId: string, listingId: string, accountId: string): Promise<boolean> {
    const r = await tx.query(
      `SELECT 1 FROM listings WHERE tenant_id = $1 AND id = $2 AND author_id = $3
       UNION ALL SELECT 1 FROM conversations WHERE tenant_id = $1 AND listing_id = $2 AND starter_id = $3 LIMIT 1`,
      [tenantId, listingId, accountId],
    );
    return r.length > 0;
  }

  feedbackGiven(tx: Tx, tenantId: string, listingId: string, accountId: string): Promise<boolean> {
    return tx.query(`SELECT 1 FROM listing_feedback WHERE tenant_id = $1 AND listing_id = $2 AND author_id = $3`, [tenantId, listingId, accountId]).then((r) => r.length > 0);
  }

  /** RGPD export of what the account wrote as feedback, and the reminders it received. */
  async exportFor(tx: Tx, tenantId: string, accountId: string) {
    const feedback = await tx.query(
      `SELECT listing_id AS "listingId", ok, comment, created_at AS "createdAt" FROM listing_feedback WHERE tenant_id = $1 AND author_id = $2 ORDER BY created_at`,
      [tenantId, accountId],
    );
    const reminders = await tx.query(
      `SELECT listing_id AS "listingId", sent_at AS "sentAt", answer, answered_at AS "answeredAt" FROM listing_reminders WHERE tenant_id = $1 AND recipient_id = $2 ORDER BY sent_at`,
      [tenantId, accountId],
    );
    return { feedback, reminders };
  }

  async eraseFor(tx: Tx, tenantId: string, accountId: string): Promise<void> {
    await tx.query(`UPDATE listing_feedback SET comment = '' WHERE tenant_id = $1 AND author_id = $2`, [tenantId, accountId]);
  }
}
