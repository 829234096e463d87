import { Injectable } from '@nestjs/common';
import { Database, TenantTx } from '@libs/db';
import { insideTenantArea, LatLng } from '@libs/geo';
import { InvalidError, NotFoundError } from '@libs/errors';
import { Principal, TenantRef } from '@libs/tenancy';
import { actingFor } from '@src/accounts/roles';
import { AccountsService } from '@src/accounts/accounts.service';
import { PUBLIC_NAME_HINT, toPublicName } from '@src/accounts/public-name';
import { AuditService } from '@src/audit/audit.service';
import { ConversationsService } from '@src/listings/conversations.service';
import { CreateListingDto } from '@src/listings/dto/listings.dto';
import { ListingRecords } from '@src/listings/listing-records.service';
import { idempotentRequest, ListingsService } from '@src/listings/listings.service';
import { CreateRelayedResidentDto, UpdateRelayedResidentDto } from './dto/staff.dto';
import { RelayedResidentRow, RelayedResidentsRepository } from './relayed-residents.repository';
import { StaffInboxRow, StaffInboxService } from './staff-inbox.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => new NotFoundError('Ce résident relayé est introuvable.');
const NAME_HINT = PUBLIC_NAME_HINT.replace('votre prénom', 'le prénom').replace('votre nom', 'son nom');

/** What is wrong with a resident's name as given, or undefined when it makes a public name. */
export function residentNameError(raw: string): string | undefined {
  return toPublicName(raw) ? undefined : NAME_HINT;
}

/** "06 12 34 56 78" for a French number, the digits as given otherwise. */
export function formatPhone(phone: string | null): string | null {
  if (!phone) return null;
  return /^0[0-9]{9}$/.test(phone) ? phone.replace(/(\d\d)(?=\d)/g, '$1 ') : phone;
}

/**
 * Residents without internet, registered and acted for by the town hall. Every action on
 * their behalf is written to the audit log under the agent, with the resident's id only.
 */
@Injectable()
export class RelayedResidentsService {
  constructor(
    private readonly db: Database,
    private readonly repo: RelayedResidentsRepository,
    private readonly accounts: AccountsService,
    private readonly listings: ListingsService,
    private readonly listingsRepo: ListingRecords,
    private readonly inbox: StaffInboxService,
    private readonly conversations: ConversationsService,
    private readonly audit: AuditService,
  ) {}

  async create(tenant: TenantRef, agent: Principal, dto: CreateRelayedResidentDto) {
    const displayName = this.publicName(dto.displayName);
    return this.db.withTenant(tenant.id, async (tx) => {
      await this.checkPlace(tx, tenant, dto.location);
      const id = await this.repo.insert(tx, {
        displayName,
        phone: dto.phone ?? null,
        location: dto.location,
        consentMethod: dto.consent.method,
        consentNote: dto.consent.note ?? '',
        agentId: agent.accountId,
      });
      await this.audit.onBehalf(
        tx,
        actingFor(agent, id),
        'resident.create',
        { type: 'account', id },
        { consent: dto.consent.method },
      );
      return this.view((await this.repo.find(tx, id))!);
    });
  }

  async list(tenant: TenantRef) {
    const rows = await this.db.withTenant(tenant.id, (tx) => this.repo.list(tx));
    return { items: rows.map((r) => this.view(r)), nextCursor: null };
  }

  /** One resident with their listings and what the team has to call them about. */
  async get(tenant: TenantRef, id: string) {
    return this.db.withTenant(tenant.id, async (tx) => {
      const r = await this.found(tx, tenant, id);
      const listings = await this.listingsRepo.listByAuthor(tx, id);
      const inbox = await this.inbox.list(tx, { limit: 50, residentId: id });
      const helpers = await this.conversations.participants(
        tx,
        listings.map((l) => l.id),
      );
      return {
        ...this.view(r),
        listings: listings.map((l) => ({
          id: l.id,
          kind: l.kind,
          title: l.title,
          status: l.status,
          category: l.category,
          createdAt: l.createdAt,
          expiresAt: l.expiresAt,
          // Who wrote about it: "who helped?" when the staff mark it fulfilled.
          helpers: helpers
            .filter((h) => h.listingId === l.id)
            .map((h) => ({ conversationId: h.conversationId, displayName: h.displayName })),
        })),
        inbox: inbox.map((i) => inboxView(i)),
      };
    });
  }

