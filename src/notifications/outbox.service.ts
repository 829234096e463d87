import { Injectable, Logger } from '@nestjs/common';
import { Tx } from '@libs/db';
import { JobQueue, JobRequest, PayloadOf } from '@libs/queue';
import { MAIL_BATCH, SendBulkEmails, SendEmail, SendEmails } from './mail.jobs';
import { isMailTemplate, MailTemplate, REQUIRED_DATA } from './mail-templates';
import { OutboxRepository } from './outbox.repository';

export type { MailTemplate } from './mail-templates';

export interface OutgoingEmail {
  /** The row's id when the caller must know it before writing (see NewOutboxRow.id). */
  id?: string;
  tenantId: string;
  to: string;
  template: MailTemplate;
  data: Record<string, unknown>;
  /** Unique per tenant: a second add with the same key is ignored (ON CONFLICT DO NOTHING). */
  dedupeKey: string;
  headers?: Record<string, string>;
}

/** How long a request may wait on Redis to queue its mail; past that the sweeper sends it. */
const DISPATCH_TIMEOUT_MS = 2_000;
const NO_LINE_BREAK = /^[^\r\n]*$/;

/**
 * The one way to send an e-mail: `add` writes it in the caller's transaction (so it exists
 * if and only if the change that caused it committed), then `dispatch` wakes a worker.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger(OutboxService.name);

  constructor(
    private readonly repo: OutboxRepository,
    private readonly queue: JobQueue,
  ) {}

  /**
   * Inserts the row inside the caller's tenant transaction `tx`; returns its id, or undefined when the dedupe key
   * already exists (ON CONFLICT DO NOTHING).
   */
  add(tx: Tx, email: OutgoingEmail): Promise<string | undefined> {
    assertSendable(email);
    return this.repo.insert(tx, email.tenantId, {
      recipient: email.to.trim(),
      template: email.template,
      data: email.data,
      headers: email.headers ?? {},
      dedupeKey: email.dedupeKey,
    });
  }

  /** In the caller's transaction: those of the rows that no worker has claimed yet will not be sent. */
  cancel(tx: Tx, tenantId: string, ids: string[], reason: string): Promise<number> {
    return this.repo.cancelPending(tx, tenantId, ids, reason);
  }

  /** `add` for a fan-out: one statement for all rows; returns the new rows' ids by dedupe key. */
  addMany(tx: Tx, tenantId: string, emails: OutgoingEmail[]): Promise<Map<string, string>> {
    emails.forEach(assertSendable);
    return this.repo.insertMany(
      tx,
      tenantId,
      emails.map((e) => ({
        id: e.id,
        recipient: e.to.trim(),
        template: e.template,
        data: e.data,
        headers: e.headers ?? {},
        dedupeKey: e.dedupeKey,
      })),
    );
  }

  /**
   * Called after the transaction committed: enqueues the rows' jobs. One row is one job
   * (jobId = row id, as the sweeper queues it); several are jobs of up to MAIL_BATCH rows, so
   * a fan-out costs a job per batch, not per e-mail. A Redis failure is logged, never thrown:
   * the sweeper catches up. `bulk` e-mails (a fan-out beyond its first few) go to the bulk
   * queue, which runs beside the mail queue with a few slots of its own: one big fan-out
   * does not delay the first e-mails of other publications or a resident's verification link.
   */
  async dispatch(
    tenantId: string,
    ids: Array<string | undefined>,
    opts: { bulk?: boolean; timeoutMs?: number } = {},
  ): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? DISPATCH_TIMEOUT_MS;
    const outboxIds = ids.filter((id): id is string => Boolean(id));
    if (!outboxIds.length) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queue.addBulk(mailJobs(tenantId, outboxIds, opts.bulk ?? false)),
        new Promise(
          (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
        ),
      ]);
    } catch (err) {
      this.logger.warn(
        `mail queued in the outbox only (tenant ${tenantId}, ${outboxIds.length} row(s)), the sweeper will send ` +
          `it: ${(err as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Deletes every outbox row, sent or not, addressed to `address` (account erasure). Call it before queuing a farewell
   * e-mail.
   */
  forgetRecipient(tx: Tx, tenantId: string, address: string): Promise<void> {
    return this.repo.forgetRecipient(tx, tenantId, address.trim());
  }

  /** On erasure: e-mails others received that quote the person (by dedupe key, or key prefix) keep nothing of them. */
  forgetMentions(tx: Tx, tenantId: string, keys: string[], keyPrefixes: string[] = []): Promise<void> {
    return this.repo.forgetMentions(tx, tenantId, keys, keyPrefixes);
  }
}

/** The jobs of a dispatch: a lone row keeps its own job; several go in batches, named by their first row. */
function mailJobs(
  tenantId: string,
  ids: string[],
  bulk: boolean,
): JobRequest<PayloadOf<typeof SendEmail | typeof SendEmails>>[] {
  if (ids.length === 1 && !bulk) return [{ job: SendEmail, payload: { tenantId, outboxId: ids[0] }, jobId: ids[0] }];
  const jobs: JobRequest<PayloadOf<typeof SendEmails>>[] = [];
  for (let i = 0; i < ids.length; i += MAIL_BATCH) {
    const outboxIds = ids.slice(i, i + MAIL_BATCH);
    jobs.push({
      job: bulk ? SendBulkEmails : SendEmails,
      payload: { tenantId, outboxIds },
      jobId: `batch-${outboxIds[0]}`,
    });
  }
  return jobs;
}

/** Programming errors, caught in the caller's transaction rather than as a broken e-mail later. */
function assertSendable(email: OutgoingEmail): void {
  if (!isMailTemplate(email.template)) throw new Error(`outbox: unknown mail template ${String(email.template)}`);
  const to = email.to?.trim() ?? '';
  if (!/^[^@\s]+@[^@\s]+$/.test(to)) throw new Error(`outbox: ${email.template} needs a recipient address`);
  if (!email.dedupeKey) throw new Error(`outbox: ${email.template} needs a dedupe key`);
  const missing = REQUIRED_DATA[email.template].filter(
    (k) => email.data?.[k] === undefined || email.data[k] === null || email.data[k] === '',
  );
  if (missing.length) throw new Error(`outbox: ${email.template} needs data.${missing.join(', data.')}`);
  for (const [name, value] of Object.entries(email.headers ?? {})) {
    if (!/^[A-Za-z0-9-]+$/.test(name) || !NO_LINE_BREAK.test(value))
      throw new Error(`outbox: header ${JSON.stringify(name)} is not a single header line`);
  }
}
