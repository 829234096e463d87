import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../libs/config';
import { Database, Tx } from '../../libs/db';
import { BULK_YIELD_MS, ForegroundWork } from '../../libs/queue';
import type { TenantRef } from '../../libs/tenancy';
import { ListingRecord, ListingsRepository } from '../listings/listings.repository';
import { StaffInboxRepository } from '../listings/staff-inbox.repository';
import { SEND_IF_LISTING_PUBLIC } from '../notifications/mail.processor';
import { OutboxService } from '../notifications/outbox.service';
import { TenantDirectory } from '../tenants/tenant-directory.service';
import { TenantsService } from '../tenants/tenants.service';
import { MatchingRepository, NewNotification } from './matching.repository';
import { distanceLabel } from './distance-label';
import { findMatches, MatchCandidate } from './matching.sql';
import { findRelayedMatches } from './relayed-matches.sql';
import { parisDayAndHour, startOfParisDay } from './paris-time';
import { alertLinks, verifyUnsubscribeToken } from './unsubscribe-token';

/** E-mails of a fan-out written and queued first, at normal priority (nearest first); the rest are bulk. */
const FIRST_WAVE = 50;
/** Recipients written per transaction after the first wave (each chunk queued once committed). */
const WRITE_CHUNK = 500;
const KIND_LABEL = { offer: 'propose son aide', request: "demande de l'aide" } as const;
/** One fan-out's constants, shared by its chunks. */
interface FanOut {
  tenantId: string;
  listingId: string;
  settings: { cap: number; dailyCap: number };
  now: Date;
  mail: { common: Record<string, unknown>; origin: string; mode: string };
}

/**
 * Who hears about a listing, and when. Each recipient gets one notification per listing,
 * ever (match_notifications' primary key); immediate e-mails stop at the tenant's daily cap
 * per recipient and the rest wait for the daily digest.
 */
@Injectable()
export class MatchingService {
  constructor(
    private readonly db: Database,
    private readonly repo: MatchingRepository,
    private readonly listings: ListingsRepository,
    private readonly inbox: StaffInboxRepository,
    private readonly outbox: OutboxService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly foreground: ForegroundWork,
  ) {}

