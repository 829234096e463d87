import { Injectable } from '@nestjs/common';
import { Database, TenantTx } from '@libs/db';
import { ConflictError, InvalidError, NotFoundError } from '@libs/errors';
import { decodeKeyset, encodeKeyset, fieldOf, isKeysetText, isUuid } from '@libs/http';
import { Principal, TenantId, TenantRef } from '@libs/tenancy';
import { actingRole } from '@src/accounts/roles';
import { AccountsService } from '@src/accounts/accounts.service';
import { AuditService } from '@src/audit/audit.service';
import { ListingRecords } from '@src/listings/listing-records.service';
import { OutboxService } from '@src/notifications/outbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { CreateOrganisationDto } from './dto/organisations.dto';
import { assertOrganisationsEnabled, notFound, notManager, UUID } from './organisations-access';
import {
  OrganisationRow,
  OrganisationsRepository,
  OrganisationStatus,
  ProjectStatus,
} from './organisations.repository';

const isNameKeyset = (v: unknown): v is { name: string; id: string } =>
  isKeysetText(fieldOf(v, 'name')) && isUuid(fieldOf(v, 'id'));
const ORGANISATION_OUTCOME: Record<
  'approve' | 'reject' | 'remove',
  { status: OrganisationStatus; label: string; from: OrganisationStatus[] }
> = {
  approve: { status: 'published', label: 'publiée', from: ['pending_review'] },
  reject: { status: 'rejected', label: 'refusée', from: ['pending_review'] },
  remove: { status: 'removed', label: 'retirée', from: ['published', 'pending_review'] },
};
const PROJECT_OUTCOME: Record<
  'approve' | 'reject' | 'remove',
  { status: ProjectStatus; label: string; from: ProjectStatus[] }
> = {
  approve: { status: 'published', label: 'publié', from: ['pending_review'] },
  reject: { status: 'rejected', label: 'refusé', from: ['pending_review'] },
  remove: { status: 'removed', label: 'retiré', from: ['published', 'pending_review', 'closed'] },
};

/** What everyone sees of a published organisation: never a manager's address. */
export function organisationView(o: OrganisationRow) {
  return {
    id: o.id,
    name: o.name,
    kind: o.kind,
    description: o.description,
    neighbourhood: o.neighbourhood,
    website: o.website,
    createdAt: o.createdAt,
  };
}

/** Told after commit that missions became public (mission matching queues their alerts). */
export type MissionsPublishedListener = (tenantId: TenantId, missionIds: string[]) => Promise<void>;

/**
 * Organisations of a tenant: created by a resident who becomes their manager, public once a
 * moderator approves them; co-managers; residents write to them through the platform.
 */
@Injectable()
export class OrganisationsService {
  private readonly publishedListeners: MissionsPublishedListener[] = [];

  constructor(
    private readonly db: Database,
    private readonly repo: OrganisationsRepository,
    private readonly accounts: AccountsService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly listings: ListingRecords,
  ) {}

  onMissionsPublished(listener: MissionsPublishedListener): void {
    this.publishedListeners.push(listener);
  }

  /** After commit; a failure is left to the sweep (the MissionPublished rows stay undispatched). */
  async missionsPublished(tenantId: TenantId, missionIds: string[]): Promise<void> {
    if (!missionIds.length) return;
    for (const l of this.publishedListeners) await l(tenantId, missionIds).catch(() => undefined);
  }

