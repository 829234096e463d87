import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Database, TenantTx } from '@libs/db';
import { ConflictError, InvalidError, NotFoundError } from '@libs/errors';
import { signIds, verifySignedIds } from '@libs/signing';
import type { Principal, TenantRef } from '@libs/tenancy';
import { AuditService } from '@src/audit/audit.service';
import { ConversationsService } from '@src/listings/conversations.service';
import { ListingPublication } from '@src/listings/listing-publication.service';
import { ListingRecord, ListingRecords } from '@src/listings/listing-records.service';
import { LISTING_LIFETIME_DAYS, ListingsService } from '@src/listings/listings.service';
import { OutboxService } from '@src/notifications/outbox.service';
import { StaffInboxService } from '@src/staff/staff-inbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { DueReminder, OutcomesRepository, ReminderAnswer } from './outcomes.repository';

export type { ReminderAnswer } from './outcomes.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;
const DEFAULT_REMINDER_DAYS = 7;
/** Reminders written per tenant and sweep; the next sweep takes the rest. */
const SWEEP_LIMIT = 500;
export const REMINDER_ANSWERS: readonly ReminderAnswer[] = ['found', 'still_looking', 'not_needed'];

/** What a reminder link shows before its answer is confirmed. */
export interface ReminderState {
  listing: { id: string; title: string; status: string };
  answer: ReminderAnswer | null;
  helpers: Array<{ conversationId: string; displayName: string }>;
}

/**
 * How a help ends: its author (or the staff, for a relayed resident) marks it fulfilled and the
 * helper is thanked; one reminder per listing asks the author if nothing was marked; the
 * participants leave private feedback.
 */
@Injectable()
export class OutcomesService {
  private readonly logger = new Logger(OutcomesService.name);

