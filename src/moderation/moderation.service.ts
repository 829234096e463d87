import { Injectable } from '@nestjs/common';
import { Database } from '@libs/db';
import { ConflictError, InvalidError, NotFoundError } from '@libs/errors';
import { decodeKeyset, encodeKeyset, isTimeKeyset } from '@libs/http';
import { Principal, TenantRef } from '@libs/tenancy';
import { actingRole } from '@src/accounts/roles';
import { AccountsService } from '@src/accounts/accounts.service';
import { AuditService } from '@src/audit/audit.service';
import { ConversationsService } from '@src/listings/conversations.service';
import { ListingPublication } from '@src/listings/listing-publication.service';
import { ListingRecords, ListingStatus } from '@src/listings/listing-records.service';
import { OutboxService } from '@src/notifications/outbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { ModerationRepository } from './moderation.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OUTCOME: Record<
  'approve' | 'reject' | 'remove',
  { status: ListingStatus; label: string; from: ListingStatus[] }
> = {
  approve: { status: 'published', label: 'publiée', from: ['pending_review', 'hidden'] },
  reject: { status: 'rejected', label: 'refusée', from: ['pending_review'] },
  remove: { status: 'removed', label: 'retirée', from: ['published', 'pending_review', 'hidden'] },
};

/** Moderators keep help free: decisions on held and reported content, bans, the audit log. */
@Injectable()
export class ModerationService {
  constructor(
    private readonly db: Database,
    private readonly repo: ModerationRepository,
    private readonly audit: AuditService,
    private readonly listings: ListingRecords,
    private readonly publication: ListingPublication,
    private readonly outbox: OutboxService,
    private readonly directory: TenantDirectory,
    private readonly conversations: ConversationsService,
    private readonly accounts: AccountsService,
  ) {}

  async queue(tenant: TenantRef, limit = 20, cursor?: string) {
    const after = cursor ? decodeKeyset(cursor, isTimeKeyset) : undefined;
    const { items, histories } = await this.db.withTenant(tenant.id, async (tx) => {
      const found = await this.repo.queue(tx, limit + 1, after);
      const authors = [...new Set(found.slice(0, limit).map((i) => i.authorId))];
      return { items: found, histories: await this.repo.authorHistories(tx, authors) };
    });
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    const historyOf = new Map(histories.map(({ id, ...h }) => [id, h]));
    return {
      items: page.map((i) => ({
        type: i.type,
        id: i.id,
        ...(i.type === 'message'
          ? { listing: { title: i.title }, body: i.description }
          : i.type === 'feedback'
            ? { listing: { kind: i.kind, title: i.title }, ok: false, comment: i.description }
            : { kind: i.kind, title: i.title, description: i.description }),
        status: i.status,
        author: { id: i.authorId, displayName: i.authorName, history: historyOf.get(i.authorId) },
        createdAt: i.createdAt,
        heldAt: i.heldAt,
        why: { rules: i.holdReasons, reports: i.reports },
      })),
      nextCursor: items.length > limit && last ? encodeKeyset({ at: last.heldAt, id: last.id }) : null,
    };
  }

