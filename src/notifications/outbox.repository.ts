import { Injectable } from '@nestjs/common';
import { Database, execute, rows, Tx } from '@libs/db';
import { parseTenantId, TenantId } from '@libs/tenancy';
import { FORGET_RECIPIENT_AFTER_SEND } from './mail-templates';
import { SEND_IF, SendConditions } from './send-conditions';

export interface NewOutboxRow {
  /** Chosen by the caller when another row must name this one in the same transaction; else generated. */
  id?: string;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  headers: Record<string, string>;
  dedupeKey: string;
}

/** A row claimed for sending. */
export interface ClaimedEmail {
  id: string;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  headers: Record<string, string>;
  attempts: number;
}

export interface OutboxState {
  status: 'pending' | 'sending' | 'sent' | 'failed';
  dueInMs: number;
}

/**
 * The rows of tenant $1 whose ids are in $2, found by primary key and locked, as `found (tid,
 * status, next_attempt_at)`; the worker's batch updates then reach them by `ctid`. Written so
 * because a condition on status or due time in the same query lets the planner take the
 * partial `outbox_emails_due` index instead, and after a burst of new rows (a fan-out) its
 * statistics still say "few pending": each claim then walked every pending row of the tenant.
 * With `sendIf`, `found` also has `send_if`, the row's condition (SendConditions).
 *
 * Locks are taken in the order of $2, and the callers pass tenants and ids sorted
 * (`inLockOrder`), so two batch statements never wait on each other in a cycle. A claim also
 * skips the rows another transaction holds (`skipLocked`): such a row is being claimed or marked
 * elsewhere, and its caller learns so from the row's state. A claim once waited on a mark of the
 * same rows in the other order, PostgreSQL cancelled the mark as a deadlock, and e-mails already
 * accepted by SMTP stayed 'sending' until their lease ran out, then went twice.
 */
const lockById = (opts: { sendIf?: boolean; skipLocked?: boolean } = {}) => `found AS MATERIALIZED (
  SELECT x.*
  FROM unnest($2::uuid[]) AS want (id)
  CROSS JOIN LATERAL (
    SELECT ctid AS tid, status, next_attempt_at${opts.sendIf ? `, data ->> '${SEND_IF}' AS send_if` : ''}
    FROM outbox_emails WHERE tenant_id = $1::uuid AND id = want.id FOR NO KEY
      UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}
  ) x
)`;

/** Batches sorted by tenant, each one's items by id: the one order every batch statement locks rows in. */
function inLockOrder<B extends { tenantId: string }, T>(
  batches: B[],
  items: (b: B) => T[],
  id: (t: T) => string,
): Array<{ batch: B; index: number; items: T[] }> {
  return batches
    .map((batch, index) => ({
      batch,
      index,
      items: [...items(batch)].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0)),
    }))
    .sort((a, b) => (a.batch.tenantId < b.batch.tenantId ? -1 : a.batch.tenantId > b.batch.tenantId ? 1 : 0));
}

const UUID_TEXT = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;

/**
 * The SQL of `outbox_emails`. Writes that belong to a caller's change take its transaction;
 * the worker's steps each run in a short transaction of their own, never across an SMTP call.
 */
@Injectable()
export class OutboxRepository {
  constructor(
    private readonly db: Database,
    private readonly conditions: SendConditions,
  ) {}

  async insert(tx: Tx, tenantId: string, row: NewOutboxRow): Promise<string | undefined> {
    const inserted = await rows<{ id: string }>(
      tx,
      `INSERT INTO outbox_emails (tenant_id, recipient, template, data, headers, dedupe_key)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
       RETURNING id`,
      [tenantId, row.recipient, row.template, JSON.stringify(row.data), JSON.stringify(row.headers), row.dedupeKey],
    );
    return inserted[0]?.id;
  }

  /** Many rows in one statement (a fan-out); returns the id of each new row by dedupe key. */
  async insertMany(tx: Tx, tenantId: string, emails: NewOutboxRow[]): Promise<Map<string, string>> {
    if (!emails.length) return new Map();
    const inserted = await rows<{ id: string; dedupeKey: string }>(
      tx,
      `INSERT INTO outbox_emails (tenant_id, id, recipient, template, data, headers, dedupe_key)
       SELECT $1, coalesce(i, gen_random_uuid()), r, t, d::jsonb, h::jsonb, k
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[]) AS u(r, t, d, h, k, i)
       ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
       RETURNING id, dedupe_key AS "dedupeKey"`,
      [
        tenantId,
        emails.map((r) => r.recipient),
        emails.map((r) => r.template),
        emails.map((r) => JSON.stringify(r.data)),
        emails.map((r) => JSON.stringify(r.headers)),
        emails.map((r) => r.dedupeKey),
        emails.map((r) => r.id ?? null),
      ],
    );
    return new Map(inserted.map((r) => [r.dedupeKey, r.id]));
  }

