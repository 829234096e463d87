import { Injectable } from '@nestjs/common';
import { Database, TenantTx } from '@libs/db';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '@libs/errors';
import { RateLimiter } from '@libs/redis';
import { Principal, TenantRef } from '@libs/tenancy';
import { actingFor, isStaff } from '@src/accounts/roles';
import { AccountsService } from '@src/accounts/accounts.service';
import { AuditService } from '@src/audit/audit.service';
import { OutboxService } from '@src/notifications/outbox.service';
import { StaffInboxService } from '@src/staff/staff-inbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { ConversationRow, ConversationsRepository } from './conversations.repository';
import { ListingPublication } from './listing-publication.service';
import { ListingsRepository } from './listings.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOUR = 3600;
const notFound = (what = 'Cette conversation est introuvable.') => new NotFoundError(what);
/** Said to a person the other side blocked: no more, no less (who blocked whom stays private otherwise). */
const blockedError = () =>
  new ForbiddenError('Cette personne ne souhaite plus recevoir de messages de votre part.', 'urn:entraide:blocked');

/** Contact through the platform: neither side ever sees the other's address. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly db: Database,
    private readonly repo: ConversationsRepository,
    private readonly listings: ListingsRepository,
    private readonly accounts: AccountsService,
    private readonly outbox: OutboxService,
    private readonly limits: RateLimiter,
    private readonly directory: TenantDirectory,
    private readonly tenants: TenantsService,
    private readonly publication: ListingPublication,
    private readonly inbox: StaffInboxService,
    private readonly audit: AuditService,
  ) {}

  async start(tenant: TenantRef, principal: Principal, listingId: string, message: string) {
    if (!UUID.test(listingId)) throw notFound('Cette annonce est introuvable.');
    await this.limits.hit('conversation', [
      { subject: `account:${principal.accountId}`, limit: { max: 10, windowSec: HOUR } },
    ]);
    const { conversationId, mailIds, held } = await this.db.withTenant(tenant.id, async (tx) => {
      const me = await this.accounts.assertCanPublish(tx, tenant, principal);
      const l = await this.listings.find(tx, listingId);
      if (!l || l.status !== 'published') throw notFound('Cette annonce est introuvable.');
      if (l.authorId === principal.accountId)
        throw new InvalidError([{ field: 'listingId', message: 'vous ne pouvez pas vous écrire à vous-même' }]);
      if (await this.repo.blocked(tx, l.authorId, principal.accountId)) throw blockedError();
      const id = await this.repo.open(tx, listingId, l.authorId, principal.accountId);
      const holdReasons = await this.publication.ruleReasons(tenant, message);
      // A town-hall agent may write for a relayed resident (actingFor): the message says so, the log keeps the agent.
      const agentId = principal.agent?.accountId ?? null;
      const messageId = await this.repo.addMessage(tx, id, principal.accountId, message, holdReasons, agentId);
      await this.audit.onBehalf(tx, principal, 'contact', { type: 'conversation', id }, { message: messageId });
      const sender = principal.agent ? `${me.displayName} (par l’équipe de la mairie)` : me.displayName;
      const mails = holdReasons.length
        ? []
        : [await this.notify(tx, tenant, id, messageId, l.authorId, sender, l.title, message)];
      return { conversationId: id, mailIds: mails, held: { messageId, holdReasons } };
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    return { conversationId, message: this.messageStatus(held) };
  }

  async reply(tenant: TenantRef, principal: Principal, conversationId: string, body: string) {
    if (!UUID.test(conversationId)) throw notFound();
    await this.limits.hit('message', [
      { subject: `account:${principal.accountId}`, limit: { max: 60, windowSec: HOUR } },
    ]);
    const { message, mailIds } = await this.db.withTenant(tenant.id, async (tx) => {
      const { c, actor } = await this.open(tx, tenant, principal, conversationId);
      const me = await this.accounts.assertCanPublish(tx, tenant, actor);
      if (await this.repo.blocked(tx, c.authorId === actor.accountId ? c.starterId : c.authorId, actor.accountId))
        throw blockedError();
      const holdReasons = await this.publication.ruleReasons(tenant, body);
      const messageId = await this.repo.addMessage(
        tx,
        c.id,
        actor.accountId,
        body,
        holdReasons,
        actor.agent?.accountId ?? null,
      );
      await this.audit.onBehalf(tx, actor, 'answer', { type: 'conversation', id: c.id }, { message: messageId });
      const other = c.authorId === actor.accountId ? c.starterId : c.authorId;
      const sender = actor.agent ? `${me.displayName} (par l’équipe de la mairie)` : me.displayName;
      const mails = holdReasons.length
        ? []
        : [await this.notify(tx, tenant, c.id, messageId, other, sender, c.listingTitle, body)];
      return { message: this.messageStatus({ messageId, holdReasons }), mailIds: mails };
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    return message;
  }

  async list(tenant: TenantRef, principal: Principal) {
    const rows = await this.db.withTenant(tenant.id, (tx) => this.repo.listForParticipant(tx, principal.accountId));
    return { items: rows.map((c) => this.view(c, principal)), nextCursor: null };
  }

  async get(tenant: TenantRef, principal: Principal, id: string) {
    if (!UUID.test(id)) throw notFound();
    return this.db.withTenant(tenant.id, async (tx) => {
      const { c, actor } = await this.open(tx, tenant, principal, id);
      const messages = await this.repo.messages(tx, id, actor.accountId);
      const other = c.authorId === actor.accountId ? c.starterId : c.authorId;
      const [blockedByMe, blockedMe] = await Promise.all([
        this.repo.blocked(tx, actor.accountId, other),
        this.repo.blocked(tx, other, actor.accountId),
      ]);
      await this.repo.markRead(tx, id, actor.accountId);
      const name = (senderId: string, onBehalf: boolean) => {
        const n = senderId === c.authorId ? c.authorName : c.starterName;
        return onBehalf ? `${n} (par l’équipe de la mairie)` : n;
      };
      return {
        ...this.view(c, actor),
        ...(actor.agent
          ? {
              onBehalfOf: {
                id: actor.accountId,
                displayName: actor.accountId === c.authorId ? c.authorName : c.starterName,
              },
            }
          : {}),
        blockedByMe,
        canWrite: !blockedMe,
        messages: messages.map((m) => ({
          id: m.id,
          mine: m.senderId === actor.accountId,
          author: { displayName: name(m.senderId, m.onBehalf) },
          /** Written by the town hall for a relayed resident. */
          relayed: m.onBehalf,
          body: m.body,
          status: m.status,
          createdAt: m.createdAt,
        })),
      };
    });
  }

  /** Messages others sent to the person since they last opened each conversation (the header's count). */
  unreadCount(tenant: TenantRef, principal: Principal): Promise<number> {
    return this.db.withTenant(tenant.id, (tx) => this.repo.unreadCount(tx, principal.accountId));
  }

  /** A participant reports a message they received: it is hidden from them and waits for a moderator. */
  async reportMessage(
    tenant: TenantRef,
    principal: Principal,
    conversationId: string,
    messageId: string,
    reason: string,
    comment = '',
  ) {
    if (!UUID.test(conversationId) || !UUID.test(messageId)) throw notFound('Ce message est introuvable.');
    await this.limits.hit('report', [
      { subject: `account:${principal.accountId}`, limit: { max: 30, windowSec: HOUR } },
    ]);
    return this.db.withTenant(tenant.id, async (tx) => {
      if (!(await this.repo.findForParticipant(tx, conversationId, principal.accountId)))
        throw notFound('Ce message est introuvable.');
      if (!(await this.repo.reportMessage(tx, conversationId, messageId, principal.accountId, reason, comment)))
        throw new ConflictError('Vous avez déjà signalé ce message. Merci, un modérateur va l’examiner.');
      return { status: 'received', message: 'Merci pour votre signalement : un modérateur va examiner ce message.' };
    });
  }

  /** The other participant can no longer write to the person (`blocked`), or can again (`!blocked`). */
  async setBlocked(tenant: TenantRef, principal: Principal, conversationId: string, blocked: boolean) {
    if (!UUID.test(conversationId)) throw notFound();
    return this.db.withTenant(tenant.id, async (tx) => {
      const c = await this.repo.findForParticipant(tx, conversationId, principal.accountId);
      if (!c) throw notFound();
      const other = c.authorId === principal.accountId ? c.starterId : c.authorId;
      if (blocked) await this.repo.block(tx, principal.accountId, other);
      else await this.repo.unblock(tx, principal.accountId, other);
      return { blocked, with: { displayName: c.authorId === principal.accountId ? c.starterName : c.authorName } };
    });
  }

  /**
   * The conversation as `principal` may see it: as a participant, or as the tenant's staff for
   * the relayed resident who takes part in it (actor then acts as that resident). Else 404.
   */
  private async open(
    tx: TenantTx,
    tenant: TenantRef,
    principal: Principal,
    id: string,
  ): Promise<{ c: ConversationRow; actor: Principal }> {
    const own = await this.repo.findForParticipant(tx, id, principal.accountId);
    if (own) return { c: own, actor: principal };
    const relayed = isStaff(principal) && !principal.agent ? await this.repo.findRelayed(tx, id) : undefined;
    if (!relayed) throw notFound();
    return { c: relayed, actor: actingFor(principal, relayed.authorRelayed ? relayed.authorId : relayed.starterId) };
  }

  /** A report per reporter per listing; at the tenant's threshold the listing is hidden until a moderator decides. */
  async report(tenant: TenantRef, principal: Principal, listingId: string, reason: string, comment = '') {
    if (!UUID.test(listingId)) throw notFound('Cette annonce est introuvable.');
    const threshold = (await this.tenants.get(tenant)).settings.moderation.reportThreshold;
    return this.db.withTenant(tenant.id, async (tx) => {
      const l = await this.listings.find(tx, listingId, { forUpdate: true });
      if (!l || !['published', 'hidden'].includes(l.status)) throw notFound('Cette annonce est introuvable.');
      if (l.authorId === principal.accountId)
        throw new InvalidError([{ field: 'listingId', message: 'vous ne pouvez pas signaler votre propre annonce' }]);
      if (!(await this.repo.addReport(tx, listingId, principal.accountId, reason, comment)))
        throw new ConflictError('Vous avez déjà signalé cette annonce. Merci, un modérateur va l’examiner.');
      const count = await this.repo.reportCount(tx, listingId);
      if (count >= threshold && l.status === 'published')
        await this.listings.setStatus(tx, listingId, 'hidden', [...l.holdReasons, 'reports']);
      return { status: 'received', message: 'Merci pour votre signalement : un modérateur va examiner cette annonce.' };
    });
  }

  /** A moderator's decision on a held message: approval delivers it (and e-mails the recipient). */
  async decideHeld(
    tx: TenantTx,
    tenant: TenantRef,
    messageId: string,
    approve: boolean,
  ): Promise<{ mailIds: Array<string | undefined>; sender?: string } | undefined> {
    const m = await this.repo.heldMessage(tx, messageId);
    if (!m) return undefined;
    if (m.status !== 'held') throw new ConflictError('Une décision a déjà été prise sur ce message.');
    await this.repo.setMessageStatus(tx, messageId, approve ? 'visible' : 'removed');
    return {
      mailIds: approve
        ? [await this.notify(tx, tenant, m.conversationId, m.id, m.recipientId, m.senderName, m.listingTitle, m.body)]
        : [],
      sender: m.senderId,
    };
  }

  /** The neighbours who wrote about these listings, for "who helped you?" (in the caller's transaction). */
  participants(tx: TenantTx, listingIds: string[]) {
    return this.repo.participants(tx, listingIds);
  }

  /** The participant who helped: the other side of a conversation about this listing. */
  helperOf(tx: TenantTx, listingId: string, conversationId: string) {
    return this.repo.helperOf(tx, listingId, conversationId);
  }

  private messageStatus(h: { messageId: string; holdReasons: string[] }) {
    return h.holdReasons.length
      ? {
          id: h.messageId,
          status: 'held',
          holdReasons: h.holdReasons,
          notice: 'Votre message sera transmis après vérification par un modérateur.',
        }
      : { id: h.messageId, status: 'visible' };
  }

  private view(c: ConversationRow, principal: Principal) {
    const iAmAuthor = c.authorId === principal.accountId;
    return {
      id: c.id,
      listing: { id: c.listingId, title: c.listingTitle, status: c.listingStatus },
      with: { displayName: iAmAuthor ? c.starterName : c.authorName },
      role: iAmAuthor ? 'author' : 'neighbour',
      createdAt: c.createdAt,
      lastMessageAt: c.lastMessageAt,
    };
  }

  private async notify(
    tx: TenantTx,
    tenant: TenantRef,
    conversationId: string,
    messageId: string,
    recipientId: string,
    senderName: string,
    listingTitle: string,
    body: string,
  ) {
    const to = await this.repo.recipient(tx, recipientId);
    // A relayed resident has no address: the town-hall team calls them from its inbox.
    if (to?.relayed) await this.inbox.conversationTouched(tx, recipientId, conversationId);
    if (!to?.email) return undefined;
    return this.outbox.add(tx, {
      tenantId: tenant.id,
      to: to.email,
      template: 'conversation-message',
      data: {
        senderName,
        listingTitle,
        excerpt: body.length > 300 ? `${body.slice(0, 297)}…` : body,
        conversationUrl: `${this.directory.origin(tenant.slug)}/conversations/${conversationId}`,
      },
      dedupeKey: `message:${messageId}`,
    });
  }
}
