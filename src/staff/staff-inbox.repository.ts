import { Injectable } from '@nestjs/common';
import { execute, rows, TenantTx } from '@libs/db';
import { StaffInboxItem } from './entities/staff-inbox-item.entity';

export interface StaffInboxRow {
  id: string;
  kind: 'message' | 'match' | 'reminder';
  residentId: string;
  residentName: string;
  phone: string | null;
  listing: { id: string; title: string; kind: 'offer' | 'request'; status: string };
  conversationId: string | null;
  neighbourName: string | null;
  lastMessage: string | null;
  matchedListing: { id: string; title: string; kind: 'offer' | 'request'; authorName: string } | null;
  createdAt: Date;
  updatedAt: Date;
  calledBackAt: Date | null;
  calledBackBy: string | null;
}

/**
 * What the town-hall team must call a relayed resident about: neighbours' messages, matches
 * and reminders. One item per dedupe key (staff_inbox_items); a new message reopens its item.
 */
@Injectable()
export class StaffInboxRepository {
  /** A neighbour wrote in a relayed resident's conversation: the item is (re)opened, "à rappeler". */
  async touchConversation(tx: TenantTx, residentId: string, conversationId: string): Promise<void> {
    await execute(
      tx,
      `INSERT INTO staff_inbox_items (tenant_id, dedupe_key, kind, resident_id, listing_id, conversation_id)
       SELECT $1, 'message:' || cv.id, 'message', $2, cv.listing_id, cv.id FROM conversations cv WHERE cv.tenant_id =
         $1 AND cv.id = $3
       ON CONFLICT (tenant_id, dedupe_key) DO UPDATE SET updated_at = now(), called_back_at = NULL, called_back_by =
         NULL`,
      [tx.tenantId, residentId, conversationId],
    );
  }

  /** Returns how many items were new. */
  async addMatches(
    tx: TenantTx,
    items: Array<{ residentId: string; listingId: string; matchedListingId: string }>,
  ): Promise<number> {
    if (!items.length) return 0;
    return execute(
      tx,
      `INSERT INTO staff_inbox_items (tenant_id, dedupe_key, kind, resident_id, listing_id, matched_listing_id)
       SELECT $1, 'match:' || m.listing_id || ':' || m.matched_id, 'match', m.resident_id, m.listing_id, m.matched_id
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS m (resident_id, listing_id, matched_id)
       ON CONFLICT (tenant_id, dedupe_key) DO NOTHING`,
      [
        tx.tenantId,
        items.map((i) => i.residentId),
        items.map((i) => i.listingId),
        items.map((i) => i.matchedListingId),
      ],
    );
  }

  async addReminder(tx: TenantTx, residentId: string, listingId: string): Promise<void> {
    await execute(
      tx,
      `INSERT INTO staff_inbox_items (tenant_id, dedupe_key, kind, resident_id, listing_id) VALUES ($1, 'reminder:' ||
        $3::text, 'reminder', $2, $3::uuid)
       ON CONFLICT (tenant_id, dedupe_key) DO NOTHING`,
      [tx.tenantId, residentId, listingId],
    );
  }

  /** Newest activity first; items still "à rappeler" before those already called back when `toCallFirst`. */
  list(tx: TenantTx, opts: { limit: number; residentId?: string; id?: string }): Promise<StaffInboxRow[]> {
    const filter = opts.id ? 'AND i.id = $3' : opts.residentId ? 'AND i.resident_id = $3' : '';
    return rows<StaffInboxRow>(
      tx,
      `SELECT i.id, i.kind, i.resident_id AS "residentId", ra.display_name AS "residentName", rr.phone,
              json_build_object('id', l.id, 'title', l.title, 'kind', l.kind, 'status', l.status) AS listing,
              i.conversation_id AS "conversationId", na.display_name AS "neighbourName",
              (SELECT m.body FROM messages m WHERE m.tenant_id = i.tenant_id AND m.conversation_id = i.conversation_id
                AND m.status = 'visible'
               ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS "lastMessage",
              CASE WHEN ml.id IS NULL THEN NULL ELSE json_build_object('id', ml.id, 'title', ml.title, 'kind',
                ml.kind, 'authorName', mla.display_name) END AS "matchedListing",
              i.created_at AS "createdAt", i.updated_at AS "updatedAt", i.called_back_at AS "calledBackAt",
                cb.display_name AS "calledBackBy"
       FROM staff_inbox_items i
       JOIN accounts ra ON ra.tenant_id = i.tenant_id AND ra.id = i.resident_id
       LEFT JOIN relayed_residents rr ON rr.tenant_id = i.tenant_id AND rr.account_id = i.resident_id
       JOIN listings l ON l.tenant_id = i.tenant_id AND l.id = i.listing_id
       LEFT JOIN conversations cv ON cv.tenant_id = i.tenant_id AND cv.id = i.conversation_id
       LEFT JOIN accounts na ON na.tenant_id = cv.tenant_id AND na.id = CASE WHEN cv.author_id = i.resident_id THEN
         cv.starter_id ELSE cv.author_id END
       LEFT JOIN listings ml ON ml.tenant_id = i.tenant_id AND ml.id = i.matched_listing_id
       LEFT JOIN accounts mla ON mla.tenant_id = ml.tenant_id AND mla.id = ml.author_id
       LEFT JOIN accounts cb ON cb.tenant_id = i.tenant_id AND cb.id = i.called_back_by
       WHERE i.tenant_id = $1 ${filter}
       ORDER BY i.updated_at DESC, i.id DESC LIMIT $2`,
      filter ? [tx.tenantId, opts.limit, opts.id ?? opts.residentId] : [tx.tenantId, opts.limit],
    );
  }

  /** The item's resident, or undefined when there is no such item on this tenant. */
  async markCalledBack(tx: TenantTx, id: string, agentId: string): Promise<string | undefined> {
    const r = await rows<{ residentId: string }>(
      tx,
      `UPDATE staff_inbox_items SET called_back_at = coalesce(called_back_at, now()), called_back_by =
        coalesce(called_back_by, $3)
       WHERE tenant_id = $1 AND id = $2 RETURNING resident_id AS "residentId"`,
      [tx.tenantId, id, agentId],
    );
    return r[0]?.residentId;
  }

  async eraseFor(tx: TenantTx, residentId: string): Promise<void> {
    await tx.delete(StaffInboxItem, { tenantId: tx.tenantId, residentId });
  }
}