  async decide(
    tenant: TenantRef,
    actor: Principal,
    listingId: string,
    action: 'approve' | 'reject' | 'remove',
    reason: string,
  ) {
    if (!UUID.test(listingId)) throw new NotFoundError('Cette annonce est introuvable.');
    const outcome = OUTCOME[action];
    let version: number | undefined;
    const { mailIds, status } = await this.db.withTenant(tenant.id, async (tx) => {
      const l = await this.listings.find(tx, listingId, { forUpdate: true });
      if (!l) throw new NotFoundError('Cette annonce est introuvable.');
      if (!outcome.from.includes(l.status))
        throw new ConflictError(`Une décision a déjà été prise sur cette annonce (état : ${l.status}).`);
      if (action === 'approve') version = await this.publication.publish(tx, listingId);
      else await this.listings.setStatus(tx, listingId, outcome.status);
      await this.audit.append(tx, {
        actorId: actor.accountId,
        actorRole: actingRole(actor),
        action: `listing.${action}`,
        targetType: 'listing',
        targetId: listingId,
        reason,
        data: { title: l.title, from: l.status },
      });
      const author = await this.repo.account(tx, l.authorId);
      const ids = author?.email
        ? [
            await this.outbox.add(tx, {
              tenantId: tenant.id,
              to: author.email,
              template: 'moderation-decision',
              data: {
                displayName: author.displayName,
                title: l.title,
                outcome: outcome.label,
                reason,
                listingUrl: `${this.directory.origin(tenant.slug)}/annonces/${listingId}`,
              },
              dedupeKey: `decision:${listingId}:${action}:${Date.now()}`,
            }),
          ]
        : [];
      return { mailIds: ids, status: outcome.status };
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    if (version !== undefined) await this.publication.afterCommit(tenant.id, listingId, version, 'published');
    return { id: listingId, status };
  }

  /** approve delivers a held message to its recipient; reject or remove keeps it from them for good. */
  async decideMessage(
    tenant: TenantRef,
    actor: Principal,
    messageId: string,
    action: 'approve' | 'reject' | 'remove',
    reason: string,
  ) {
    if (!UUID.test(messageId)) throw new NotFoundError('Ce message est introuvable.');
    const mailIds = await this.db.withTenant(tenant.id, async (tx) => {
      const outcome = await this.conversations.decideHeld(tx, tenant, messageId, action === 'approve');
      if (!outcome) throw new NotFoundError('Ce message est introuvable.');
      await this.audit.append(tx, {
        actorId: actor.accountId,
        actorRole: actingRole(actor),
        action: `message.${action}`,
        targetType: 'message',
        targetId: messageId,
        reason,
        data: { sender: outcome.sender },
      });
      return outcome.mailIds;
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    return { id: messageId, status: action === 'approve' ? 'visible' : 'removed' };
  }

  /** A negative feedback read and dealt with (a call, a ban…): it leaves the queue, with the reason logged. */
  async reviewFeedback(tenant: TenantRef, actor: Principal, feedbackId: string, reason: string) {
    if (!UUID.test(feedbackId)) throw new NotFoundError('Cet avis est introuvable.');
    await this.db.withTenant(tenant.id, async (tx) => {
      const f = await this.repo.reviewFeedback(tx, feedbackId, actor.accountId);
      if (!f) throw new NotFoundError('Cet avis est introuvable ou déjà traité.');
      await this.audit.append(tx, {
        actorId: actor.accountId,
        actorRole: actingRole(actor),
        action: 'feedback.review',
        targetType: 'feedback',
        targetId: feedbackId,
        reason,
        data: { listing: f.listingId },
      });
    });
    return { id: feedbackId, status: 'reviewed' };
  }

  async ban(tenant: TenantRef, actor: Principal, accountId: string, reason: string) {
    return this.banOrUnban(tenant, actor, accountId, reason, true);
  }

  async unban(tenant: TenantRef, actor: Principal, accountId: string, reason: string) {
    return this.banOrUnban(tenant, actor, accountId, reason, false);
  }

  async auditLog(tenant: TenantRef, limit = 50, cursor?: string) {
    const after = cursor ? decodeKeyset(cursor, isTimeKeyset) : undefined;
    const { rows, targets } = await this.db.withTenant(tenant.id, async (tx) => {
      const found = await this.audit.list(tx, limit + 1, after);
      const ids = [...new Set(found.flatMap((r) => (r.targetId ? [r.targetId] : [])))];
      return { rows: found, targets: await this.repo.auditTargets(tx, ids) };
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const named = new Map(targets.map((x) => [`${x.type}:${x.id}`, x]));
    return {
      items: page.map((r) => ({
        id: r.id,
        at: r.at,
        who: { displayName: r.actorName, role: r.actorRole },
        action: r.action,
        target: {
          type: r.targetType,
          id: r.targetId,
          name: named.get(`${r.targetType}:${r.targetId}`)?.name ?? null,
          about: named.get(`${r.targetType}:${r.targetId}`)?.about ?? null,
        },
        reason: r.reason,
        data: r.data,
      })),
      nextCursor: rows.length > limit && last ? encodeKeyset({ at: last.atText, id: last.id }) : null,
    };
  }

  private async banOrUnban(tenant: TenantRef, actor: Principal, accountId: string, reason: string, ban: boolean) {
    if (!UUID.test(accountId)) throw new NotFoundError('Ce compte est introuvable.');
    if (accountId === actor.accountId)
      throw new InvalidError([{ field: 'id', message: 'vous ne pouvez pas vous suspendre vous-même' }]);
    const mailIds = await this.db.withTenant(tenant.id, async (tx) => {
      const a = await this.repo.account(tx, accountId);
      if (!a) throw new NotFoundError('Ce compte est introuvable.');
      if (ban === Boolean(a.bannedAt))
        throw new ConflictError(ban ? 'Ce compte est déjà suspendu.' : "Ce compte n'est pas suspendu.");
      if (ban) {
        await this.repo.ban(tx, accountId, reason);
        await this.accounts.endSessions(tx, accountId);
      } else await this.repo.unban(tx, accountId);
      await this.audit.append(tx, {
        actorId: actor.accountId,
        actorRole: actingRole(actor),
        action: ban ? 'account.ban' : 'account.unban',
        targetType: 'account',
        targetId: accountId,
        reason,
      });
      if (!a.email) return [];
      return [
        await this.outbox.add(tx, {
          tenantId: tenant.id,
          to: a.email,
          template: 'account-banned',
          data: { displayName: a.displayName, banned: ban, reason },
          dedupeKey: `ban:${accountId}:${ban}:${Date.now()}`,
        }),
      ];
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    return { id: accountId, banned: ban };
  }
}
