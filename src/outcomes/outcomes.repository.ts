import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, TenantTx } from '@libs/db';
import { ListingFeedback } from './entities/listing-feedback.entity';
import { ListingReminder } from './entities/listing-reminder.entity';

export type ReminderAnswer = 'found' | 'still_looking' | 'not_needed';

export interface DueReminder {
  listingId: string;
  title: string;
  authorId: string;
  email: string | null;
  displayName: string;
  relayed: boolean;
}

/** What the RGPD export shows of the account's feedback and of the reminders it received. */
export interface OutcomesExport {
  feedback: Array<{ listingId: string; ok: boolean; comment: string; createdAt: Date }>;
  reminders: Array<{ listingId: string; sentAt: Date; answer: ReminderAnswer | null; answeredAt: Date | null }>;
}

/** Reminders ("Avez-vous trouvé de l'aide ?") and private feedback after a help. */
@Injectable()
export class OutcomesRepository {
  /**
   * Listings still open whose first conversation is older than `cutoff` and which never had a
   * reminder. Starts from the conversations of the 90 days before the cutoff (conversations_recent):
   * a listing lives 60 days, so an older one has been answered or has ended.
   */
  due(tx: TenantTx, cutoff: Date, limit: number): Promise<DueReminder[]> {
    return rows<DueReminder>(
      tx,
      `SELECT DISTINCT l.id AS "listingId", l.title, l.author_id AS "authorId", a.email, a.display_name AS
        "displayName", a.relayed
       FROM conversations c
       JOIN listings l ON l.tenant_id = c.tenant_id AND l.id = c.listing_id
       JOIN accounts a ON a.tenant_id = l.tenant_id AND a.id = l.author_id
       WHERE c.tenant_id = $1 AND c.created_at <= $2 AND c.created_at > $2::timestamptz - interval '90 days'
         AND l.status IN ('published', 'expired') AND a.deleted_at IS NULL AND a.banned_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM listing_reminders r WHERE r.tenant_id = l.tenant_id AND r.listing_id = l.id)
       LIMIT $3`,
      [tx.tenantId, cutoff, limit],
    );
  }

  /** False when this listing already had its reminder. */
  async recordSent(tx: TenantTx, listingId: string, recipientId: string, at: Date): Promise<boolean> {
    const r = await rows<{ listingId: string }>(
      tx,
      `INSERT INTO listing_reminders (tenant_id, listing_id, recipient_id, sent_at) VALUES ($1, $2, $3, $4) ON ` +
        `CONFLICT DO NOTHING RETURNING listing_id AS "listingId"`,
      [tx.tenantId, listingId, recipientId, at],
    );
    return r.length > 0;
  }

  reminder(
    tx: TenantTx,
    listingId: string,
    recipientId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<{ answer: ReminderAnswer | null } | undefined> {
    // SQL, not find(): the transaction is opened by Database.withTenant, which TypeORM's locking does not see.
    return firstRow<{ answer: ReminderAnswer | null }>(
      tx,
      `SELECT answer FROM listing_reminders WHERE tenant_id = $1 AND listing_id = $2 AND recipient_id = $3 ` +
        `${opts.forUpdate ? 'FOR UPDATE' : ''}`,
      [tx.tenantId, listingId, recipientId],
    );
  }

  async recordAnswer(tx: TenantTx, listingId: string, answer: ReminderAnswer): Promise<void> {
    await execute(
      tx,
      `UPDATE listing_reminders SET answer = $3, answered_at = now() WHERE tenant_id = $1 AND listing_id = $2 AND ` +
        `answer IS NULL`,
      [tx.tenantId, listingId, answer],
    );
  }

  /** False when this participant already gave feedback on this listing. */
  async addFeedback(
    tx: TenantTx,
    listingId: string,
    authorId: string,
    ok: boolean,
    comment: string,
  ): Promise<string | undefined> {
    const r = await firstRow<{ id: string }>(
      tx,
      `INSERT INTO listing_feedback (tenant_id, listing_id, author_id, ok, comment) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, listing_id, author_id) DO NOTHING RETURNING id`,
      [tx.tenantId, listingId, authorId, ok, comment],
    );
    return r?.id;
  }

  /** Whether `accountId` took part in the help: the listing's author, or a neighbour who wrote about it. */
  async isParticipant(tx: TenantTx, listingId: string, accountId: string): Promise<boolean> {
    const r = await rows<{ one: number }>(
      tx,
      `SELECT 1 AS one FROM listings WHERE tenant_id = $1 AND id = $2 AND author_id = $3
       UNION ALL SELECT 1 FROM conversations WHERE tenant_id = $1 AND listing_id = $2 AND starter_id = $3 LIMIT 1`,
      [tx.tenantId, listingId, accountId],
    );
    return r.length > 0;
  }

  feedbackGiven(tx: TenantTx, listingId: string, accountId: string): Promise<boolean> {
    return tx.existsBy(ListingFeedback, { tenantId: tx.tenantId, listingId, authorId: accountId });
  }

  /** RGPD export of what the account wrote as feedback, and the reminders it received. */
  async exportFor(tx: TenantTx, accountId: string): Promise<OutcomesExport> {
    const feedback = await tx.find(ListingFeedback, {
      where: { tenantId: tx.tenantId, authorId: accountId },
      order: { createdAt: 'ASC' },
    });
    const reminders = await tx.find(ListingReminder, {
      where: { tenantId: tx.tenantId, recipientId: accountId },
      order: { sentAt: 'ASC' },
    });
    return {
      feedback: feedback.map(({ listingId, ok, comment, createdAt }) => ({ listingId, ok, comment, createdAt })),
      reminders: reminders.map(({ listingId, sentAt, answer, answeredAt }) => ({
        listingId,
        sentAt,
        answer,
        answeredAt,
      })),
    };
  }

  async eraseFor(tx: TenantTx, accountId: string): Promise<void> {
    await tx.update(ListingFeedback, { tenantId: tx.tenantId, authorId: accountId }, { comment: '' });
  }
}
