import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, type TenantTx } from '@libs/db';
import { ListingReport } from './entities/listing-report.entity';

export interface ConversationRow {
  id: string;
  listingId: string;
  listingTitle: string;
  listingStatus: string;
  authorId: string;
  starterId: string;
  authorName: string;
  starterName: string;
  authorRelayed: boolean;
  starterRelayed: boolean;
  createdAt: Date;
  lastMessageAt: Date;
}

export interface ParticipantRow {
  listingId: string;
  conversationId: string;
  accountId: string;
  displayName: string;
}

export interface MessageRow {
  id: string;
  senderId: string;
  body: string;
  status: 'visible' | 'held' | 'removed';
  onBehalf: boolean;
  createdAt: Date;
}

/** A held message with what a moderator decision needs. */
export interface HeldMessage {
  id: string;
  status: 'visible' | 'held' | 'removed';
  body: string;
  senderId: string;
  conversationId: string;
  listingTitle: string;
  recipientId: string;
  senderName: string;
}

/** What the RGPD export shows of the account's messages and reports. */
export interface ConversationsExport {
  messages: Array<{ conversationId: string; body: string; createdAt: Date }>;
  reports: Array<{ listingId: string; reason: string; comment: string; createdAt: Date }>;
  messageReports: Array<{ messageId: string; reason: string; comment: string; createdAt: Date }>;
  blocked: Array<{ displayName: string; createdAt: Date }>;
}

const CONVERSATION_COLUMNS = `cv.id, cv.listing_id AS "listingId", l.title AS "listingTitle", l.status AS
  "listingStatus", cv.author_id AS "authorId", cv.starter_id AS "starterId",
  au.display_name AS "authorName", st.display_name AS "starterName", au.relayed AS "authorRelayed", st.relayed AS
    "starterRelayed", cv.created_at AS "createdAt", cv.last_message_at AS "lastMessageAt"`;
const CONVERSATION_JOINS = `JOIN listings l ON l.tenant_id = cv.tenant_id AND l.id = cv.listing_id
  JOIN accounts au ON au.tenant_id = cv.tenant_id AND au.id = cv.author_id
  JOIN accounts st ON st.tenant_id = cv.tenant_id AND st.id = cv.starter_id`;