  async update(tenant: TenantRef, agent: Principal, id: string, dto: UpdateRelayedResidentDto) {
    const displayName = dto.displayName === undefined ? undefined : this.publicName(dto.displayName);
    return this.db.withTenant(tenant.id, async (tx) => {
      await this.found(tx, tenant, id, true);
      if (dto.location) await this.checkPlace(tx, tenant, dto.location);
      await this.repo.update(tx, id, {
        displayName,
        phone: dto.phone,
        location: dto.location,
        consent: dto.consent
          ? { method: dto.consent.method, note: dto.consent.note ?? '', agentId: agent.accountId }
          : undefined,
      });
      // Which fields changed, never their values: the log must not keep a phone or a place.
      await this.audit.onBehalf(
        tx,
        actingFor(agent, id),
        'resident.edit',
        { type: 'account', id },
        { fields: Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined) },
      );
      return this.view((await this.repo.find(tx, id))!);
    });
  }

  /** Everything held on the resident (RGPD), as their own export would give it, plus the private record. */
  async export(tenant: TenantRef, agent: Principal, id: string) {
    return this.db.withTenant(tenant.id, async (tx) => {
      await this.found(tx, tenant, id);
      const data = await this.accounts.exportAccount(tx, tenant, id);
      const relayed = await this.repo.export(tx, id);
      await this.audit.onBehalf(tx, actingFor(agent, id), 'resident.export', { type: 'account', id });
      return { ...data, relayed };
    });
  }

  /** Personal data gone (name, phone, home), listings closed and blanked; the audit keeps the act. */
  async erase(tenant: TenantRef, agent: Principal, id: string): Promise<void> {
    await this.db.withTenant(tenant.id, async (tx) => {
      await this.found(tx, tenant, id, true);
      await this.repo.erase(tx, id);
      await this.accounts.eraseAccount(tx, tenant, id);
      await this.audit.onBehalf(tx, actingFor(agent, id), 'resident.erase', { type: 'account', id });
    });
  }

  /** A listing published for the resident, through the same rules as anyone's. */
  /** `idempotencyKey`: the Idempotency-Key header, scoped to the resident (the listing's author). */
  async postListing(tenant: TenantRef, agent: Principal, id: string, dto: CreateListingDto, idempotencyKey?: string) {
    const once = idempotentRequest(idempotencyKey, id, dto);
    await this.db.withTenant(tenant.id, (tx) => this.found(tx, tenant, id));
    return this.listings.create(tenant, actingFor(agent, id), dto, once);
  }

  async inboxItems(tenant: TenantRef, limit = 100) {
    const rows = await this.db.withTenant(tenant.id, (tx) => this.inbox.list(tx, { limit }));
    return { items: rows.map((i) => inboxView(i)), nextCursor: null };
  }

  /** One inbox item, or 404. */
  async inboxItem(tenant: TenantRef, itemId: string) {
    if (!UUID.test(itemId)) throw new NotFoundError('Cet élément est introuvable.');
    const [row] = await this.db.withTenant(tenant.id, (tx) => this.inbox.list(tx, { limit: 1, id: itemId }));
    if (!row) throw new NotFoundError('Cet élément est introuvable.');
    return inboxView(row);
  }

  /**
   * From a match in the inbox, the agent writes to the matching listing's author in the relayed
   * resident's name: the conversation is the resident's, the message marked as sent by the town hall
   * (and audited like the other on-behalf actions). Returns the conversation.
   */
  async contactForMatch(tenant: TenantRef, agent: Principal, itemId: string, message: string) {
    const item = await this.inboxItem(tenant, itemId);
    if (!item.matchedListing) throw new NotFoundError('Cet élément ne concerne pas une annonce correspondante.');
    return this.conversations.start(tenant, actingFor(agent, item.resident.id), item.matchedListing.id, message);
  }

  /** "Rappelé(e)": the resident was called about this item. Idempotent. */
  async calledBack(tenant: TenantRef, agent: Principal, itemId: string) {
    if (!UUID.test(itemId)) throw new NotFoundError('Cet élément est introuvable.');
    await this.db.withTenant(tenant.id, async (tx) => {
      const residentId = await this.inbox.markCalledBack(tx, itemId, agent.accountId);
      if (!residentId) throw new NotFoundError('Cet élément est introuvable.');
      await this.audit.onBehalf(tx, actingFor(agent, residentId), 'inbox.called_back', {
        type: 'staff_inbox_item',
        id: itemId,
      });
    });
    return { id: itemId, state: 'called' };
  }

  private async found(tx: TenantTx, tenant: TenantRef, id: string, forUpdate = false): Promise<RelayedResidentRow> {
    if (!UUID.test(id)) throw notFound();
    const r = await this.repo.find(tx, id, { forUpdate });
    if (!r) throw notFound();
    return r;
  }

  private publicName(raw: string): string {
    const name = toPublicName(raw);
    if (!name) throw new InvalidError([{ field: 'displayName', message: NAME_HINT }]);
    return name;
  }

  private async checkPlace(tx: TenantTx, tenant: TenantRef, p: LatLng): Promise<void> {
    if (!(await insideTenantArea(tx, tenant.id, p)))
      throw new InvalidError([
        { field: 'location', message: 'ce lieu est en dehors de la commune desservie par ce site' },
      ]);
  }

  private view(r: RelayedResidentRow) {
    return { ...r, phone: formatPhone(r.phone) };
  }
}

/** An inbox item as staff read it: who to call, about what, and whether it was done. */
export function inboxView(i: StaffInboxRow) {
  return {
    id: i.id,
    kind: i.kind,
    state: i.calledBackAt ? 'called' : 'to_call',
    resident: { id: i.residentId, displayName: i.residentName, phone: formatPhone(i.phone) },
    listing: i.listing,
    ...(i.conversationId
      ? { conversation: { id: i.conversationId, with: { displayName: i.neighbourName }, lastMessage: i.lastMessage } }
      : {}),
    ...(i.matchedListing ? { matchedListing: i.matchedListing } : {}),
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    calledBack: i.calledBackAt ? { at: i.calledBackAt, by: i.calledBackBy } : null,
  };
}