  /**
   * Every row for the address goes, sent or not: after an account is erased no row holds its
   * address. No index serves it (migration 1732300011000 says why): it reads the tenant's rows once.
   */
  async forgetRecipient(tx: Tx, tenantId: string, address: string): Promise<void> {
    await execute(tx, 'DELETE FROM outbox_emails WHERE tenant_id = $1 AND lower(recipient) = lower($2)', [
      tenantId,
      address,
    ]);
  }

  /** Blanks e-mails about someone (their name, their words) sent to others; unsent ones are cancelled. */
  async forgetMentions(tx: Tx, tenantId: string, keys: string[], keyPrefixes: string[]): Promise<void> {
    if (!keys.length && !keyPrefixes.length) return;
    await execute(
      tx,
      `UPDATE outbox_emails SET data = '{}', status = CASE WHEN status IN ('pending', 'sending') THEN 'cancelled' ELSE
        status END
       WHERE tenant_id = $1 AND (dedupe_key = ANY ($2::text[]) OR dedupe_key LIKE ANY ($3::text[]))`,
      [tenantId, keys, keyPrefixes.map((p) => `${p.replace(/[\\%_]/g, '\\$&')}%`)],
    );
  }

  /**
   * pending → sending for batches of rows, one per tenant, in one transaction and round trip:
   * under the row locks the UPDATE takes, of two workers holding the same row the second finds
   * it no longer pending and gets nothing back. While 'sending', next_attempt_at is the end of
   * the lease. A due row whose send condition (`data.sendIf`, SendConditions: an alert whose
   * item is no longer public) no longer holds is cancelled instead, in the same statement: the
   * send-time check costs no round trip of its own. Answers the claimed rows of each batch.
   */
  async claim(batches: Array<{ tenantId: TenantId; ids: string[] }>, leaseMs: number): Promise<ClaimedEmail[][]> {
    const ordered = inLockOrder(
      batches,
      (b) => b.ids,
      (id) => id,
    );
    const results = await this.db.inTenants<ClaimedEmail>(
      ordered.map(({ batch: { tenantId }, items: ids }) => ({
        tenantId,
        name: `outbox_claim_${this.conditions.version}`,
        sql: `WITH ${lockById({ sendIf: true, skipLocked: true })}, refs AS MATERIALIZED (
                SELECT DISTINCT send_if, split_part(send_if, ':', 1) AS kind, split_part(send_if, ':', 2) AS id FROM
                  found WHERE send_if IS NOT NULL
              ), open AS MATERIALIZED (
                -- Once per item named in the batch (usually one), not once per row.
                SELECT r.send_if FROM (SELECT kind, send_if, CASE WHEN id ~ ${UUID_TEXT} THEN id::uuid END AS ref FROM
                  refs) r
                WHERE ${this.conditions.sql()}
              ), due AS MATERIALIZED (
                SELECT f.tid, f.send_if IS NULL OR f.send_if IN (SELECT send_if FROM open) AS sendable
                FROM found f WHERE f.status = 'pending' AND f.next_attempt_at <= now()
              ), cancelled AS (
                UPDATE outbox_emails o SET status = 'cancelled', last_error = split_part(o.data ->> '${SEND_IF}', ':',
                  1) || ' no longer to be announced', data = '{}', headers = '{}'
                WHERE o.ctid = ANY (ARRAY(SELECT tid FROM due WHERE NOT sendable))
              )
              UPDATE outbox_emails o
              SET status = 'sending', attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $3::int
                / 1000.0)
              WHERE o.ctid = ANY (ARRAY(SELECT tid FROM due WHERE sendable))
              RETURNING o.id, o.recipient, o.template, o.data, o.headers, o.attempts`,
        params: [tenantId, ids, leaseMs],
      })),
    );
    const byBatch: ClaimedEmail[][] = batches.map(() => []);
    ordered.forEach((o, i) => (byBatch[o.index] = results[i]));
    return byBatch;
  }

