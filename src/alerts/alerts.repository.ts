import { Injectable } from '@nestjs/common';
import { execute, rows, TenantTx } from '@libs/db';
import type { AlertSource, NotificationTable } from './alert-source';

export interface NewNotification {
  recipientId: string;
  reason?: string;
  distanceM: number;
  delivery: 'immediate' | 'digest';
  /** An immediate notification's e-mail: the outbox row's id, chosen before either row is written. */
  outboxId?: string;
}

export interface PendingDigestRow {
  recipientId: string;
  email: string;
  displayName: string;
  itemId: string;
  distanceM: number;
}

export interface UndispatchedEvent {
  type: string;
  itemId: string;
  version: number;
}

/**
 * The alerts' tables, whatever the source: its notification table (named by the source, one
 * row per item and recipient: `<table>_recipient_day` serves the daily cap), the publications'
 * domain events, and the recipients' accounts (locks, unsubscribe). Each method's tenant is its
 * transaction's.
 */
@Injectable()
export class AlertsRepository {
  /**
   * Inserts what is new; the primary key (tenant, item, recipient) drops every repeat.
   * Immediate ones are written as mailed, with their e-mail's id: a fan-out writes each
   * notification once, not once then again. Returns the new recipients.
   */
  async insertNew(tx: TenantTx, t: NotificationTable, itemId: string, items: NewNotification[]): Promise<Set<string>> {
    if (!items.length) return new Set();
    const inserted = await rows<{ recipientId: string }>(
      tx,
      `INSERT INTO ${t.name} (tenant_id, ${t.itemColumn}, recipient_id, ${t.hasReason ? 'reason, ' : ''}distance_m,
        delivery, status, mailed_at, outbox_id)
       SELECT $1, $2, r, ${t.hasReason ? 'reason, ' : ''}d, delivery, CASE delivery WHEN 'immediate' THEN 'mailed'
         ELSE 'pending' END,
              CASE delivery WHEN 'immediate' THEN now() END, o
       FROM unnest($3::uuid[], $4::text[], $5::int[], $6::text[], $7::uuid[]) AS u(r, reason, d, delivery, o)
       ON CONFLICT (tenant_id, ${t.itemColumn}, recipient_id) DO NOTHING RETURNING recipient_id AS "recipientId"`,
      [
        tx.tenantId,
        itemId,
        items.map((i) => i.recipientId),
        items.map((i) => i.reason ?? null),
        items.map((i) => i.distanceM),
        items.map((i) => i.delivery),
        items.map((i) => i.outboxId ?? null),
      ],
    );
    return new Set(inserted.map((r) => r.recipientId));
  }

  /** Immediate notifications whose e-mail was not written (its dedupe key existed already): they name no outbox row. */
  async unlinkOutbox(tx: TenantTx, t: NotificationTable, itemId: string, recipientIds: string[]): Promise<void> {
    if (!recipientIds.length) return;
    await execute(
      tx,
      `UPDATE ${t.name} SET outbox_id = NULL WHERE tenant_id = $1 AND ${t.itemColumn} = $2 AND recipient_id = ` +
        `ANY($3::uuid[])`,
      [tx.tenantId, itemId, recipientIds],
    );
  }