  /**
   * Runs the matching of one publication; safe to run twice, or to resume after a crash (what
   * is done is skipped: one notification per recipient and listing, one e-mail per dedupe key).
   * The recipients are found once, then written and queued in chunks, nearest first, each in
   * its own transaction: the first e-mails leave while the rest of a big fan-out is written.
   * The first chunk is written in the transaction that finds the recipients, and `finish` runs
   * in the transaction of the last write (or of the read, when there is nothing to write): a
   * small publication's matching is one transaction and one commit.
   */
  async matchListing(
    tenantId: string,
    listingId: string,
    now = new Date(),
    finish: (tx: Tx) => Promise<void> = async () => undefined,
  ): Promise<{ found: number; mailed: number; digest: number }> {
    const tenant = this.tenantRef(tenantId);
    const settings = (await this.tenants.get(tenant)).settings.matching ?? { cap: 50, dailyCap: 5, digestHour: 18 };
    const origin = this.directory.origin(tenant.slug);
    // Finding the recipients and the nearest ones' e-mails are what the author waits for: foreground
    // work, which bulk sending lets go first (ForegroundWork); the rest of a big fan-out is not.
    const first = await this.foreground.run(async () => {
      const found = await this.findAndWriteFirst({ tenantId, listingId, settings, now, origin }, finish);
      if (found) await this.outbox.dispatch(tenantId, found.part.ids);
      return found;
    });
    if (!first) return { found: 0, mailed: 0, digest: 0 };
    const { candidates, fanOut } = first;
    const totals = { found: first.part.found, mailed: first.part.ids.length, digest: first.part.digest };
    for (let start = FIRST_WAVE; start < candidates.length; start += WRITE_CHUNK) {
      const last = start + WRITE_CHUNK >= candidates.length;
      // The rest of a big fan-out is bulk work: other publications' matching and first e-mails go first.
      await this.foreground.idle(BULK_YIELD_MS);
      const part = await this.db.withTenant(tenantId, async (tx) => {
        // A listing closed meanwhile stops the fan-out; its queued e-mails are cancelled at send time.
        if ((await this.listings.find(tx, tenantId, listingId))?.status !== 'published') {
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

  /** The recipients, nearest first, and the first wave written, in one transaction (see matchListing). */
  private findAndWriteFirst(
    f: Omit<FanOut, 'mail'> & { origin: string },
    finish: (tx: Tx) => Promise<void>,
  ): Promise<{ candidates: MatchCandidate[]; fanOut: FanOut; part: { ids: string[]; found: number; digest: number } } | undefined> {
    const { tenantId, listingId } = f;
    return this.db.withTenant(
      tenantId,
      async (tx) => {
        const listing = await this.listings.find(tx, tenantId, listingId);
        if (!listing || listing.status !== 'published') {
          await finish(tx);
          return undefined;
        }
        const candidates = await findMatches(tx, tenantId, listingId, f.settings.cap);
        await this.recordRelayedMatches(tx, tenantId, listingId);
        const fanOut: FanOut = { tenantId, listingId, settings: f.settings, now: f.now, mail: this.mailData(listing, f.origin) };
        // The nearest neighbours first, at normal priority; the rest of a big fan-out as bulk mail.
        const part = await this.writeChunk(tx, fanOut, candidates.slice(0, FIRST_WAVE));
        if (candidates.length <= FIRST_WAVE) await finish(tx);
        return { candidates, fanOut, part };
      },
      // The matching query is costed above PostgreSQL's JIT threshold, and compiling it costs
      // more than running it: without JIT a small fan-out takes milliseconds, not 100 ms.
      { jit: false },
    );
  }

  /** Notifications and e-mails of one chunk of recipients, in the caller's transaction; answers the outbox ids to queue once it commits. */
  private async writeChunk(tx: Tx, f: FanOut, chunk: MatchCandidate[]): Promise<{ ids: string[]; found: number; digest: number }> {
    if (!chunk.length) return { ids: [], found: 0, digest: 0 };
    const { tenantId, listingId, settings } = f;
    await this.repo.lockRecipients(tx, tenantId, chunk.map((c) => c.recipientId));
    // Counted after the locks, by a statement of its own: it sees what concurrent matchings committed meanwhile.
    const counts = await this.repo.immediateCountsSince(tx, tenantId, chunk.map((c) => c.recipientId), startOfParisDay(f.now));
    const plan = new Map<string, NewNotification>();
    for (const c of chunk) {
      const used = counts.get(c.recipientId) ?? 0;
      const immediate = c.notifyMode !== 'daily' && used < settings.dailyCap;
      plan.set(c.recipientId, {
        recipientId: c.recipientId,
        reason: c.reason,
        distanceM: c.distanceM,
        ...(immediate ? { delivery: 'immediate', outboxId: randomUUID() } : { delivery: 'digest' }),
      });
    }
    const fresh = await this.repo.insertNew(tx, tenantId, listingId, [...plan.values()]);
    // The new immediate notifications, nearest first, each with the id its e-mail is to take.
    const toMail = chunk.flatMap((c) => {
      const outboxId = fresh.has(c.recipientId) ? plan.get(c.recipientId)!.outboxId : undefined;
      return outboxId ? [{ c, outboxId }] : [];
    });
    // One statement for the chunk's e-mails, under the ids their notifications already name.
    const outboxIds = await this.outbox.addMany(
      tx,
      tenantId,
      toMail.map(({ c, outboxId }) => {
        const { headers, ...links } = this.alertLinks(f.mail.origin, tenantId, c.recipientId);
        return {
          id: outboxId,
          tenantId,
          to: c.email,
          template: 'listing-match' as const,
          data: { ...f.mail.common, ...links, displayName: c.displayName, distance: distanceLabel(c.distanceM, f.mail.mode), reason: c.reason },
          dedupeKey: `match:${listingId}:${c.recipientId}`,
          headers,
        };
      }),
    );
    const written = new Set(outboxIds.values());
    await this.repo.unlinkOutbox(tx, tenantId, listingId, toMail.filter((m) => !written.has(m.outboxId)).map((m) => m.c.recipientId));
    const digest = [...plan.values()].filter((p) => fresh.has(p.recipientId) && p.delivery === 'digest').length;
    return { ids: toMail.map((m) => m.outboxId).filter((id) => written.has(id)), found: fresh.size, digest };
  }

  /** Matches concerning residents relayed by the town hall go to the staff inbox, not to an e-mail. */
  private async recordRelayedMatches(tx: Tx, tenantId: string, listingId: string): Promise<void> {
    await this.inbox.addMatches(tx, tenantId, await findRelayedMatches(tx, tenantId, listingId));
  }

  /** What every match e-mail of a listing says, whoever receives it. */
  private mailData(listing: ListingRecord, origin: string) {
    const common = {
      [SEND_IF_LISTING_PUBLIC]: listing.id,
      kindLabel: KIND_LABEL[listing.kind],
      authorName: listing.authorName,
      title: listing.title,
      description: listing.description.length > 400 ? `${listing.description.slice(0, 397)}…` : listing.description,
      category: listing.category.name,
      neighbourhood: listing.neighbourhood?.name ?? null,
      listingUrl: `${origin}/annonces/${listing.id}`,
    };
    return { common, origin, mode: listing.mode };
  }

  /** Sends a tenant's digest once per Paris day, at or after the tenant's hour. */
  async sendDigest(tenantId: string, now = new Date()): Promise<number> {
    const tenant = this.tenantRef(tenantId);
    const settings = (await this.tenants.get(tenant)).settings.matching ?? { cap: 50, dailyCap: 5, digestHour: 18 };
    const { day, hour } = parisDayAndHour(now);
    if (hour < settings.digestHour) return 0;
    const origin = this.directory.origin(tenant.slug);
    const ids = await this.db.withTenant(tenantId, async (tx) => {
      if (!(await this.repo.claimDigestDay(tx, tenantId, day))) return [];
      const items = await this.repo.pendingDigest(tx, tenantId);
      const byRecipient = new Map<string, typeof items>();
      for (const i of items) byRecipient.set(i.recipientId, [...(byRecipient.get(i.recipientId) ?? []), i]);
      const out: Array<string | undefined> = [];
      for (const [recipientId, list] of byRecipient) {
        const { headers, ...links } = this.alertLinks(origin, tenantId, recipientId);
        const outboxId = await this.outbox.add(tx, {
          tenantId,
          to: list[0].email,
          template: 'match-digest',
          data: {
            displayName: list[0].displayName,
            day,
            count: list.length,
            items: list.map((i) => ({
              title: i.title,
              kindLabel: KIND_LABEL[i.kind],
              category: i.category,
              neighbourhood: i.neighbourhood,
              distance: distanceLabel(i.distanceM, 'in_person'),
              url: `${origin}/annonces/${i.listingId}`,
            })),
            ...links,
          },
          dedupeKey: `digest:${recipientId}:${day}`,
          headers,
        });
        await this.repo.markDigestMailed(tx, tenantId, recipientId, outboxId);
        out.push(outboxId);
      }
      return out;
    });
    await this.outbox.dispatch(tenantId, ids);
    return ids.length;
  }

  async sendDueDigests(now = new Date()): Promise<void> {
    for (const t of this.directory.all()) await this.sendDigest(t.id, now);
  }

  /** One-click unsubscribe: idempotent; false for a forged or foreign token. */
  async unsubscribe(tenant: TenantRef, token: string): Promise<boolean> {
    const accountId = verifyUnsubscribeToken(this.config.sessionSecret, tenant.id, token);
    if (!accountId) return false;
    return this.db.withTenant(tenant.id, (tx) => this.repo.unsubscribe(tx, tenant.id, accountId));
  }

  tokenValid(tenant: TenantRef, token: string): boolean {
    return verifyUnsubscribeToken(this.config.sessionSecret, tenant.id, token) !== undefined;
  }

  stats(tenantId: string) {
    return this.db.withTenant(tenantId, (tx) => this.repo.stats(tx, tenantId));
  }

  private alertLinks(origin: string, tenantId: string, accountId: string) {
    return alertLinks(this.config.sessionSecret, origin, tenantId, accountId);
  }

  private tenantRef(tenantId: string): TenantRef {
    const t = this.directory.all().find((x) => x.id === tenantId);
    if (!t) throw new Error(`unknown tenant ${tenantId}`);
    return { id: t.id, slug: t.slug };
  }
}
