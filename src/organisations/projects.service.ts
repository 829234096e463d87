import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Database, TenantTx } from '@libs/db';
import { insideTenantArea, LatLng, publicPointOf } from '@libs/geo';
import { ConflictError, InvalidError, NotFoundError } from '@libs/errors';
import { decodeKeyset, encodeKeyset, fieldOf, isFiniteNumber, isTimestamp, isUuid } from '@libs/http';
import {
  IMAGE_MAX_BYTES,
  IMAGE_MAX_PIXELS,
  IMAGE_STORE,
  ImageRejected,
  ImageStore,
  normaliseImage,
  sniffImageType,
} from '@libs/storage';
import type { Principal, TenantId, TenantRef } from '@libs/tenancy';
import { AccountsService } from '@src/accounts/accounts.service';
import { AlertsService } from '@src/alerts/alerts.service';
import { ListingPublication } from '@src/listings/listing-publication.service';
import { ListingRecords } from '@src/listings/listing-records.service';
import { OutboxService } from '@src/notifications/outbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { CreateMissionDto, CreateProjectDto, ProjectQuery, UpdateProjectDto } from './dto/organisations.dto';
import { assertOrganisationsEnabled, notFound, notManager, UUID } from './organisations-access';
import { capacityLabel, scheduleLabel } from './mission-schedule';
import { MissionRow, OrganisationsRepository, ProjectRow } from './organisations.repository';
import { OrganisationsService } from './organisations.service';
import { ProjectCursor, projectsInBox, searchProjects } from './projects.search';

const invalid = (field: string, message: string) => new InvalidError([{ field, message }]);
const MAP_CAP = 500;

/** What everyone sees of a public project: its public point only. */
export function projectView(p: ProjectRow) {
  return {
    id: p.id,
    kind: 'project' as const,
    organisation: { id: p.organisation.id, name: p.organisation.name, kind: p.organisation.kind },
    title: p.title,
    description: p.description,
    category: p.category,
    neighbourhood: p.neighbourhood,
    publicLocation: p.publicLocation,
    ...(p.sortDistance !== undefined ? { distanceM: Math.round(p.sortDistance / 100) * 100 } : {}),
    startsOn: p.startsOn,
    endsOn: p.endsOn,
    ongoing: p.ongoing,
    imageUrl: p.imageKey ? `/api/v1/projects/${p.id}/image` : null,
    author: { displayName: p.organisation.name },
    createdAt: p.createdAt,
  };
}

/**
 * A mission as its reader may see it: the meeting place itself only when the manager made it
 * public or the reader is a volunteer or manager of it (`placeVisible`); others read that one
 * is told to volunteers.
 */
export function missionView(m: MissionRow & { mine?: boolean }, placeVisible = false) {
  const placesLeft = Math.max(0, m.volunteersNeeded - m.volunteerCount);
  const full = m.volunteerCount >= m.volunteersNeeded;
  const showPlace = Boolean(m.meetingPlace) && (m.meetingPlacePublic || placeVisible);
  return {
    id: m.id,
    projectId: m.projectId,
    title: m.title,
    description: m.description,
    when: m.when,
    startsAt: m.startsAt,
    endsAt: m.endsAt,
    flexible: m.startsAt === null,
    schedule: scheduleLabel(m.startsAt, m.endsAt),
    meetingPlace: showPlace ? m.meetingPlace : null,
    meetingPlacePublic: m.meetingPlacePublic,
    meetingPlaceForVolunteers: Boolean(m.meetingPlace) && !showPlace,
    volunteersNeeded: m.volunteersNeeded,
    volunteerCount: m.volunteerCount,
    placesLeft,
    full,
    capacity: full ? 'Complet' : capacityLabel(placesLeft, m.volunteersNeeded),
    skills: m.skills,
    status: m.status,
    closed: m.status === 'closed',
    ...(m.mine !== undefined ? { signedUp: m.mine } : {}),
  };
}

/** A project search's cursor: the last row's distance or recency. */
function isProjectCursor(c: unknown): c is ProjectCursor {
  const o = fieldOf(c, 'o');
  if (!isUuid(fieldOf(c, 'id'))) return false;
  if (o === 'distance') return isFiniteNumber(fieldOf(c, 'd'));
  return o === 'recent' && isTimestamp(fieldOf(c, 't'));
}

const decodeCursor = (raw: string) =>
  decodeKeyset(raw, isProjectCursor, 'curseur invalide : reprenez la recherche depuis le début');