  /**
   * Locks the recipients' account rows until the transaction ends (in id order: two jobs never
   * wait on each other in a cycle), so that two items matched at once count a shared
   * recipient's e-mails of the day one after the other and the daily cap holds.
   */
  async lockRecipients(tx: TenantTx, recipientIds: string[]): Promise<void> {
    await execute(
      tx,
      `SELECT 1 FROM accounts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
      [tx.tenantId, recipientIds],
    );
  }

  /**
   * How many immediate alert e-mails each recipient already had since `since` (the start of
   * their day), every source's table together: they share one daily cap. Counted recipient by
   * recipient through `<table>_recipient_day`: written with `recipient_id = ANY(…)`, a planner
   * that still thought the table small (no ANALYZE since a fan-out) used only the index's tenant
   * and date, and every small publication counted all of the day's notifications of its commune.
   */
  async immediateCountsSince(
    tx: TenantTx,
    tables: NotificationTable[],
    recipientIds: string[],
    since: Date,
  ): Promise<Map<string, number>> {
    const counts = tables.map(
      (t) =>
        `(SELECT count(*) FROM ${t.name} m WHERE m.tenant_id = $1 AND m.recipient_id = r.id AND m.delivery = ` +
        `'immediate' AND m.mailed_at >= $3 AND m.status = 'mailed')`,
    );
    const found = await rows<{ id: string; n: number }>(
      tx,
      `SELECT r.id, (${counts.join(' + ')})::int AS n FROM unnest($2::uuid[]) AS r (id)`,
      [tx.tenantId, recipientIds, since],
    );
    return new Map(found.filter((r) => r.n > 0).map((r) => [r.id, r.n]));
  }

  /**
   * Digest notifications waiting, by recipient then distance, for accounts that still take
   * e-mail; those whose item may no longer be announced (the source's `stillSendable`) are
   * marked skipped first.
   */
  async pendingDigest(tx: TenantTx, source: AlertSource): Promise<PendingDigestRow[]> {
    const { name, itemColumn } = source.table;
    await execute(
      tx,
      `UPDATE ${name} mn SET status = 'skipped'
       WHERE mn.tenant_id = $1 AND mn.delivery = 'digest' AND mn.status = 'pending'
         AND NOT (${source.stillSendable(`mn.${itemColumn}`)})`,
      [tx.tenantId],
    );
    return rows<PendingDigestRow>(
      tx,
      `SELECT mn.recipient_id AS "recipientId", a.email, a.display_name AS "displayName", mn.${itemColumn} AS
        "itemId", mn.distance_m AS "distanceM"
       FROM ${name} mn JOIN accounts a ON a.tenant_id = mn.tenant_id AND a.id = mn.recipient_id
       WHERE mn.tenant_id = $1 AND mn.delivery = 'digest' AND mn.status = 'pending'
         AND a.email IS NOT NULL AND a.deleted_at IS NULL AND a.unsubscribed_at IS NULL AND a.banned_at IS NULL
       ORDER BY mn.recipient_id, mn.distance_m`,
      [tx.tenantId],
    );
  }

  /** Each recipient's digest notifications of the listed items are mailed, by that recipient's digest e-mail. */
  async markDigestMailed(
    tx: TenantTx,
    t: NotificationTable,
    digests: Array<{ recipientId: string; itemIds: string[]; outboxId: string }>,
  ): Promise<void> {
    const pairs = digests.flatMap((d) => d.itemIds.map((itemId) => ({ ...d, itemId })));
    if (!pairs.length) return;
    await execute(
      tx,
      `UPDATE ${t.name} mn SET status = 'mailed', mailed_at = now(), outbox_id = u.o
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS u(r, i, o)
       WHERE mn.tenant_id = $1 AND mn.recipient_id = u.r AND mn.${t.itemColumn} = u.i AND mn.delivery = 'digest' AND
         mn.status = 'pending'`,
      [tx.tenantId, pairs.map((p) => p.recipientId), pairs.map((p) => p.itemId), pairs.map((p) => p.outboxId)],
    );
  }

  /** The e-mails of an item's immediate alerts (by the notifications' primary key). */
  async outboxIds(tx: TenantTx, t: NotificationTable, itemId: string): Promise<string[]> {
    const found = await rows<{ id: string }>(
      tx,
      `SELECT outbox_id AS id FROM ${t.name} WHERE tenant_id = $1 AND ${t.itemColumn} = $2 AND outbox_id IS NOT NULL`,
      [tx.tenantId, itemId],
    );
    return found.map((r) => r.id);
  }

  async unsubscribe(tx: TenantTx, accountId: string): Promise<boolean> {
    const done = await rows<{ id: string }>(
      tx,
      `UPDATE accounts SET unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now() WHERE tenant_id ` +
        `= $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
      [tx.tenantId, accountId],
    );
    return done.length > 0;
  }

  /** In the fan-out's last transaction: its publication's event (this version and older ones) is done. */
  async markDispatched(tx: TenantTx, eventType: string, itemId: string, version: number): Promise<void> {
    await execute(
      tx,
      `UPDATE domain_events SET dispatched_at = now()
       WHERE tenant_id = $1 AND type = $2 AND aggregate_id = $3 AND coalesce((payload->>'version')::int, 0) <= $4 AND
         dispatched_at IS NULL`,
      [tx.tenantId, eventType, itemId, version],
    );
  }

  /** Publications older than `graceSec` whose fan-out has not completed (domain_events_undispatched). */
  undispatched(tx: TenantTx, eventTypes: string[], graceSec: number): Promise<UndispatchedEvent[]> {
    return rows<UndispatchedEvent>(
      tx,
      `SELECT type, aggregate_id AS "itemId", coalesce((payload->>'version')::int, 0) AS version FROM domain_events
       WHERE tenant_id = $1 AND type = ANY($2::text[]) AND dispatched_at IS NULL AND created_at < now() -
         make_interval(secs => $3)
       ORDER BY created_at LIMIT 500`,
      [tx.tenantId, eventTypes, graceSec],
    );
  }
}
