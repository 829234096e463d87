import { Inject, Injectable, Logger } from '@nestjs/common';
import { classifyFailure, MailRenderer, MailTransport, RenderedMail } from '../../libs/mail';
import { JobName, JobPayloads, OnJob, RetryLater } from '../../libs/queue';
import { TenantDirectory } from '../tenants/tenant-directory.service';
import { DeliveryPolicy } from './delivery-policy';
import { ClaimedEmail, OutboxRepository } from './outbox.repository';
import { byTenant, GroupCommit } from './group-commit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Data key of an outbox row that must not be sent once that listing stopped being public. */
export const SEND_IF_LISTING_PUBLIC = 'sendIfListingPublic';

/** How long a claim or a mark waits for others to share its transaction (see the batchers below). */
const CLAIM_LINGER_MS = 10;
const MARK_LINGER_MS = 20;

export type SendOutcome = 'sent' | 'failed' | 'skipped';

/**
 * Sends one outbox row: claim (pending → sending), render, send, mark sent. The claim makes
 * a job that runs twice send once. The row counts attempts; BullMQ only wakes us up.
 */
@Injectable()
export class MailProcessor {
  private readonly logger = new Logger(MailProcessor.name);
  // Claims and marks of concurrent jobs share transactions (group commit): a claim lingers a
  // few milliseconds for the jobs arriving meanwhile; a mark lingers longer, which costs
  // nothing: the e-mail has left, and the row, not the job, is the record (duplicate window).
  private readonly claims = new GroupCommit<{ tenantId: string; id: string }, ClaimedEmail | undefined>(
    async (items) => {
      const groups = [...byTenant(items)].map(([tenantId, group]) => ({ tenantId, ids: [...new Set(group.map((g) => g.id))] }));
      const claimed = await this.repo.claim(groups, this.policy.leaseMs);
      const rows = new Map(groups.flatMap((g, i) => claimed[i].map((row) => [`${g.tenantId}/${row.id}`, row] as const)));
      // A row claimed once is handed to one caller only, even if two jobs for it met in a batch.
      return items.map(({ tenantId, id }) => {
        const row = rows.get(`${tenantId}/${id}`);
        rows.delete(`${tenantId}/${id}`);
        return row;
      });
    },
    { lingerMs: CLAIM_LINGER_MS },
  );
  private readonly marks = new GroupCommit<{ tenantId: string; id: string; providerMessageId: string }, void>(
    async (items) => {
      await this.repo.markSent([...byTenant(items)].map(([tenantId, sent]) => ({ tenantId, sent })));
      return items.map(() => undefined);
    },
    { lingerMs: MARK_LINGER_MS },
  );
  // The send-time check of match e-mails, batched like the claims they follow.
  private readonly publicChecks = new GroupCommit<{ tenantId: string; listingId: string }, boolean>(async (items) => {
    const groups = [...byTenant(items)].map(([tenantId, group]) => ({ tenantId, listingIds: [...new Set(group.map((g) => g.listingId))] }));
    const found = await this.repo.publicListings(groups);
    const open = new Set(groups.flatMap((g, i) => [...found[i]].map((id) => `${g.tenantId}/${id}`)));
    return items.map((i) => open.has(`${i.tenantId}/${i.listingId}`));
  });

  constructor(
    private readonly repo: OutboxRepository,
    private readonly renderer: MailRenderer,
    @Inject(MailTransport) private readonly transport: MailTransport,
    private readonly directory: TenantDirectory,
    private readonly policy: DeliveryPolicy,
  ) {}

  @OnJob(JobName.SendEmail)
  async sendEmail({ tenantId, outboxId }: JobPayloads[JobName.SendEmail]): Promise<SendOutcome> {
    // A malformed id would fail the whole batch it joins.
    if (!UUID.test(tenantId) || !UUID.test(outboxId)) return 'skipped';
    const row = await this.claims.run({ tenantId, id: outboxId });
    if (!row) {
      const state = await this.repo.state(tenantId, outboxId);
      // Woken before the row's time (clocks of Redis clients and PostgreSQL differ a little): wait for it.
      if (state?.status === 'pending') throw new RetryLater(Math.max(state.dueInMs, 250), 'not due yet');
      return 'skipped';
    }

    // A match e-mail names a listing that must still be public when the e-mail leaves.
    const listingId = row.data[SEND_IF_LISTING_PUBLIC];
    if (typeof listingId === 'string' && !(UUID.test(listingId) && (await this.publicChecks.run({ tenantId, listingId })))) {
      await this.repo.markCancelled(tenantId, row.id, 'listing no longer public');
      return 'skipped';
    }

    const sender = this.sender(row);
    let mail: RenderedMail;
    try {
      mail = this.renderer.render(row.template, row.tenant.slug, { ...row.data, tenant: sender.context });
    } catch (err) {
      // A template that does not render will not render on retry either.
      await this.repo.markFailed(tenantId, row.id, `render: ${(err as Error).message}`);
      this.logger.error(`outbox ${row.id} (tenant ${row.tenant.slug}, ${row.template}) failed to render: ${(err as Error).message}`);
      return 'failed';
    }

    // Stable across retries: in the one duplicate window (sent, not yet marked) receivers can fold copies.
    const messageId = `<${row.id}@${sender.domain}>`;
    try {
      await this.transport.send({
        from: { name: row.tenant.siteName, address: `ne-pas-repondre@${sender.domain}` },
        to: row.recipient,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        headers: row.headers,
      });
    } catch (err) {
      return this.failed(tenantId, row, err);
    }
    await this.marks.run({ tenantId, id: row.id, providerMessageId: messageId });
    return 'sent';
  }

  private async failed(tenantId: string, row: ClaimedEmail, err: unknown): Promise<SendOutcome> {
    const reason = describe(err);
    const kind = classifyFailure(err);
    if (kind === 'permanent' || row.attempts >= this.policy.maxAttempts) {
      await this.repo.markFailed(tenantId, row.id, reason);
      this.logger.warn(`outbox ${row.id} (tenant ${row.tenant.slug}, ${row.template}) failed for good after ${row.attempts} attempt(s): ${reason}`);
      return 'failed';
    }
    const delayMs = this.policy.retryDelayMs(row.attempts);
    await this.repo.retryLater(tenantId, row.id, delayMs, reason);
    this.logger.log(`outbox ${row.id} (tenant ${row.tenant.slug}) attempt ${row.attempts} failed, retry in ${Math.round(delayMs / 1000)} s: ${reason}`);
    throw new RetryLater(delayMs, reason);
  }

  /** Who the mail is from and what templates know of the tenant. */
  private sender(row: ClaimedEmail) {
    const { slug, name, siteName, settings } = row.tenant;
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
