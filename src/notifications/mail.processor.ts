import { Inject, Injectable, Logger } from '@nestjs/common';
import { classifyFailure, MailRenderer, MailTransport, RenderedMail } from '@libs/mail';
import { BULK_YIELD_MS, ForegroundWork, JobQueue, OnJob, PayloadOf, RetryLater } from '@libs/queue';
import { isTenantId, TenantId } from '@libs/tenancy';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantRow, TenantsService } from '@src/tenants/tenants.service';
import { DeliveryPolicy } from './delivery-policy';
import { MAIL_IN_FLIGHT, SendBulkEmails, SendEmail, SendEmails } from './mail.jobs';
import { ClaimedEmail, OutboxRepository } from './outbox.repository';
import { byTenant, GroupCommit } from './group-commit';
import { Slots } from './slots';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How long a claim or a mark waits for others to share its transaction (see the batchers below). */
const CLAIM_LINGER_MS = 10;
const MARK_LINGER_MS = 20;

/** `retrying`: a row of a batch job that must wait was given a delayed job of its own. */
export type SendOutcome = 'sent' | 'failed' | 'skipped' | 'retrying';

/**
 * Sends outbox rows: claim (pending → sending), render, send, mark sent. The claim makes
 * a job that runs twice send once. The row counts attempts; BullMQ only wakes us up. A job
 * carries one row (`send-email`: a request's e-mail, the sweeper's re-queue, a retry) or a
 * batch of one tenant's rows (a fan-out), whose rows go side by side through the same steps.
 */
@Injectable()
export class MailProcessor {
  private readonly logger = new Logger(MailProcessor.name);
  /** E-mails of the mail queue claimed and not yet marked, whatever job carries them (MAIL_IN_FLIGHT). */
  private readonly slots = new Slots(MAIL_IN_FLIGHT.mail);
  // Claims and marks of concurrent jobs share transactions (group commit): a claim lingers a
  // few milliseconds for the jobs arriving meanwhile; a mark lingers longer, which costs
  // nothing: the e-mail has left, and the row, not the job, is the record (duplicate window).
  // The claim also cancels an alert whose item is no longer public (send-time check, SendConditions).
  private readonly claims = new GroupCommit<{ tenantId: TenantId; id: string }, ClaimedEmail | undefined>(
    async (items) => {
      const groups = [...byTenant(items)].map(([tenantId, group]) => ({
        tenantId,
        ids: [...new Set(group.map((g) => g.id))],
      }));
      const claimed = await this.repo.claim(groups, this.policy.leaseMs);
      const rows = new Map(
        groups.flatMap((g, i) => claimed[i].map((row) => [`${g.tenantId}/${row.id}`, row] as const)),
      );
      // A row claimed once is handed to one caller only, even if two jobs for it met in a batch.
      return items.map(({ tenantId, id }) => {
        const row = rows.get(`${tenantId}/${id}`);
        rows.delete(`${tenantId}/${id}`);
        return row;
      });
    },
    { lingerMs: CLAIM_LINGER_MS },
  );
  private readonly marks = new GroupCommit<{ tenantId: TenantId; id: string; providerMessageId: string }, void>(
    async (items) => {
      await this.repo.markSent([...byTenant(items)].map(([tenantId, sent]) => ({ tenantId, sent })));
      return items.map(() => undefined);
    },
    { lingerMs: MARK_LINGER_MS },
  );

  constructor(
    private readonly repo: OutboxRepository,
    private readonly renderer: MailRenderer,
    @Inject(MailTransport) private readonly transport: MailTransport,
    private readonly directory: TenantDirectory,
    private readonly tenants: TenantsService,
    private readonly policy: DeliveryPolicy,
    private readonly queue: JobQueue,
    private readonly foreground: ForegroundWork,
  ) {}

  @OnJob(SendEmail)
  async sendEmail({ tenantId, outboxId }: PayloadOf<typeof SendEmail>): Promise<SendOutcome> {
    // A malformed id would fail the whole batch it joins.
    if (!isTenantId(tenantId) || !UUID.test(outboxId)) return 'skipped';
    return this.slots.use(() => this.foreground.run(() => this.deliver(tenantId, outboxId)));
  }

  /** A small fan-out, or the first wave of a big one: its rows share the mail queue's in-flight limit. */
  @OnJob(SendEmails)
  sendEmails(payload: PayloadOf<typeof SendEmails>): Promise<Partial<Record<SendOutcome, number>>> {
    return this.sendBatch(payload, (task) => this.slots.use(() => this.foreground.run(task)));
  }

  /**
   * The rest of a big fan-out: bounded by the bulk queue's concurrency, each job's rows side by
   * side. Each row lets the process's foreground work (publications' matching, their first
   * e-mails, verification links) go first, for up to BULK_YIELD_MS.
   */
  @OnJob(SendBulkEmails)
  sendBulkEmails(payload: PayloadOf<typeof SendBulkEmails>): Promise<Partial<Record<SendOutcome, number>>> {
    return this.sendBatch(payload, async (task) => {
      await this.foreground.idle(BULK_YIELD_MS);
      return task();
    });
  }