  constructor(
    private readonly db: Database,
    private readonly repo: OutcomesRepository,
    private readonly listings: ListingsService,
    private readonly listingsRepo: ListingRecords,
    private readonly conversations: ConversationsService,
    private readonly publication: ListingPublication,
    private readonly inbox: StaffInboxService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Marks a listing fulfilled; again on a fulfilled listing, answers the same and mails no one. */
  async fulfil(tenant: TenantRef, principal: Principal, listingId: string, conversationId?: string) {
    const { view, mailIds } = await this.db.withTenant(tenant.id, async (tx) => {
      const { listing, actor } = await this.listings.actOnListing(tx, tenant, principal, listingId, [
        'published',
        'expired',
        'fulfilled',
      ]);
      return this.fulfilIn(tx, tenant, listing, actor, conversationId);
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    return view;
  }

  async feedback(tenant: TenantRef, principal: Principal, listingId: string, ok: boolean, comment = '') {
    if (!UUID.test(listingId)) throw new NotFoundError('Cette annonce est introuvable.');
    return this.db.withTenant(tenant.id, async (tx) => {
      const l = await this.listingsRepo.find(tx, listingId);
      if (!l || !(await this.repo.isParticipant(tx, listingId, principal.accountId)))
        throw new NotFoundError('Cette annonce est introuvable.');
      if (l.status !== 'fulfilled') throw new ConflictError('Un avis se donne une fois l’aide réalisée.');
      const id = await this.repo.addFeedback(tx, listingId, principal.accountId, ok, comment);
      if (!id) throw new ConflictError('Vous avez déjà donné votre avis sur cette entraide. Merci !');
      return {
        id,
        status: 'received',
        message: 'Merci : votre avis est transmis, en toute confidentialité, à l’équipe de modération.',
      };
    });
  }

  /** Whether `principal` may still leave feedback on this fulfilled listing. */
  async canGiveFeedback(tenant: TenantRef, principal: Principal, listingId: string): Promise<boolean> {
    return this.db.withTenant(tenant.id, async (tx) => {
      const l = await this.listingsRepo.find(tx, listingId);
      if (l?.status !== 'fulfilled' || !(await this.repo.isParticipant(tx, listingId, principal.accountId)))
        return false;
      return !(await this.repo.feedbackGiven(tx, listingId, principal.accountId));
    });
  }

  /** The neighbours who wrote about a listing (for "who helped you?"), for its author or the staff. */
  async helpers(tenant: TenantRef, principal: Principal, listingId: string) {
    return this.db.withTenant(tenant.id, async (tx) => {
      const { listing } = await this.listings.actOnListing(
        tx,
        tenant,
        principal,
        listingId,
        ['published', 'expired', 'fulfilled'],
        { lock: false },
      );
      return { listing, helpers: await this.conversations.participants(tx, [listingId]) };
    });
  }

  /**
   * Writes the reminders due at `now` on every tenant: one per listing, ever, some days (the
   * tenant's outcomes.reminderDays) after its first conversation, unless it was fulfilled,
   * closed or removed. A relayed resident's goes to the staff inbox. `now` is the clock.
   */
  async sendDueReminders(now = new Date()): Promise<number> {
    let sent = 0;
    for (const t of this.directory.all()) sent += await this.sendDue(t, now);
    return sent;
  }

  async sendDue(tenant: TenantRef, now = new Date()): Promise<number> {
    const days = (await this.tenants.get(tenant)).settings.outcomes?.reminderDays ?? DEFAULT_REMINDER_DAYS;
    const origin = this.directory.origin(tenant.slug);
    const ids = await this.db.withTenant(tenant.id, async (tx) => {
      const due = await this.repo.due(tx, new Date(now.getTime() - days * DAY_MS), SWEEP_LIMIT);
      const out: Array<string | undefined> = [];
      for (const d of due) {
        if (!(await this.repo.recordSent(tx, d.listingId, d.authorId, now))) continue;
        if (d.relayed) await this.inbox.addReminder(tx, d.authorId, d.listingId);
        else if (d.email) out.push(await this.mailReminder(tx, tenant, origin, d));
      }
      return out;
    });
    await this.outbox.dispatch(tenant.id, ids);
    return ids.length;
  }

  /** What a reminder link stands for, or undefined for a forged, foreign or unknown token. */
  async reminderState(tenant: TenantRef, token: string): Promise<ReminderState | undefined> {
    const ids = this.verify(tenant, token);
    if (!ids) return undefined;
    const [listingId, accountId] = ids;
    return this.db.withTenant(tenant.id, async (tx) => {
      const r = await this.repo.reminder(tx, listingId, accountId);
      const l = r && (await this.listingsRepo.find(tx, listingId));
      if (!r || !l) return undefined;
      const helpers = await this.conversations.participants(tx, [listingId]);
      return {
        listing: { id: l.id, title: l.title, status: l.status },
        answer: r.answer,
        helpers: helpers.map((h) => ({ conversationId: h.conversationId, displayName: h.displayName })),
      };
    });
  }

  /**
   * Acts on a reminder's answer once: found → fulfilled, still_looking → renewed, not_needed →
   * closed. Answering again changes nothing and says what was recorded. Undefined for a bad token.
   */
  async answer(
    tenant: TenantRef,
    token: string,
    answer: ReminderAnswer,
    conversationId?: string,
  ): Promise<{ outcome: 'done' | 'already'; answer: ReminderAnswer } | undefined> {
    const ids = this.verify(tenant, token);
    if (!ids) return undefined;
    const [listingId, accountId] = ids;
    const author: Principal = { accountId, sessionId: '', roles: ['resident'] };
    let version: number | undefined;
    const result = await this.db.withTenant(tenant.id, async (tx) => {
      const r = await this.repo.reminder(tx, listingId, accountId, { forUpdate: true });
      if (!r) return undefined;
      if (r.answer) return { outcome: 'already' as const, answer: r.answer, mailIds: [] };
      const l = await this.listingsRepo.find(tx, listingId, { forUpdate: true });
      let mailIds: Array<string | undefined> = [];
      // A listing that ended meanwhile (closed, removed…) only records the answer.
      const open = l && l.authorId === accountId && ['published', 'expired'].includes(l.status);
      if (open && answer === 'found')
        mailIds = (
          await this.fulfilIn(
            tx,
            tenant,
            l,
            author,
            conversationId && UUID.test(conversationId) ? conversationId : undefined,
          )
        ).mailIds;
      if (open && answer === 'still_looking') {
        await this.listingsRepo.renew(tx, listingId, LISTING_LIFETIME_DAYS);
        if (l.status === 'expired') version = await this.publication.publish(tx, listingId);
      }
      if (open && answer === 'not_needed') await this.listingsRepo.setStatus(tx, listingId, 'closed');
      await this.repo.recordAnswer(tx, listingId, answer);
      return { outcome: 'done' as const, answer, mailIds };
    });
    if (!result) return undefined;
    await this.outbox.dispatch(tenant.id, result.mailIds);
    if (version !== undefined) await this.publication.afterCommit(tenant.id, listingId, version, 'published');
    return { outcome: result.outcome, answer: result.answer };
  }

  reminderToken(tenantId: string, listingId: string, accountId: string): string {
    return signIds(this.config.sessionSecret, 'outcome', tenantId, [listingId, accountId]);
  }

  private verify(tenant: TenantRef, token: string): string[] | undefined {
    return token.length <= 200 ? verifySignedIds(this.config.sessionSecret, 'outcome', tenant.id, token, 2) : undefined;
  }

  private async fulfilIn(
    tx: TenantTx,
    tenant: TenantRef,
    listing: ListingRecord,
    actor: Principal,
    conversationId?: string,
  ) {
    if (listing.status === 'fulfilled')
      return { view: this.fulfilledView(listing.id, listing.fulfilledAt, null), mailIds: [] };
    const helper = conversationId ? await this.conversations.helperOf(tx, listing.id, conversationId) : undefined;
    if (conversationId && !helper)
      throw new InvalidError([
        { field: 'conversationId', message: 'cette conversation ne concerne pas cette annonce' },
      ]);
    await this.listingsRepo.fulfil(tx, listing.id, helper?.id ?? null, conversationId ?? null);
    await this.audit.onBehalf(
      tx,
      actor,
      'listing.fulfil',
      { type: 'listing', id: listing.id },
      { helped: Boolean(helper) },
    );
    const helperName = helper?.displayName ?? null;
    const mailIds = helper?.email
      ? [
          await this.outbox.add(tx, {
            tenantId: tenant.id,
            to: helper.email,
            template: 'helper-thanks',
            data: {
              displayName: helperName,
              authorName: listing.authorName,
              listingTitle: listing.title,
              siteUrl: `${this.directory.origin(tenant.slug)}/annonces`,
            },
            dedupeKey: `thanks:${listing.id}`,
          }),
        ]
      : [];
    this.logger.log(`listing ${listing.id} fulfilled on ${tenant.slug}${helper ? ', helper thanked' : ''}`);
    return { view: this.fulfilledView(listing.id, new Date(), helperName), mailIds };
  }

  private fulfilledView(id: string, fulfilledAt: Date | null, helperName: string | null) {
    return { id, status: 'fulfilled' as const, fulfilledAt, helper: helperName ? { displayName: helperName } : null };
  }

  private mailReminder(tx: TenantTx, tenant: TenantRef, origin: string, d: DueReminder) {
    const url = (answer: ReminderAnswer) =>
      `${origin}/outcome/${this.reminderToken(tenant.id, d.listingId, d.authorId)}?answer=${answer}`;
    return this.outbox.add(tx, {
      tenantId: tenant.id,
      to: d.email!,
      template: 'outcome-reminder',
      data: {
        displayName: d.displayName,
        listingTitle: d.title,
        foundUrl: url('found'),
        stillLookingUrl: url('still_looking'),
        notNeededUrl: url('not_needed'),
      },
      dedupeKey: `reminder:${d.listingId}`,
    });
  }
}