/** Private conversations about a listing, and reports on listings. */
@Injectable()
export class ConversationsRepository {
  /** One conversation per (listing, neighbour who wrote first); writing again reuses it. */
  async open(tx: TenantTx, listingId: string, authorId: string, starterId: string): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      `INSERT INTO conversations (tenant_id, listing_id, author_id, starter_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, listing_id, starter_id) DO UPDATE SET last_message_at = now() RETURNING id`,
      [tx.tenantId, listingId, authorId, starterId],
    );
    return row.id;
  }

  /** A message that tripped a rule (`holdReasons`) is stored held: its recipient does not see it yet. */
  async addMessage(
    tx: TenantTx,
    conversationId: string,
    senderId: string,
    body: string,
    holdReasons: string[] = [],
    onBehalfAgentId: string | null = null,
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      `INSERT INTO messages (tenant_id, conversation_id, sender_id, body, status, hold_reasons, held_at,
        on_behalf_agent_id)
       VALUES ($1, $2, $3, $4, CASE WHEN cardinality($5::text[]) > 0 THEN 'held' ELSE 'visible' END, $5, CASE WHEN
         cardinality($5::text[]) > 0 THEN now() END, $6)
       RETURNING id`,
      [tx.tenantId, conversationId, senderId, body, holdReasons, onBehalfAgentId],
    );
    await execute(tx, `UPDATE conversations SET last_message_at = now() WHERE tenant_id = $1 AND id = $2`, [
      tx.tenantId,
      conversationId,
    ]);
    return row.id;
  }

  /** The conversation if `accountId` takes part in it; undefined otherwise, as if it did not exist. */
  findForParticipant(tx: TenantTx, id: string, accountId: string): Promise<ConversationRow | undefined> {
    return firstRow<ConversationRow>(
      tx,
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations cv ${CONVERSATION_JOINS}
       WHERE cv.tenant_id = $1 AND cv.id = $2 AND $3 IN (cv.author_id, cv.starter_id)`,
      [tx.tenantId, id, accountId],
    );
  }

  /** A conversation one side of which is a relayed resident: the staff's to read and answer. */
  findRelayed(tx: TenantTx, id: string): Promise<ConversationRow | undefined> {
    return firstRow<ConversationRow>(
      tx,
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations cv ${CONVERSATION_JOINS}
       WHERE cv.tenant_id = $1 AND cv.id = $2 AND (au.relayed OR st.relayed)`,
      [tx.tenantId, id],
    );
  }

  /** The participant who helped: the other side of a conversation about this listing. */
  helperOf(
    tx: TenantTx,
    listingId: string,
    conversationId: string,
  ): Promise<{ id: string; displayName: string; email: string | null } | undefined> {
    return firstRow<{ id: string; displayName: string; email: string | null }>(
      tx,
      `SELECT a.id, a.display_name AS "displayName", CASE WHEN a.deleted_at IS NULL THEN a.email END AS email
       FROM conversations cv JOIN accounts a ON a.tenant_id = cv.tenant_id AND a.id = cv.starter_id
       WHERE cv.tenant_id = $1 AND cv.id = $2 AND cv.listing_id = $3`,
      [tx.tenantId, conversationId, listingId],
    );
  }

  /** The neighbours who wrote about these listings, for "who helped you?". */
  participants(tx: TenantTx, listingIds: string[]): Promise<ParticipantRow[]> {
    return rows<ParticipantRow>(
      tx,
      `SELECT cv.listing_id AS "listingId", cv.id AS "conversationId", a.id AS "accountId", a.display_name AS
        "displayName" FROM conversations cv
       JOIN accounts a ON a.tenant_id = cv.tenant_id AND a.id = cv.starter_id
       WHERE cv.tenant_id = $1 AND cv.listing_id = ANY ($2::uuid[]) ORDER BY cv.created_at`,
      [tx.tenantId, listingIds],
    );
  }

  listForParticipant(tx: TenantTx, accountId: string): Promise<ConversationRow[]> {
    return rows<ConversationRow>(
      tx,
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations cv ${CONVERSATION_JOINS}
       WHERE cv.tenant_id = $1 AND (cv.author_id = $2 OR cv.starter_id = $2) ORDER BY cv.last_message_at DESC LIMIT
         200`,
      [tx.tenantId, accountId],
    );
  }

  /** What `viewerId` may read: visible messages, and their own held ones (marked as such). */
  messages(tx: TenantTx, conversationId: string, viewerId: string): Promise<MessageRow[]> {
    return rows<MessageRow>(
      tx,
      `SELECT id, sender_id AS "senderId", body, status, on_behalf_agent_id IS NOT NULL AS "onBehalf", created_at AS
        "createdAt" FROM messages
       WHERE tenant_id = $1 AND conversation_id = $2 AND (status = 'visible' OR (status = 'held' AND sender_id = $3))
       ORDER BY created_at, id`,
      [tx.tenantId, conversationId, viewerId],
    );
  }

  /** A held message with what a moderator decision needs, locked. */
  heldMessage(tx: TenantTx, id: string): Promise<HeldMessage | undefined> {
    return firstRow<HeldMessage>(
      tx,
      `SELECT m.id, m.status, m.body, m.sender_id AS "senderId", cv.id AS "conversationId", l.title AS "listingTitle",
              CASE WHEN m.sender_id = cv.author_id THEN cv.starter_id ELSE cv.author_id END AS "recipientId",
                s.display_name AS "senderName"
       FROM messages m JOIN conversations cv ON cv.tenant_id = m.tenant_id AND cv.id = m.conversation_id
       JOIN listings l ON l.tenant_id = cv.tenant_id AND l.id = cv.listing_id
       JOIN accounts s ON s.tenant_id = m.tenant_id AND s.id = m.sender_id
       WHERE m.tenant_id = $1 AND m.id = $2 FOR UPDATE OF m`,
      [tx.tenantId, id],
    );
  }

  async setMessageStatus(tx: TenantTx, id: string, status: 'visible' | 'removed'): Promise<void> {
    await execute(tx, `UPDATE messages SET status = $3 WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id, status]);
  }

  recipient(tx: TenantTx, accountId: string): Promise<{ email: string | null; relayed: boolean } | undefined> {
    return firstRow<{ email: string | null; relayed: boolean }>(
      tx,
      `SELECT email, relayed FROM accounts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [tx.tenantId, accountId],
    );
  }

  /** `accountId` has read the conversation up to now (the header counts what came after). */
  async markRead(tx: TenantTx, id: string, accountId: string): Promise<void> {
    await execute(
      tx,
      `UPDATE conversations SET author_read_at = CASE WHEN author_id = $3 THEN now() ELSE author_read_at END,
         starter_read_at = CASE WHEN starter_id = $3 THEN now() ELSE starter_read_at END
       WHERE tenant_id = $1 AND id = $2`,
      [tx.tenantId, id, accountId],
    );
  }

  /**
   * Visible messages others sent to `accountId` since they last read each conversation
   * (conversations_author / conversations_starter, then messages_conversation per conversation).
   */
  async unreadCount(tx: TenantTx, accountId: string): Promise<number> {
    const [r] = await rows<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM conversations cv
       JOIN messages m ON m.tenant_id = cv.tenant_id AND m.conversation_id = cv.id
       WHERE cv.tenant_id = $1 AND (cv.author_id = $2 OR cv.starter_id = $2) AND m.sender_id <> $2
         AND m.status = 'visible'
         AND m.created_at > coalesce(CASE WHEN cv.author_id = $2 THEN cv.author_read_at ELSE cv.starter_read_at END,
           '-infinity')`,
      [tx.tenantId, accountId],
    );
    return r.n;
  }

  /**
   * A participant reports a message the other side sent them: recorded once per reporter, and the
   * message is held (hidden from the reporter, in the moderators' queue) until a moderator decides.
   * False when there is no such message for them to report.
   */
  async reportMessage(
    tx: TenantTx,
    conversationId: string,
    messageId: string,
    reporterId: string,
    reason: string,
    comment: string,
  ): Promise<boolean> {
    const added = await rows<{ messageId: string }>(
      tx,
      `INSERT INTO message_reports (tenant_id, message_id, reporter_id, reason, comment)
       SELECT m.tenant_id, m.id, $4, $5, $6 FROM messages m
       JOIN conversations cv ON cv.tenant_id = m.tenant_id AND cv.id = m.conversation_id
       WHERE m.tenant_id = $1 AND m.id = $3 AND m.conversation_id = $2 AND m.sender_id <> $4
         AND $4 IN (cv.author_id, cv.starter_id) AND m.status IN ('visible', 'held')
       ON CONFLICT (tenant_id, message_id, reporter_id) DO NOTHING RETURNING message_id AS "messageId"`,
      [tx.tenantId, conversationId, messageId, reporterId, reason, comment],
    );
    if (!added.length) return false;
    await execute(
      tx,
      `UPDATE messages SET status = 'held', held_at = coalesce(held_at, now()),
         hold_reasons = CASE WHEN 'reports' = ANY(hold_reasons) THEN hold_reasons ELSE hold_reasons || '{reports}' END
       WHERE tenant_id = $1 AND id = $2 AND status = 'visible'`,
      [tx.tenantId, messageId],
    );
    return true;
  }

  /** `blockerId` no longer receives messages from `blockedId`. */
  async block(tx: TenantTx, blockerId: string, blockedId: string): Promise<void> {
    await execute(
      tx,
      `INSERT INTO account_blocks (tenant_id, blocker_id, blocked_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [tx.tenantId, blockerId, blockedId],
    );
  }

  async unblock(tx: TenantTx, blockerId: string, blockedId: string): Promise<void> {
    await execute(tx, `DELETE FROM account_blocks WHERE tenant_id = $1 AND blocker_id = $2 AND blocked_id = $3`, [
      tx.tenantId,
      blockerId,
      blockedId,
    ]);
  }

  /** Whether `blockerId` blocked `blockedId` (by primary key). */
  async blocked(tx: TenantTx, blockerId: string, blockedId: string): Promise<boolean> {
    const found = await rows<{ one: number }>(
      tx,
      `SELECT 1 AS one FROM account_blocks WHERE tenant_id = $1 AND blocker_id = $2 AND blocked_id = $3`,
      [tx.tenantId, blockerId, blockedId],
    );
    return found.length > 0;
  }

  /** Returns false when this reporter already reported this listing. */
  async addReport(
    tx: TenantTx,
    listingId: string,
    reporterId: string,
    reason: string,
    comment: string,
  ): Promise<boolean> {
    const added = await rows<{ id: string }>(
      tx,
      `INSERT INTO listing_reports (tenant_id, listing_id, reporter_id, reason, comment) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, listing_id, reporter_id) DO NOTHING RETURNING id`,
      [tx.tenantId, listingId, reporterId, reason, comment],
    );
    return added.length > 0;
  }

  reportCount(tx: TenantTx, listingId: string): Promise<number> {
    return tx.countBy(ListingReport, { tenantId: tx.tenantId, listingId });
  }

  /** RGPD export: the messages the account wrote, and its reports. */
  async exportFor(tx: TenantTx, accountId: string): Promise<ConversationsExport> {
    const messages = await rows<ConversationsExport['messages'][number]>(
      tx,
      `SELECT m.conversation_id AS "conversationId", m.body, m.created_at AS "createdAt" FROM messages m WHERE ` +
        `m.tenant_id = $1 AND m.sender_id = $2 ORDER BY m.created_at`,
      [tx.tenantId, accountId],
    );
    const reports = await rows<ConversationsExport['reports'][number]>(
      tx,
      `SELECT listing_id AS "listingId", reason, comment, created_at AS "createdAt" FROM listing_reports WHERE ` +
        `tenant_id = $1 AND reporter_id = $2 ORDER BY created_at`,
      [tx.tenantId, accountId],
    );
    const messageReports = await rows<ConversationsExport['messageReports'][number]>(
      tx,
      `SELECT message_id AS "messageId", reason, comment, created_at AS "createdAt" FROM message_reports WHERE ` +
        `tenant_id = $1 AND reporter_id = $2 ORDER BY created_at`,
      [tx.tenantId, accountId],
    );
    const blocked = await rows<ConversationsExport['blocked'][number]>(
      tx,
      `SELECT a.display_name AS "displayName", b.created_at AS "createdAt" FROM account_blocks b JOIN accounts a ` +
        `ON a.tenant_id = b.tenant_id AND a.id = b.blocked_id WHERE b.tenant_id = $1 AND b.blocker_id = $2 ` +
        `ORDER BY b.created_at`,
      [tx.tenantId, accountId],
    );
    return { messages, reports, messageReports, blocked };
  }

  /** Dedupe keys of the e-mails that quoted an account to others: its messages, its listings' matches and thanks. */
  async mentionKeys(tx: TenantTx, accountId: string): Promise<{ keys: string[]; prefixes: string[] }> {
    const [r] = await rows<{ messages: string[]; listings: string[] }>(
      tx,
      `SELECT coalesce((SELECT array_agg('message:' || id) FROM messages WHERE tenant_id = $1 AND sender_id = $2),
        '{}') AS messages,
              coalesce((SELECT array_agg(id::text) FROM listings WHERE tenant_id = $1 AND author_id = $2), '{}') AS
                listings`,
      [tx.tenantId, accountId],
    );
    const listings = r.listings;
    return {
      keys: [...r.messages, ...listings.map((id) => `thanks:${id}`)],
      prefixes: listings.map((id) => `match:${id}:`),
    };
  }

  /** On erasure: the words they wrote are removed; the other side keeps the thread, without them. */
  async eraseFor(tx: TenantTx, accountId: string): Promise<void> {
    await execute(tx, `UPDATE messages SET body = '(message supprimé)' WHERE tenant_id = $1 AND sender_id = $2`, [
      tx.tenantId,
      accountId,
    ]);
    await execute(tx, `UPDATE listing_reports SET comment = '' WHERE tenant_id = $1 AND reporter_id = $2`, [
      tx.tenantId,
      accountId,
    ]);
    await execute(tx, `UPDATE message_reports SET comment = '' WHERE tenant_id = $1 AND reporter_id = $2`, [
      tx.tenantId,
      accountId,
    ]);
    await execute(tx, `DELETE FROM account_blocks WHERE tenant_id = $1 AND $2 IN (blocker_id, blocked_id)`, [
      tx.tenantId,
      accountId,
    ]);
  }
}
