import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { parisDayAndHour, startOfParisDay } from '@libs/calendar';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Database, TenantTx } from '@libs/db';
import { BULK_YIELD_MS, ForegroundWork, JobQueue } from '@libs/queue';
import type { TenantId, TenantRef } from '@libs/tenancy';
import { OutboxService } from '@src/notifications/outbox.service';
import { SEND_IF } from '@src/notifications/send-conditions';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { AlertPolicy, alertPolicy } from './alert-policy';
import type { AlertCandidate, AlertItem, AlertSource } from './alert-source';
import { AlertSources } from './alert-sources';
import { alertJobId, MatchAlert } from './alerts.jobs';
import { AlertsRepository, NewNotification, PendingDigestRow } from './alerts.repository';
import { alertLinks, verifyUnsubscribeToken } from './unsubscribe-token';

/** E-mails of a fan-out written and queued first, at normal priority (nearest first); the rest are bulk. */
const FIRST_WAVE = 50;
/** Recipients written per transaction after the first wave (each chunk queued once committed). */
const WRITE_CHUNK = 500;
/** Digest e-mails written per transaction (each chunk queued as bulk mail once committed). */
const DIGEST_CHUNK = 200;

export interface FanOutResult {
  found: number;
  mailed: number;
  digest: number;
}

/** One fan-out's constants, shared by its chunks. */
interface FanOut {
  source: AlertSource;
  item: AlertItem;
  policy: AlertPolicy;
  now: Date;
  origin: string;
}

type Finish = (tx: TenantTx) => Promise<void>;