  async state(tenantId: TenantId, id: string): Promise<OutboxState | undefined> {
    const found = await this.db.withTenant(tenantId, (tx) =>
      rows<OutboxState>(
        tx,
        `SELECT status, GREATEST(0, ceil(extract(epoch FROM next_attempt_at - now()) * 1000))::int AS "dueInMs"
         FROM outbox_emails WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      ),
    );
    return found[0];
  }

  /**
   * Rows not yet claimed are cancelled (their links and names dropped); rows being sent or sent are left as they are.
   */
  async cancelPending(tx: Tx, tenantId: string, ids: string[], reason: string): Promise<number> {
    if (!ids.length) return 0;
    const cancelled = await rows<{ id: string }>(
      tx,
      `UPDATE outbox_emails SET status = 'cancelled', last_error = $3, data = '{}', headers = '{}'
       WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status = 'pending' RETURNING id`,
      [tenantId, ids, reason],
    );
    return cancelled.length;
  }

  /**
   * Final: data and headers (links with tokens, names) are dropped; see FORGET_RECIPIENT_AFTER_SEND. One transaction
   * for every tenant's batch.
   */
  async markSent(
    batches: Array<{ tenantId: TenantId; sent: Array<{ id: string; providerMessageId: string }> }>,
  ): Promise<void> {
    await this.db.inTenants(
      inLockOrder(
        batches,
        (b) => b.sent,
        (s) => s.id,
      ).map(({ batch: { tenantId }, items: sent }) => ({
        tenantId,
        name: 'outbox_mark_sent',
        sql: `WITH ${lockById()}
              UPDATE outbox_emails o
              SET status = 'sent', sent_at = now(), provider_message_id = v.message_id, data = '{}', headers = '{}',
                  recipient = CASE WHEN o.template = ANY($4::text[]) THEN '' ELSE o.recipient END
              FROM unnest($2::uuid[], $3::text[]) AS v (id, message_id)
              WHERE o.ctid = ANY (ARRAY(SELECT tid FROM found WHERE status = 'sending')) AND o.id = v.id`,
        params: [tenantId, sent.map((s) => s.id), sent.map((s) => s.providerMessageId), FORGET_RECIPIENT_AFTER_SEND],
      })),
    );
  }

  async markFailed(tenantId: TenantId, id: string, error: string): Promise<void> {
    await this.db.withTenant(tenantId, (tx) =>
      execute(
        tx,
        `UPDATE outbox_emails
         SET status = 'failed', last_error = $3, data = '{}', headers = '{}', recipient = CASE WHEN template = ANY($4)
           THEN '' ELSE recipient END
         WHERE tenant_id = $1 AND id = $2 AND status = 'sending'`,
        [tenantId, id, error.slice(0, 1000), FORGET_RECIPIENT_AFTER_SEND],
      ),
    );
  }

  async retryLater(tenantId: TenantId, id: string, delayMs: number, error: string): Promise<void> {
    await this.db.withTenant(tenantId, (tx) =>
      execute(
        tx,
        `UPDATE outbox_emails SET status = 'pending', next_attempt_at = now() + make_interval(secs => $3 / 1000.0),
          last_error = $4
         WHERE tenant_id = $1 AND id = $2 AND status = 'sending'`,
        [tenantId, id, delayMs, error.slice(0, 1000)],
      ),
    );
  }

  /** Platform-wide list the sweeper walks; `tenants` is readable without a tenant. */
  async tenantIds(): Promise<TenantId[]> {
    const tenants = await this.db.withoutTenant((tx) => rows<{ id: string }>(tx, 'SELECT id FROM tenants ORDER BY id'));
    return tenants.map((r) => parseTenantId(r.id));
  }

  /**
   * One tenant's sweep, served by outbox_emails_due: expired claims come back as pending (or
   * fail when out of attempts) and are returned at once; so are the pending rows due for more
   * than `graceMs`. A row due more recently most likely has its job on the way (a big fan-out's
   * rows wait their turn in batch jobs): queuing it again would only make a second job race the
   * first for it.
   */
  async sweep(
    tenantId: TenantId,
    maxAttempts: number,
    limit: number,
    graceMs: number,
  ): Promise<{ released: number; failed: number; due: string[] }> {
    return this.db.withTenant(tenantId, async (tx) => {
      const failed = await rows<{ id: string }>(
        tx,
        `UPDATE outbox_emails
         SET status = 'failed', last_error = 'lease expired after the last attempt', data = '{}', headers = '{}',
             recipient = CASE WHEN template = ANY($3) THEN '' ELSE recipient END
         WHERE tenant_id = $1 AND status = 'sending' AND next_attempt_at <= now() AND attempts >= $2 RETURNING id`,
        [tenantId, maxAttempts, FORGET_RECIPIENT_AFTER_SEND],
      );
      const released = await rows<{ id: string }>(
        tx,
        `UPDATE outbox_emails SET status = 'pending', next_attempt_at = now(), last_error =
          'lease expired: the worker stopped while sending'
         WHERE tenant_id = $1 AND status = 'sending' AND next_attempt_at <= now()
         RETURNING id`,
        [tenantId],
      );
      const due = await rows<{ id: string }>(
        tx,
        `SELECT id FROM outbox_emails
         WHERE tenant_id = $1 AND status = 'pending' AND next_attempt_at <= now() - make_interval(secs => $3::int /
           1000.0)
         ORDER BY next_attempt_at LIMIT $2`,
        [tenantId, limit, graceMs],
      );
      return {
        released: released.length,
        failed: failed.length,
        due: [...new Set([...released, ...due].map((r) => r.id))],
      };
    });
  }
}