  /**
   * Every row of the batch through `deliver`, side by side (their claims and marks share
   * transactions). A row that must wait gets a delayed job of its own. An unexpected error
   * fails the job once every row has settled; BullMQ's retry then skips the rows already sent.
   */
  private async sendBatch(
    { tenantId, outboxIds }: { tenantId: string; outboxIds: string[] },
    run: (task: () => Promise<SendOutcome>) => Promise<SendOutcome>,
  ): Promise<Partial<Record<SendOutcome, number>>> {
    const ids = Array.isArray(outboxIds)
      ? [...new Set(outboxIds.filter((id) => typeof id === 'string' && UUID.test(id)))]
      : [];
    if (!isTenantId(tenantId) || !ids.length) return {};
    const results = await Promise.allSettled(ids.map((id) => run(() => this.deliverInBatch(tenantId, id))));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const tally: Partial<Record<SendOutcome, number>> = {};
    for (const r of results) if (r.status === 'fulfilled') tally[r.value] = (tally[r.value] ?? 0) + 1;
    return tally;
  }

  private async deliverInBatch(tenantId: TenantId, id: string): Promise<SendOutcome> {
    try {
      return await this.deliver(tenantId, id);
    } catch (err) {
      if (!(err instanceof RetryLater)) throw err;
      // The row is pending with its next attempt time; if Redis is away the sweeper finds it.
      await this.queue
        .add({ job: SendEmail, payload: { tenantId, outboxId: id }, jobId: id, delayMs: err.delayMs })
        .catch((e: Error) =>
          this.logger.warn(`outbox ${id}: retry left to the sweeper, the queue refused it: ${e.message}`),
        );
      return 'retrying';
    }
  }

  /** One row, start to end. Throws RetryLater when the row must wait (not due yet, SMTP refused for now). */
  private async deliver(tenantId: TenantId, outboxId: string): Promise<SendOutcome> {
    const row = await this.claims.run({ tenantId, id: outboxId });
    if (!row) {
      const state = await this.repo.state(tenantId, outboxId);
      // Woken before the row's time (clocks of Redis clients and PostgreSQL differ a little): wait for it.
      if (state?.status === 'pending') throw new RetryLater(Math.max(state.dueInMs, 250), 'not due yet');
      return 'skipped';
    }

    const tenant = await this.tenants.get({ id: tenantId });
    const sender = this.sender(tenant);
    let mail: RenderedMail;
    try {
      mail = this.renderer.render(row.template, tenant.slug, { ...row.data, tenant: sender.context });
    } catch (err) {
      // A template that does not render will not render on retry either.
      await this.repo.markFailed(tenantId, row.id, `render: ${(err as Error).message}`);
      this.logger.error(
        `outbox ${row.id} (tenant ${tenant.slug}, ${row.template}) failed to render: ${(err as Error).message}`,
      );
      return 'failed';
    }

    // Stable across retries: in the one duplicate window (sent, not yet marked) receivers can fold copies.
    const messageId = `<${row.id}@${sender.domain}>`;
    try {
      await this.transport.send({
        from: { name: tenant.siteName, address: `ne-pas-repondre@${sender.domain}` },
        to: row.recipient,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        // Every e-mail of the site is sent by a program (RFC 3834): auto-responders stay silent.
        headers: { ...row.headers, 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      return this.failed(tenantId, tenant.slug, row, err);
    }
    await this.marks.run({ tenantId, id: row.id, providerMessageId: messageId });
    return 'sent';
  }

  private async failed(tenantId: TenantId, slug: string, row: ClaimedEmail, err: unknown): Promise<SendOutcome> {
    const reason = describe(err);
    const kind = classifyFailure(err);
    if (kind === 'permanent' || row.attempts >= this.policy.maxAttempts) {
      await this.repo.markFailed(tenantId, row.id, reason);
      this.logger.warn(
        `outbox ${row.id} (tenant ${slug}, ${row.template}) failed for good after ${row.attempts} attempt(s): ` +
          `${reason}`,
      );
      return 'failed';
    }
    const delayMs = this.policy.retryDelayMs(row.attempts);
    await this.repo.retryLater(tenantId, row.id, delayMs, reason);
    this.logger.log(
      `outbox ${row.id} (tenant ${slug}) attempt ${row.attempts} failed, retry in ${Math.round(delayMs / 1000)} ` +
        `s: ${reason}`,
    );
    throw new RetryLater(delayMs, reason);
  }

  /** Who the mail is from and what templates know of the tenant. */
  private sender(tenant: TenantRow) {
    const { slug, name, siteName, settings } = tenant;
    const ref = this.directory.bySlugOrUndefined(slug);
    // The first host is the primary domain (the directory orders them so).
    const domain = ref?.hosts[0] ?? `${slug}.localhost`;
    return {
      domain,
      context: {
        slug,
        name,
        siteName,
        origin: ref ? this.directory.origin(slug) : `https://${domain}`,
        theme: settings.theme,
        contact: settings.contact,
      },
    };
  }
}

/** An SMTP reply or network error, without anything that could be a secret. */
function describe(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const head = [e?.code, e?.responseCode].filter(Boolean).join(' ');
  return `${head ? `${head}: ` : ''}${(e?.response ?? e?.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 500)}`;
}