/**
 * Who hears about a published item, and when, whatever its source (alert-source.ts). Each
 * recipient gets one notification per item, ever (the source's notification table); immediate
 * e-mails stop at the tenant's daily cap per recipient, every source together, and the rest
 * wait for the daily digest.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly db: Database,
    private readonly repo: AlertsRepository,
    private readonly sources: AlertSources,
    private readonly outbox: OutboxService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    private readonly queue: JobQueue,
    private readonly foreground: ForegroundWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * After the publication committed: queue the items' fan-outs (a failure is left to the sweep: the events stay
   * undispatched).
   */
  async announce(kind: string, tenantId: TenantId, items: Array<{ id: string; version?: number }>): Promise<void> {
    this.sources.get(kind);
    if (!items.length) return;
    await this.queue.addBulk(
      items.map(({ id, version = 0 }) => ({
        job: MatchAlert,
        payload: { tenantId, kind, itemId: id, version },
        jobId: alertJobId(kind, id, version),
      })),
    );
  }

  /**
   * Runs the fan-out of one publication; safe to run twice, or to resume after a crash (what
   * is done is skipped: one notification per recipient and item, one e-mail per dedupe key).
   * The recipients are found once, then written and queued in chunks, nearest first, each in
   * its own transaction: the first e-mails leave while the rest of a big fan-out is written.
   * The first chunk is written in the transaction that finds the recipients, and the
   * publication's event is marked done in the transaction of the last write (or of the read,
   * when there is nothing to write): a small publication's fan-out is one transaction and one
   * commit, and until it commits the sweep queues the job again.
   */
  async fanOut(
    kind: string,
    tenantId: TenantId,
    itemId: string,
    opts: { version?: number; now?: Date } = {},
  ): Promise<FanOutResult> {
    const source = this.sources.get(kind);
    const finish: Finish = (tx) => this.repo.markDispatched(tx, source.publishedEvent, itemId, opts.version ?? 0);
    const tenant = this.tenantRef(tenantId);
    const policy = alertPolicy((await this.tenants.get(tenant)).settings);
    const origin = this.directory.origin(tenant.slug);
    const now = opts.now ?? new Date();
    // Finding the recipients and the nearest ones' e-mails are what the author waits for: foreground
    // work, which bulk sending lets go first (ForegroundWork); the rest of a big fan-out is not.
    const first = await this.foreground.run(async () => {
      const found = await this.findAndWriteFirst(tenantId, source, itemId, { policy, now, origin }, finish);
      if (found) await this.outbox.dispatch(tenantId, found.part.ids);
      return found;
    });
    if (!first) return { found: 0, mailed: 0, digest: 0 };
    const { candidates, fanOut } = first;
    const totals = { found: first.part.found, mailed: first.part.ids.length, digest: first.part.digest };
    for (let start = FIRST_WAVE; start < candidates.length; start += WRITE_CHUNK) {
      const last = start + WRITE_CHUNK >= candidates.length;
      // The rest of a big fan-out is bulk work: other publications' fan-outs and first e-mails go first.
      await this.foreground.idle(BULK_YIELD_MS);
      const part = await this.db.withTenant(tenantId, async (tx) => {
        // An item withdrawn meanwhile stops the fan-out; its queued e-mails are cancelled at send time.
        if (!(await source.find(tx, [itemId])).length) {
          await finish(tx);
          return undefined;
        }
        const written = await this.writeChunk(tx, fanOut, candidates.slice(start, start + WRITE_CHUNK));
        if (last) await finish(tx);
        return written;
      });
      if (!part) break;
      await this.outbox.dispatch(tenantId, part.ids, { bulk: true, timeoutMs: 10_000 });
      totals.found += part.found;
      totals.mailed += part.ids.length;
      totals.digest += part.digest;
    }
    return totals;
  }

  /** The recipients, nearest first, and the first wave written, in one transaction (see fanOut). */
  private findAndWriteFirst(
    tenantId: TenantId,
    source: AlertSource,
    itemId: string,
    f: Omit<FanOut, 'source' | 'item'>,
    finish: Finish,
  ) {
    return this.db.withTenant(
      tenantId,
      async (tx) => {
        const [item] = await source.find(tx, [itemId]);
        if (!item) {
          await finish(tx);
          return undefined;
        }
        const candidates = await source.recipients(tx, item, f.policy.cap);
        await source.alsoOnFanOut?.(tx, item);
        const fanOut: FanOut = { ...f, source, item };
        // The nearest neighbours first, at normal priority; the rest of a big fan-out as bulk mail.
        const part = await this.writeChunk(tx, fanOut, candidates.slice(0, FIRST_WAVE));
        if (candidates.length <= FIRST_WAVE) await finish(tx);
        return { candidates, fanOut, part };
      },
      // A candidates query is costed above PostgreSQL's JIT threshold, and compiling it costs
      // more than running it: without JIT a small fan-out takes milliseconds, not 100 ms.
      { jit: false },
    );
  }

  /**
   * Notifications and e-mails of one chunk of recipients, in the caller's transaction; answers the outbox ids to queue
   * once it commits.
   */
  private async writeChunk(
    tx: TenantTx,
    f: FanOut,
    chunk: AlertCandidate[],
  ): Promise<{ ids: string[]; found: number; digest: number }> {
    if (!chunk.length) return { ids: [], found: 0, digest: 0 };
    const { source, item, policy } = f;
    const recipientIds = chunk.map((c) => c.recipientId);
    await this.repo.lockRecipients(tx, recipientIds);
    // Counted after the locks, by a statement of its own: it sees what concurrent fan-outs committed meanwhile.
    const counts = await this.repo.immediateCountsSince(
      tx,
      this.sources.all().map((s) => s.table),
      recipientIds,
      startOfParisDay(f.now),
    );
    const plan = new Map<string, NewNotification>();
    for (const c of chunk) {
      const immediate = c.notifyMode !== 'daily' && (counts.get(c.recipientId) ?? 0) < policy.dailyCap;
      plan.set(c.recipientId, {
        recipientId: c.recipientId,
        reason: c.reason,
        distanceM: c.distanceM,
        ...(immediate ? { delivery: 'immediate', outboxId: randomUUID() } : { delivery: 'digest' }),
      });
    }
    const fresh = await this.repo.insertNew(tx, source.table, item.id, [...plan.values()]);
    const toMail = chunk.flatMap((c) => {
      const outboxId = fresh.has(c.recipientId) ? plan.get(c.recipientId)?.outboxId : undefined;
      return outboxId ? [{ c, outboxId }] : [];
    });
    // One statement for the chunk's e-mails, under the ids their notifications already name.
    const outboxIds = await this.outbox.addMany(
      tx,
      tx.tenantId,
      toMail.map(({ c, outboxId }) => {
        const { headers, ...links } = this.alertLinks(f.origin, tx.tenantId, c.recipientId);
        return {
          id: outboxId,
          tenantId: tx.tenantId,
          to: c.email,
          template: source.templates.alert,
          data: { ...source.alertData(item, c, f.origin), ...links, [SEND_IF]: `${source.kind}:${item.id}` },
          dedupeKey: `${source.keys.alert}:${item.id}:${c.recipientId}`,
          headers,
        };
      }),
    );
    const written = new Set(outboxIds.values());
    await this.repo.unlinkOutbox(
      tx,
      source.table,
      item.id,
      toMail.filter((m) => !written.has(m.outboxId)).map((m) => m.c.recipientId),
    );
    const digest = [...plan.values()].filter((p) => fresh.has(p.recipientId) && p.delivery === 'digest').length;
    return { ids: toMail.map((m) => m.outboxId).filter((id) => written.has(id)), found: fresh.size, digest };
  }

  /**
   * Once a Paris day, at or after the tenant's digest hour: one e-mail per resident with the
   * source's items waiting for their digest. The outbox's dedupe key (recipient, day) makes it
   * once; what is found after that day's e-mail waits for the next day's. A digest run is bulk
   * work: the e-mails are written DIGEST_CHUNK recipients per transaction, each chunk after the
   * process's foreground work (requests, publications) has gone first, and sent by the bulk
   * queue. Answers the e-mails written.
   */
  async sendDigest(kind: string, tenantId: TenantId, now = new Date()): Promise<number> {
    const source = this.sources.get(kind);
    const tenant = this.tenantRef(tenantId);
    if (source.enabled && !(await source.enabled(tenant))) return 0;
    const { digestHour } = alertPolicy((await this.tenants.get(tenant)).settings);
    const { day, hour } = parisDayAndHour(now);
    if (hour < digestHour) return 0;
    const origin = this.directory.origin(tenant.slug);
    const { items, byRecipient } = await this.db.withTenant(tenantId, async (tx) => {
      const pending = await this.repo.pendingDigest(tx, source);
      const found = pending.length ? await source.find(tx, [...new Set(pending.map((p) => p.itemId))]) : [];
      const items = new Map(found.map((i) => [i.id, i]));
      const byRecipient = new Map<string, PendingDigestRow[]>();
      for (const p of pending)
        if (items.has(p.itemId)) byRecipient.set(p.recipientId, [...(byRecipient.get(p.recipientId) ?? []), p]);
      return { items, byRecipient };
    });
    const recipients = [...byRecipient.values()];
    let written = 0;
    for (let start = 0; start < recipients.length; start += DIGEST_CHUNK) {
      await this.foreground.idle(BULK_YIELD_MS);
      const chunk = recipients.slice(start, start + DIGEST_CHUNK);
      const ids = await this.db.withTenant(tenantId, async (tx) => {
        const mails = chunk.map((list) => {
          const recipientId = list[0].recipientId;
          const { headers, ...links } = this.alertLinks(origin, tenantId, recipientId);
          return {
            recipientId,
            itemIds: list.map((p) => p.itemId),
            email: {
              id: randomUUID(),
              tenantId,
              to: list[0].email,
              template: source.templates.digest,
              data: {
                displayName: list[0].displayName,
                day,
                count: list.length,
                items: list.flatMap((p) => {
                  const item = items.get(p.itemId);
                  return item ? [source.digestLine(item, p.distanceM, origin)] : [];
                }),
                ...links,
              },
              dedupeKey: `${source.keys.digest}:${recipientId}:${day}`,
              headers,
            },
          };
        });
        // A recipient whose digest of the day exists already (a run elsewhere) keeps their notifications pending.
        const fresh = new Set(
          (
            await this.outbox.addMany(
              tx,
              tenantId,
              mails.map((m) => m.email),
            )
          ).values(),
        );
        const mailed = mails.filter((m) => fresh.has(m.email.id));
        await this.repo.markDigestMailed(
          tx,
          source.table,
          mailed.map((m) => ({ recipientId: m.recipientId, itemIds: m.itemIds, outboxId: m.email.id })),
        );
        return mailed.map((m) => m.email.id);
      });
      await this.outbox.dispatch(tenantId, ids, { bulk: true, timeoutMs: 10_000 });
      written += ids.length;
    }
    return written;
  }

  /** Every source's digests of every tenant (each knows whether its hour has come). */
  async sendDueDigests(now = new Date()): Promise<number> {
    let written = 0;
    for (const t of this.directory.all())
      for (const s of this.sources.all()) written += await this.sendDigest(s.kind, t.id, now);
    if (written) this.logger.log(`daily digests: ${written} e-mail(s) written`);
    return written;
  }

  /**
   * Re-queues the fan-outs of publications older than `graceMs` that have not completed (Redis away at publication,
   * flushed, a worker killed).
   */
  async requeueUndispatched(graceMs = 15_000): Promise<number> {
    const types = this.sources.all().map((s) => s.publishedEvent);
    let requeued = 0;
    for (const t of this.directory.all()) {
      const due = await this.db.withTenant(t.id, (tx) => this.repo.undispatched(tx, types, graceMs / 1000));
      for (const source of this.sources.all()) {
        const mine = due
          .filter((d) => d.type === source.publishedEvent)
          .map((d) => ({ id: d.itemId, version: d.version }));
        await this.announce(source.kind, t.id, mine);
      }
      requeued += due.length;
    }
    if (requeued) this.logger.log(`alerts sweep: ${requeued} publication(s) queued again`);
    return requeued;
  }

  /** In the caller's transaction: an item's alert e-mails not yet claimed will not leave (a mission closed). */
  async cancelPending(tx: TenantTx, kind: string, itemId: string, reason: string): Promise<void> {
    await this.outbox.cancel(
      tx,
      tx.tenantId,
      await this.repo.outboxIds(tx, this.sources.get(kind).table, itemId),
      reason,
    );
  }

  /** One-click unsubscribe from every alert: idempotent; false for a forged or foreign token. */
  async unsubscribe(tenant: TenantRef, token: string): Promise<boolean> {
    const accountId = verifyUnsubscribeToken(this.config.sessionSecret, tenant.id, token);
    if (!accountId) return false;
    return this.db.withTenant(tenant.id, (tx) => this.repo.unsubscribe(tx, accountId));
  }

  tokenValid(tenant: TenantRef, token: string): boolean {
    return verifyUnsubscribeToken(this.config.sessionSecret, tenant.id, token) !== undefined;
  }

  private alertLinks(origin: string, tenantId: string, accountId: string) {
    return alertLinks(this.config.sessionSecret, origin, tenantId, accountId);
  }

  private tenantRef(tenantId: TenantId): TenantRef {
    const t = this.directory.all().find((x) => x.id === tenantId);
    if (!t) throw new Error(`unknown tenant ${tenantId}`);
    return { id: t.id, slug: t.slug };
  }
}