  async create(tenant: TenantRef, principal: Principal, dto: CreateOrganisationDto) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    // Organisations always wait for a moderator; the automatic rules only add their reasons.
    const id = await this.db.withTenant(tenant.id, async (tx) => {
      await this.accounts.assertCanPublish(tx, tenant, principal);
      const neighbourhoodId = dto.neighbourhood ? await this.listings.neighbourhoodId(tx, dto.neighbourhood) : null;
      if (dto.neighbourhood && !neighbourhoodId)
        throw new InvalidError([{ field: 'neighbourhood', message: "ce quartier n'existe pas sur ce site" }]);
      return this.repo.insertOrganisation(tx, {
        name: dto.name,
        kind: dto.kind,
        description: dto.description,
        neighbourhoodId: neighbourhoodId ?? null,
        website: dto.website ?? null,
        status: 'pending_review',
        createdBy: principal.accountId,
      });
    });
    return this.get(tenant, id, principal);
  }

  async list(tenant: TenantRef, limit = 20, cursor?: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const after = cursor ? decodeKeyset(cursor, isNameKeyset) : undefined;
    const rows = await this.db.withTenant(tenant.id, (tx) => this.repo.listPublicOrganisations(tx, limit + 1, after));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(organisationView),
      nextCursor: rows.length > limit && last ? encodeKeyset({ name: last.name, id: last.id }) : null,
    };
  }

  /** Public view, plus status, managers and projects in every state for its managers (and moderators). */
  async get(tenant: TenantRef, id: string, principal?: Principal) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!UUID.test(id)) throw notFound('organisation');
    return this.db.withTenant(tenant.id, async (tx) => {
      const o = await this.repo.findOrganisation(tx, id);
      if (!o) throw notFound('organisation');
      const manager = principal ? await this.repo.isManager(tx, id, principal.accountId) : false;
      const staff = principal?.roles.some((r) => r !== 'resident') ?? false;
      if (o.status !== 'published' && !manager && !staff) throw notFound('organisation');
      const projects = await this.repo.projectsOf(tx, id, !manager);
      const base = {
        ...organisationView(o),
        projects: projects.map((p) => ({
          id: p.id,
          title: p.title,
          category: p.category,
          status: manager ? p.status : undefined,
          hasImage: Boolean(p.imageKey),
        })),
      };
      if (!manager) return { ...base, manager: false };
      const managers = await this.repo.managers(tx, id);
      return {
        ...base,
        manager: true,
        status: o.status,
        managers: managers.map((m) => ({ id: m.id, displayName: m.displayName, role: m.role })),
      };
    });
  }

  async mine(tenant: TenantRef, principal: Principal) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const rows = await this.db.withTenant(tenant.id, (tx) => this.repo.listManagedBy(tx, principal.accountId));
    return { items: rows.map((o) => ({ ...organisationView(o), status: o.status, role: o.role })), nextCursor: null };
  }

  /**
   * A manager names a resident by e-mail; a verified resident of this site becomes co-manager
   * and is told by e-mail. The answer is the same whether or not the address is known here.
   */
  async inviteManager(tenant: TenantRef, principal: Principal, organisationId: string, email: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const origin = this.directory.origin(tenant.slug);
    const ids = await this.db.withTenant(tenant.id, async (tx) => {
      const o = await this.managedOrganisation(tx, tenant, principal, organisationId);
      const added = await this.repo.addCoManager(tx, organisationId, email);
      if (!added) return [];
      return [
        await this.outbox.add(tx, {
          tenantId: tenant.id,
          to: added.email,
          template: 'organisation-message',
          data: {
            displayName: added.displayName,
            organisationName: o.name,
            intro:
              `Vous êtes maintenant responsable de « ${o.name} » sur ` +
              `${(await this.tenants.get(tenant)).siteName} : vous pouvez présenter ses projets et proposer des ` +
              `missions aux bénévoles.`,
            body: `Invitation de l'équipe de « ${o.name} ».`,
            url: `${origin}/organisations/${organisationId}`,
          },
          dedupeKey: `co-manager:${organisationId}:${added.id}`,
        }),
      ];
    });
    await this.outbox.dispatch(tenant.id, ids);
    return { accepted: true };
  }

  /** A resident writes to the organisation: the managers are e-mailed, nobody's address is shown. */
  async contact(tenant: TenantRef, principal: Principal, organisationId: string, message: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!UUID.test(organisationId)) throw notFound('organisation');
    const origin = this.directory.origin(tenant.slug);
    const ids = await this.db.withTenant(tenant.id, async (tx) => {
      const sender = await this.accounts.assertCanPublish(tx, tenant, principal);
      const o = await this.repo.findOrganisation(tx, organisationId);
      if (!o || o.status !== 'published') throw notFound('organisation');
      const messageId = await this.repo.insertMessage(tx, {
        organisationId,
        senderId: principal.accountId,
        recipientId: null,
        body: message,
      });
      const managers = (await this.repo.managers(tx, organisationId)).filter(
        (m) => m.email && m.id !== principal.accountId,
      );
      return this.outbox.addMany(
        tx,
        tenant.id,
        managers.map((m) => ({
          tenantId: tenant.id,
          to: m.email!,
          template: 'organisation-message' as const,
          data: {
            displayName: m.displayName,
            senderName: sender.displayName,
            organisationName: o.name,
            intro: `${sender.displayName} a écrit à « ${o.name} » :`,
            body: message,
            url: `${origin}/organisations/${organisationId}/gerer`,
          },
          dedupeKey: `organisation-message:${messageId}:${m.id}`,
        })),
      );
    });
    await this.outbox.dispatch(tenant.id, [...ids.values()]);
    return { sent: true };
  }

  /** A manager answers a resident's message; the resident is e-mailed. */
  async reply(tenant: TenantRef, principal: Principal, organisationId: string, messageId: string, body: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const origin = this.directory.origin(tenant.slug);
    const ids = await this.db.withTenant(tenant.id, async (tx) => {
      const o = await this.managedOrganisation(tx, tenant, principal, organisationId);
      const original = await this.repo.message(tx, organisationId, messageId);
      if (!original) throw new NotFoundError('Ce message est introuvable.');
      const to = await this.repo.recipient(tx, original.senderId);
      const id = await this.repo.insertMessage(tx, {
        organisationId,
        senderId: principal.accountId,
        recipientId: original.senderId,
        body,
      });
      if (!to?.email) return [];
      return [
        await this.outbox.add(tx, {
          tenantId: tenant.id,
          to: to.email,
          template: 'organisation-message',
          data: {
            displayName: to.displayName,
            organisationName: o.name,
            intro: `« ${o.name} » vous répond :`,
            body,
            url: `${origin}/organisations/${organisationId}`,
          },
          dedupeKey: `organisation-message:${id}:${to.id}`,
        }),
      ];
    });
    await this.outbox.dispatch(tenant.id, ids);
    return { sent: true };
  }

  async inbox(tenant: TenantRef, principal: Principal, organisationId: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    return this.db.withTenant(tenant.id, async (tx) => {
      await this.managedOrganisation(tx, tenant, principal, organisationId);
      return { items: await this.repo.inbox(tx, organisationId), nextCursor: null };
    });
  }

  /** A moderator's decision on an organisation; approving it makes its published projects public (and matched). */
  async decideOrganisation(
    tenant: TenantRef,
    actor: Principal,
    id: string,
    action: 'approve' | 'reject' | 'remove',
    reason: string,
  ) {
    if (!UUID.test(id)) throw notFound('organisation');
    const outcome = ORGANISATION_OUTCOME[action];
    const origin = this.directory.origin(tenant.slug);
    const { mailIds, published } = await this.db.withTenant(tenant.id, async (tx) => {
      const o = await this.repo.findOrganisation(tx, id, { forUpdate: true });
      if (!o) throw notFound('organisation');
      if (!outcome.from.includes(o.status))
        throw new ConflictError(`Une décision a déjà été prise sur cette organisation (état : ${o.status}).`);
      await this.repo.setOrganisationStatus(tx, id, outcome.status);
      await this.audit.append(tx, {
        actorId: actor.accountId,
        actorRole: actingRole(actor),
        action: `organisation.${action}`,
        targetType: 'organisation',
        targetId: id,
        reason,
        data: { name: o.name, from: o.status },
      });
      const mailIds = await this.tellManagers(
        tx,
        id,
        { target: 'organisation', title: o.name, outcome: outcome.label, reason, url: `${origin}/organisations/${id}` },
        `decision:${id}:${action}:${Date.now()}`,
      );
      const projectIds = action === 'approve' ? (await this.repo.projectsOf(tx, id, true)).map((p) => p.id) : [];
      return { mailIds, published: await this.repo.recordMissionsPublished(tx, { projectIds }) };
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    await this.missionsPublished(tenant.id, published);
    return { id, status: outcome.status };
  }

  async decideProject(
    tenant: TenantRef,
    actor: Principal,
    id: string,
    action: 'approve' | 'reject' | 'remove',
    reason: string,
  ) {
    if (!UUID.test(id)) throw notFound('project');
    const outcome = PROJECT_OUTCOME[action];
    const origin = this.directory.origin(tenant.slug);
    const { mailIds, published } = await this.db.withTenant(tenant.id, async (tx) => {
      const p = await this.repo.findProject(tx, id, { forUpdate: true });
      if (!p) throw notFound('project');
      if (!outcome.from.includes(p.status))
        throw new ConflictError(`Une décision a déjà été prise sur ce projet (état : ${p.status}).`);
      await this.repo.updateProject(tx, id, {
        status: outcome.status,
        holdReasons: action === 'approve' ? [] : undefined,
      });
      await this.audit.append(tx, {
        actorId: actor.accountId,
        actorRole: actingRole(actor),
        action: `project.${action}`,
        targetType: 'project',
        targetId: id,
        reason,
        data: { title: p.title, from: p.status },
      });
      const mailIds = await this.tellManagers(
        tx,
        p.organisationId,
        { target: 'project', title: p.title, outcome: outcome.label, reason, url: `${origin}/projets/${id}` },
        `decision:${id}:${action}:${Date.now()}`,
      );
      const published =
        action === 'approve' && p.organisation.status === 'published'
          ? await this.repo.recordMissionsPublished(tx, { projectIds: [id] })
          : [];
      return { mailIds, published };
    });
    await this.outbox.dispatch(tenant.id, mailIds);
    await this.missionsPublished(tenant.id, published);
    return { id, status: outcome.status };
  }

  /** The organisation, when the principal manages it (404 when it does not exist, 403 when not theirs). */
  async managedOrganisation(
    tx: TenantTx,
    tenant: TenantRef,
    principal: Principal,
    organisationId: string,
  ): Promise<OrganisationRow> {
    if (!UUID.test(organisationId)) throw notFound('organisation');
    const o = await this.repo.findOrganisation(tx, organisationId);
    if (!o) throw notFound('organisation');
    if (!(await this.repo.isManager(tx, organisationId, principal.accountId))) throw notManager();
    if (o.status === 'removed' || o.status === 'rejected')
      throw new ConflictError(`Cette organisation ne peut plus être modifiée (état : ${o.status}).`);
    return o;
  }

  private async tellManagers(
    tx: TenantTx,
    organisationId: string,
    data: Record<string, string>,
    key: string,
  ): Promise<Array<string | undefined>> {
    const managers = (await this.repo.managers(tx, organisationId)).filter((m) => m.email);
    const ids = await this.outbox.addMany(
      tx,
      tx.tenantId,
      managers.map((m) => ({
        tenantId: tx.tenantId,
        to: m.email!,
        template: 'organisation-decision' as const,
        data: { ...data, displayName: m.displayName },
        dedupeKey: `${key}:${m.id}`,
      })),
    );
    return [...ids.values()];
  }
}