/** Projects of organisations, their missions and the residents who volunteer for them. */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly db: Database,
    private readonly repo: OrganisationsRepository,
    private readonly organisations: OrganisationsService,
    private readonly accounts: AccountsService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    private readonly outbox: OutboxService,
    private readonly listings: ListingRecords,
    private readonly publication: ListingPublication,
    private readonly alerts: AlertsService,
    @Inject(IMAGE_STORE) private readonly images: ImageStore,
  ) {}

  async create(tenant: TenantRef, principal: Principal, dto: CreateProjectDto) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!dto.ongoing && !dto.startsOn)
      throw invalid('startsOn', 'indiquez une date de début, ou cochez « en continu »');
    if (dto.startsOn && dto.endsOn && dto.endsOn < dto.startsOn) throw invalid('endsOn', 'la fin doit suivre le début');
    const id = randomUUID();
    // The same rules as listings: the tenant's pre-moderation and its automatic hold rules.
    const { holdReasons, status } = await this.publication.screen(tenant, id, dto);
    const categories = await this.tenants.categories(tenant);
    await this.db.withTenant(tenant.id, async (tx) => {
      await this.accounts.assertCanPublish(tx, tenant, principal);
      const o = await this.organisations.managedOrganisation(tx, tenant, principal, dto.organisationId);
      const errors = [];
      if (!categories.some((c) => c.id === dto.categoryId))
        errors.push({ field: 'categoryId', message: "cette catégorie n'est pas proposée sur ce site" });
      if (!(await insideTenantArea(tx, tenant.id, dto.location)))
        errors.push({ field: 'location', message: 'ce lieu est en dehors de la commune desservie par ce site' });
      if (errors.length) throw new InvalidError(errors);
      await this.repo.insertProject(tx, id, {
        organisationId: dto.organisationId,
        title: dto.title,
        description: dto.description,
        categoryId: dto.categoryId,
        location: dto.location,
        publicLocation: await publicPointOf(tx, tenant.id, dto.location, id),
        startsOn: dto.ongoing ? null : (dto.startsOn ?? null),
        endsOn: dto.ongoing ? null : (dto.endsOn ?? null),
        ongoing: Boolean(dto.ongoing),
        status,
        holdReasons,
        createdBy: principal.accountId,
      });
      return o;
    });
    return this.get(tenant, id, principal);
  }

  async search(tenant: TenantRef, q: ProjectQuery) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const limit = q.limit ?? 20;
    const near = q.near ? parseNear(q.near) : undefined;
    if (q.radius && !near) throw invalid('radius', 'le rayon demande aussi une position (near=LAT,LNG)');
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    // Public reads go to the standby when there is one that keeps up (Database.read).
    const rows = await this.db.read(tenant.id, async (tx) => {
      const categoryId = q.category ? await this.listings.categoryId(tx, q.category) : undefined;
      if (q.category && !categoryId) throw invalid('category', "cette catégorie n'est pas proposée sur ce site");
      const neighbourhoodId = q.neighbourhood ? await this.listings.neighbourhoodId(tx, q.neighbourhood) : undefined;
      if (q.neighbourhood && !neighbourhoodId) throw invalid('neighbourhood', "ce quartier n'existe pas sur ce site");
      return searchProjects(
        tx,
        { organisationId: q.organisation, categoryId, neighbourhoodId, q: q.q, near, radiusM: q.radius },
        cursor,
        limit + 1,
      );
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeKeyset(
            last.sortDistance !== undefined
              ? { o: 'distance', d: last.sortDistance, id: last.id }
              : { o: 'recent', t: last.sortTime!, id: last.id },
          )
        : null;
    return { items: page.map(projectView), nextCursor };
  }

  async inBox(tenant: TenantRef, box: [number, number, number, number], categoryId?: string) {
    const rows = await this.db.read(tenant.id, (tx) => projectsInBox(tx, box, { categoryId }, MAP_CAP));
    return rows.map((r) => ({
      type: 'Feature',
      id: r.id,
      geometry: { type: 'Point', coordinates: [r.lng, r.lat] },
      properties: { id: r.id, kind: 'project', title: r.title, category: r.category, neighbourhood: r.neighbourhood },
    }));
  }

  /** A public project with its missions; its managers also see it before publication, with its status. */
  async get(tenant: TenantRef, id: string, principal?: Principal) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!UUID.test(id)) throw notFound('project');
    // A manager's or a volunteer's own changes are read back through the session's WAL position (Database.read).
    return this.db.read(tenant.id, async (tx) => {
      const p = await this.repo.findProject(tx, id);
      if (!p) throw notFound('project');
      const manager = principal ? await this.repo.isManager(tx, p.organisationId, principal.accountId) : false;
      const isPublic = p.status === 'published' && p.organisation.status === 'published';
      if (!isPublic && !manager) throw notFound('project');
      const missions = await this.repo.missionsOf(tx, id, principal?.accountId);
      return {
        ...projectView(p),
        missions: missions.map((m) => missionView(m, manager || m.mine)),
        manager,
        ...(manager ? { status: p.status, holdReasons: p.holdReasons, public: isPublic } : {}),
      };
    });
  }

  async update(tenant: TenantRef, principal: Principal, id: string, dto: UpdateProjectDto) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const reasons =
      dto.title !== undefined || dto.description !== undefined
        ? await this.publication.ruleReasons(tenant, `${dto.title ?? ''}\n${dto.description ?? ''}`)
        : [];
    await this.db.withTenant(tenant.id, async (tx) => {
      const p = await this.managedProject(tx, tenant, principal, id);
      if (p.status === 'removed' || p.status === 'rejected')
        throw new ConflictError(`Ce projet ne peut plus être modifié (état : ${p.status}).`);
      // Edited text goes through the automatic rules again; a held project leaves the public pages.
      const held = reasons.length && p.status === 'published';
      await this.repo.updateProject(tx, id, {
        title: dto.title,
        description: dto.description,
        status: dto.status ?? (held ? 'pending_review' : undefined),
        holdReasons: held ? reasons : undefined,
      });
    });
    return this.get(tenant, id, principal);
  }

  /**
   * Replaces the project's image: PNG, JPEG or WebP by their first bytes, at most IMAGE_MAX_BYTES, stored re-encoded.
   */
  async setImage(tenant: TenantRef, principal: Principal, id: string, bytes: unknown) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!Buffer.isBuffer(bytes) || bytes.length === 0)
      throw invalid('image', 'image attendue (PNG, JPEG ou WebP) dans le corps de la requête');
    if (bytes.length > IMAGE_MAX_BYTES)
      throw invalid('image', `image trop lourde (${Math.round(IMAGE_MAX_BYTES / 1024 / 1024)} Mo au plus)`);
    const type = sniffImageType(bytes);
    if (!type) throw invalid('image', 'format non reconnu : PNG, JPEG ou WebP attendu');
    // What is stored is re-encoded pixels only: no appended bytes, no EXIF (GPS), bounded dimensions.
    const image = await normaliseImage(bytes, type).catch((err: unknown) => {
      if (!(err instanceof ImageRejected)) throw err;
      if (err.reason === 'too_many_pixels') {
        throw invalid(
          'image',
          `image trop grande (${err.width} × ${err.height} pixels ; ${IMAGE_MAX_PIXELS / 1_000_000} millions de ` +
            `pixels au plus)`,
        );
      }
      throw invalid('image', 'image illisible ou abîmée : PNG, JPEG ou WebP attendu');
    });
    const key = `${tenant.id}/projects/${id}-${randomUUID()}`;
    const previous = await this.db.withTenant(
      tenant.id,
      async (tx) => (await this.managedProject(tx, tenant, principal, id)).imageKey,
    );
    await this.images.put(key, image.bytes);
    await this.db.withTenant(tenant.id, (tx) => this.repo.updateProject(tx, id, { image: { key, type } }));
    if (previous) await this.images.delete(previous).catch(() => undefined);
    return this.get(tenant, id, principal);
  }

  /** The image of a project the caller may see. */
  async image(tenant: TenantRef, id: string, principal?: Principal): Promise<{ bytes: Buffer; type: string }> {
    const p = await this.get(tenant, id, principal);
    const row = await this.db.withTenant(tenant.id, (tx) => this.repo.findProject(tx, p.id));
    const bytes = row?.imageKey ? await this.images.get(row.imageKey) : undefined;
    if (!bytes || !row?.imageType) throw new NotFoundError("Ce projet n'a pas d'image.");
    return { bytes, type: row.imageType };
  }

  async addMission(tenant: TenantRef, principal: Principal, projectId: string, dto: CreateMissionDto) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const { missionId, published } = await this.db.withTenant(tenant.id, async (tx) => {
      const p = await this.managedProject(tx, tenant, principal, projectId);
      if (!['published', 'pending_review'].includes(p.status))
        throw new ConflictError(`Ce projet ne peut plus recevoir de mission (état : ${p.status}).`);
      if (dto.endsAt && !dto.startsAt) throw invalid('endsAt', 'une fin demande un début (startsAt)');
      if (dto.endsAt && dto.startsAt && new Date(dto.endsAt) <= new Date(dto.startsAt))
        throw invalid('endsAt', 'la fin doit suivre le début');
      const missionId = await this.repo.insertMission(tx, {
        projectId,
        title: dto.title,
        description: dto.description ?? '',
        when: dto.when,
        startsAt: dto.startsAt ?? null,
        endsAt: dto.endsAt ?? null,
        meetingPlace: dto.meetingPlace || null,
        meetingPlacePublic: dto.meetingPlacePublic ?? false,
        volunteersNeeded: dto.volunteersNeeded,
        skills: (dto.skills ?? []).map((s) => s.trim()).filter(Boolean),
        createdBy: principal.accountId,
      });
      const isPublic = p.status === 'published' && p.organisation.status === 'published';
      return {
        missionId,
        published: isPublic ? await this.repo.recordMissionsPublished(tx, { missionIds: [missionId] }) : [],
      };
    });
    await this.organisations.missionsPublished(tenant.id, published);
    return this.mission(tenant, missionId, principal);
  }

  async mission(tenant: TenantRef, id: string, principal?: Principal) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!UUID.test(id)) throw notFound('mission');
    const m = await this.db.withTenant(tenant.id, (tx) => this.repo.findMission(tx, id));
    if (!m) throw notFound('mission');
    const project = await this.get(tenant, m.projectId, principal);
    const mine = project.missions.find((x) => x.id === id)?.signedUp ?? false;
    return missionView(m, project.manager || mine);
  }

  /**
   * Signs the resident up. A full or closed mission answers 409; signing up twice is harmless.
   * The place is taken by one UPDATE under the mission's row lock (see takePlace).
   */
  async volunteer(tenant: TenantRef, principal: Principal, missionId: string, shareContact = false) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!UUID.test(missionId)) throw notFound('mission');
    await this.db.withTenant(tenant.id, async (tx) => {
      await this.accounts.assertCanPublish(tx, tenant, principal);
      await this.publicMission(tx, tenant, missionId);
      const current = await this.repo.volunteerStatus(tx, missionId, principal.accountId, true);
      if (current === 'active') {
        await this.repo.upsertVolunteer(tx, missionId, principal.accountId, shareContact);
        return;
      }
      if (!(await this.repo.takePlace(tx, missionId)))
        throw new ConflictError('Cette mission est complète : il ne reste plus de place.');
      await this.repo.upsertVolunteer(tx, missionId, principal.accountId, shareContact);
    });
    return { ...(await this.mission(tenant, missionId, principal)), signedUp: true, shareContact };
  }

  async withdraw(tenant: TenantRef, principal: Principal, missionId: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    if (!UUID.test(missionId)) throw notFound('mission');
    await this.db.withTenant(tenant.id, async (tx) => {
      const current = await this.repo.volunteerStatus(tx, missionId, principal.accountId, true);
      if (current !== 'active') throw new NotFoundError("Vous n'êtes pas inscrit(e) à cette mission.");
      await this.repo.withdrawVolunteer(tx, missionId, principal.accountId);
      await this.repo.releasePlace(tx, missionId);
    });
    return { ...(await this.mission(tenant, missionId, principal)), signedUp: false };
  }

  /**
   * The mission's volunteers, for its organisation's managers: public name, and e-mail only when the volunteer chose to
   * share it.
   */
  async volunteers(tenant: TenantRef, principal: Principal, missionId: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    return this.db.withTenant(tenant.id, async (tx) => {
      const m = await this.managedMission(tx, tenant, principal, missionId);
      const list = await this.repo.volunteers(tx, missionId);
      return {
        mission: missionView(m),
        items: list.map((v) => ({
          id: v.id,
          displayName: v.displayName,
          since: v.since,
          ...(v.shareContact && v.email ? { email: v.email } : {}),
        })),
        nextCursor: null,
      };
    });
  }

  /**
   * A manager closes a mission's sign-ups, or opens them again. Closing also cancels its alert
   * e-mails that have not left yet (the digest already skips closed missions); opening again
   * sends no new alerts: each resident hears of a mission once.
   */
  async setMissionOpen(tenant: TenantRef, principal: Principal, missionId: string, open: boolean) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    await this.db.withTenant(tenant.id, async (tx) => {
      const m = await this.managedMission(tx, tenant, principal, missionId);
      if ((m.status === 'open') === open) return;
      await this.repo.setMissionStatus(tx, missionId, open ? 'open' : 'closed');
      if (!open) await this.alerts.cancelPending(tx, 'mission', missionId, 'mission closed');
    });
    return this.mission(tenant, missionId, principal);
  }

  /** A manager writes to every volunteer of a mission, through the platform (each is e-mailed). */
  async messageVolunteers(tenant: TenantRef, principal: Principal, missionId: string, body: string) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const origin = this.directory.origin(tenant.slug);
    const ids = await this.db.withTenant(tenant.id, async (tx) => {
      const m = await this.managedMission(tx, tenant, principal, missionId);
      const p = (await this.repo.findProject(tx, m.projectId))!;
      const list = await this.repo.volunteers(tx, missionId);
      const mails = [];
      for (const v of list) {
        const id = await this.repo.insertMessage(tx, {
          organisationId: p.organisationId,
          missionId,
          senderId: principal.accountId,
          recipientId: v.id,
          body,
        });
        if (v.email)
          mails.push({
            tenantId: tenant.id,
            to: v.email,
            template: 'organisation-message' as const,
            data: {
              displayName: v.displayName,
              organisationName: p.organisation.name,
              missionTitle: m.title,
              intro: `« ${p.organisation.name} » écrit aux bénévoles de la mission « ${m.title} » :`,
              body,
              url: `${origin}/projets/${p.id}`,
            },
            dedupeKey: `organisation-message:${id}:${v.id}`,
          });
      }
      return { ids: [...(await this.outbox.addMany(tx, tenant.id, mails)).values()], count: list.length };
    });
    await this.outbox.dispatch(tenant.id, ids.ids);
    return { sent: ids.count };
  }

  /** Each project's missions as the public sees them (capacity, « Complet »), for the projects list. */
  async missionsOfProjects(tenant: TenantRef, projectIds: string[]) {
    const byProject = new Map<string, Array<ReturnType<typeof missionView>>>();
    if (!projectIds.length) return byProject;
    const missions = await this.db.withTenant(tenant.id, (tx) => this.repo.missionsOfProjects(tx, projectIds));
    for (const m of missions) byProject.set(m.projectId, [...(byProject.get(m.projectId) ?? []), missionView(m)]);
    return byProject;
  }

  async mySignUps(tenant: TenantRef, principal: Principal) {
    await assertOrganisationsEnabled(this.tenants, tenant);
    return {
      items: (await this.db.withTenant(tenant.id, (tx) => this.repo.signUpsOf(tx, principal.accountId))).map((s) => ({
        ...s,
        schedule: scheduleLabel(s.startsAt, s.endsAt),
      })),
      nextCursor: null,
    };
  }

  async counts(tenantId: TenantId) {
    return this.db.withTenant(tenantId, (tx) => this.repo.counts(tx));
  }

  private async managedProject(
    tx: TenantTx,
    tenant: TenantRef,
    principal: Principal,
    projectId: string,
  ): Promise<ProjectRow> {
    if (!UUID.test(projectId)) throw notFound('project');
    const p = await this.repo.findProject(tx, projectId, { forUpdate: true });
    if (!p) throw notFound('project');
    if (!(await this.repo.isManager(tx, p.organisationId, principal.accountId))) {
      // Not public and not theirs: as if it did not exist.
      if (p.status !== 'published' || p.organisation.status !== 'published') throw notFound('project');
      throw notManager();
    }
    return p;
  }

  private async managedMission(
    tx: TenantTx,
    tenant: TenantRef,
    principal: Principal,
    missionId: string,
  ): Promise<MissionRow> {
    if (!UUID.test(missionId)) throw notFound('mission');
    const m = await this.repo.findMission(tx, missionId);
    if (!m) throw notFound('mission');
    const p = await this.repo.findProject(tx, m.projectId);
    if (!p || !(await this.repo.isManager(tx, p.organisationId, principal.accountId))) throw notManager();
    return m;
  }

  private async publicMission(tx: TenantTx, tenant: TenantRef, missionId: string): Promise<MissionRow> {
    const m = await this.repo.findMission(tx, missionId, { forUpdate: true });
    if (!m) throw notFound('mission');
    const p = await this.repo.findProject(tx, m.projectId);
    if (!p || p.status !== 'published' || p.organisation.status !== 'published') throw notFound('mission');
    if (m.status !== 'open') throw new ConflictError("Cette mission n'accepte plus d'inscriptions.");
    return m;
  }
}

function parseNear(near: string): LatLng {
  const [lat, lng] = near.split(',').map(Number);
  if (!(lat >= -90 && lat <= 90)) throw invalid('near', 'latitude hors limites (-90 à 90)');
  if (!(lng >= -180 && lng <= 180)) throw invalid('near', 'longitude hors limites (-180 à 180)');
  return { lat, lng };
}
