import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, TenantTx, Tx } from '@libs/db';
import { LatLng, pointSql } from '@libs/geo';
import { OrganisationManager } from './entities/organisation-manager.entity';

export type OrganisationStatus = 'pending_review' | 'published' | 'rejected' | 'removed';
export type ProjectStatus = 'pending_review' | 'published' | 'rejected' | 'removed' | 'closed';

export interface OrganisationRow {
  id: string;
  name: string;
  kind: string;
  description: string;
  website: string | null;
  status: OrganisationStatus;
  neighbourhood: { id: string; slug: string; name: string } | null;
  createdBy: string;
  createdAt: Date;
}

export interface ProjectRow {
  id: string;
  organisationId: string;
  organisation: { id: string; name: string; kind: string; status: OrganisationStatus };
  title: string;
  description: string;
  categoryId: string;
  category: { id: string; slug: string; name: string };
  neighbourhood: { id: string; slug: string; name: string } | null;
  publicLocation: LatLng;
  startsOn: string | null;
  endsOn: string | null;
  ongoing: boolean;
  imageKey: string | null;
  imageType: string | null;
  status: ProjectStatus;
  holdReasons: string[];
  createdAt: Date;
  sortDistance?: number;
  sortTime?: string;
}

export interface MissionRow {
  id: string;
  projectId: string;
  title: string;
  description: string;
  when: string;
  startsAt: Date | null;
  endsAt: Date | null;
  meetingPlace: string | null;
  meetingPlacePublic: boolean;
  volunteersNeeded: number;
  volunteerCount: number;
  skills: string[];
  status: 'open' | 'closed';
  createdAt: Date;
}

export interface ManagerRow {
  id: string;
  displayName: string;
  email: string | null;
  role: 'owner' | 'co_manager';
}

/** A message a resident sent to an organisation. */
export interface InboxMessage {
  id: string;
  senderId: string;
  senderName: string;
  body: string;
  createdAt: Date;
}

export interface VolunteerRow {
  id: string;
  displayName: string;
  email: string | null;
  shareContact: boolean;
  since: Date;
}

/** A mission a resident signed up for. */
export interface SignUpRow {
  id: string;
  title: string;
  when: string;
  startsAt: Date | null;
  endsAt: Date | null;
  meetingPlace: string | null;
  neighbourhood: string | null;
  organisationName: string;
  projectPublic: boolean;
  projectId: string;
  projectTitle: string;
  shareContact: boolean;
  since: Date;
}

/** A volunteer to remind of tomorrow's mission. */
export interface DueMissionReminder {
  missionId: string;
  accountId: string;
  email: string;
  displayName: string;
  title: string;
  startsAt: Date;
  endsAt: Date | null;
  meetingPlace: string | null;
  neighbourhood: string | null;
  organisationName: string;
  projectId: string;
}

/** What the RGPD export shows of the account's part in organisations (built as JSON by PostgreSQL). */
export interface OrganisationsExport {
  managed: Array<{ organisation: string; role: 'owner' | 'co_manager' }>;
  volunteering: Array<{ mission: string; status: 'active' | 'withdrawn'; shareContact: boolean; since: string }>;
  messages: Array<{ body: string; at: string }>;
}

const ORGANISATION_COLUMNS = `
  o.id, o.name, o.kind, o.description, o.website, o.status, o.created_by AS "createdBy", o.created_at AS "createdAt",
  CASE WHEN n.id IS NULL THEN NULL ELSE json_build_object('id', n.id, 'slug', n.slug, 'name', n.name) END AS
    neighbourhood`;
const ORGANISATION_JOINS = `LEFT JOIN neighbourhoods n ON n.tenant_id = o.tenant_id AND n.id = o.neighbourhood_id`;

export const PROJECT_COLUMNS = `
  p.id, p.organisation_id AS "organisationId", p.title, p.description, p.category_id AS "categoryId", p.status,
    p.hold_reasons AS "holdReasons",
  p.starts_on::text AS "startsOn", p.ends_on::text AS "endsOn", p.ongoing, p.image_key AS "imageKey", p.image_type AS
    "imageType", p.created_at AS "createdAt",
  json_build_object('id', o.id, 'name', o.name, 'kind', o.kind, 'status', o.status) AS organisation,
  json_build_object('id', c.id, 'slug', c.slug, 'name', c.name) AS category,
  CASE WHEN n.id IS NULL THEN NULL ELSE json_build_object('id', n.id, 'slug', n.slug, 'name', n.name) END AS
    neighbourhood,
  json_build_object('lat', ST_Y(p.public_location::geometry), 'lng', ST_X(p.public_location::geometry)) AS
    "publicLocation"`;
export const PROJECT_JOINS = `
  JOIN organisations o ON o.tenant_id = p.tenant_id AND o.id = p.organisation_id
  JOIN categories c ON c.id = p.category_id
  LEFT JOIN neighbourhoods n ON n.tenant_id = p.tenant_id AND n.id = p.neighbourhood_id`;
/** A project is public when it and its organisation are. */
export const PROJECT_PUBLIC = `p.status = 'published' AND o.status = 'published'`;

const MISSION_COLUMNS = `
  m.id, m.project_id AS "projectId", m.title, m.description, m.when_text AS "when", m.starts_at AS "startsAt",
  m.ends_at AS "endsAt", m.meeting_place AS "meetingPlace", m.meeting_place_public AS "meetingPlacePublic",
  m.volunteers_needed AS "volunteersNeeded", m.volunteer_count AS "volunteerCount", m.skills, m.status, m.created_at
    AS "createdAt"`;

/** Organisations, their managers and messages, projects, missions and volunteers of one tenant. */
@Injectable()
export class OrganisationsRepository {
  async insertOrganisation(
    tx: TenantTx,
    o: {
      name: string;
      kind: string;
      description: string;
      neighbourhoodId: string | null;
      website: string | null;
      status: OrganisationStatus;
      createdBy: string;
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      `INSERT INTO organisations (tenant_id, name, kind, description, neighbourhood_id, website, status, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [tx.tenantId, o.name, o.kind, o.description, o.neighbourhoodId, o.website, o.status, o.createdBy],
    );
    await tx.insert(OrganisationManager, {
      tenantId: tx.tenantId,
      organisationId: row.id,
      accountId: o.createdBy,
      role: 'owner',
    });
    return row.id;
  }

  findOrganisation(tx: TenantTx, id: string, opts: { forUpdate?: boolean } = {}): Promise<OrganisationRow | undefined> {
    return firstRow<OrganisationRow>(
      tx,
      `SELECT ${ORGANISATION_COLUMNS} FROM organisations o ${ORGANISATION_JOINS} WHERE o.tenant_id = $1 AND o.id ` +
        `= $2 ${opts.forUpdate ? 'FOR UPDATE OF o' : ''}`,
      [tx.tenantId, id],
    );
  }

  /** Published organisations by name, keyset-paginated on (name, id). */
  listPublicOrganisations(
    tx: TenantTx,
    limit: number,
    after?: { name: string; id: string },
  ): Promise<OrganisationRow[]> {
    return rows<OrganisationRow>(
      tx,
      `SELECT ${ORGANISATION_COLUMNS} FROM organisations o ${ORGANISATION_JOINS}
       WHERE o.tenant_id = $1 AND o.status = 'published' ${after ? 'AND (o.name, o.id) > ($3, $4::uuid)' : ''}
       ORDER BY o.name, o.id LIMIT $2`,
      after ? [tx.tenantId, limit, after.name, after.id] : [tx.tenantId, limit],
    );
  }

  listManagedBy(tx: TenantTx, accountId: string): Promise<Array<OrganisationRow & { role: string }>> {
    return rows<OrganisationRow & { role: string }>(
      tx,
      `SELECT ${ORGANISATION_COLUMNS}, om.role FROM organisation_managers om
       JOIN organisations o ON o.tenant_id = om.tenant_id AND o.id = om.organisation_id ${ORGANISATION_JOINS}
       WHERE om.tenant_id = $1 AND om.account_id = $2 ORDER BY o.name`,
      [tx.tenantId, accountId],
    );
  }

  async setOrganisationStatus(tx: TenantTx, id: string, status: OrganisationStatus): Promise<void> {
    await execute(tx, `UPDATE organisations SET status = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
      tx.tenantId,
      id,
      status,
    ]);
  }

  isManager(tx: TenantTx, organisationId: string, accountId: string): Promise<boolean> {
    return tx.existsBy(OrganisationManager, { tenantId: tx.tenantId, organisationId, accountId });
  }

  managers(tx: TenantTx, organisationId: string): Promise<ManagerRow[]> {
    return rows<ManagerRow>(
      tx,
      `SELECT a.id, a.display_name AS "displayName", a.email, om.role FROM organisation_managers om
       JOIN accounts a ON a.tenant_id = om.tenant_id AND a.id = om.account_id
       WHERE om.tenant_id = $1 AND om.organisation_id = $2 AND a.deleted_at IS NULL ORDER BY om.created_at`,
      [tx.tenantId, organisationId],
    );
  }

  /** Adds a verified, active resident of the tenant as co-manager; returns them when newly added. */
  async addCoManager(
    tx: TenantTx,
    organisationId: string,
    email: string,
  ): Promise<{ id: string; email: string; displayName: string } | undefined> {
    const r = await rows<{ id: string; email: string; displayName: string }>(
      tx,
      `INSERT INTO organisation_managers (tenant_id, organisation_id, account_id, role)
       SELECT tenant_id, $2, id, 'co_manager' FROM accounts
       WHERE tenant_id = $1 AND lower(email) = lower($3) AND email_verified_at IS NOT NULL AND deleted_at IS NULL AND
         banned_at IS NULL
       ON CONFLICT DO NOTHING
       RETURNING account_id AS id, $3::text AS email, (SELECT display_name FROM accounts WHERE tenant_id = $1 AND
         lower(email) = lower($3)) AS "displayName"`,
      [tx.tenantId, organisationId, email],
    );
    return r[0];
  }

  async insertMessage(
    tx: TenantTx,
    m: {
      organisationId: string;
      missionId?: string | null;
      senderId: string;
      recipientId: string | null;
      body: string;
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      `INSERT INTO organisation_messages (tenant_id, organisation_id, mission_id, sender_id, recipient_id, body) ` +
        `VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [tx.tenantId, m.organisationId, m.missionId ?? null, m.senderId, m.recipientId, m.body],
    );
    return row.id;
  }

  /** Messages residents sent to the organisation, newest first. */
  inbox(tx: TenantTx, organisationId: string, limit = 50): Promise<InboxMessage[]> {
    return rows<InboxMessage>(
      tx,
      `SELECT m.id, m.sender_id AS "senderId", a.display_name AS "senderName", m.body, m.created_at AS "createdAt"
       FROM organisation_messages m JOIN accounts a ON a.tenant_id = m.tenant_id AND a.id = m.sender_id
       WHERE m.tenant_id = $1 AND m.organisation_id = $2 AND m.recipient_id IS NULL ORDER BY m.created_at DESC LIMIT
         $3`,
      [tx.tenantId, organisationId, limit],
    );
  }

  message(tx: TenantTx, organisationId: string, id: string): Promise<{ senderId: string } | undefined> {
    return firstRow<{ senderId: string }>(
      tx,
      `SELECT sender_id AS "senderId" FROM organisation_messages WHERE tenant_id = $1 AND organisation_id = $2 ` +
        `AND id = $3 AND recipient_id IS NULL`,
      [tx.tenantId, organisationId, id],
    );
  }

  recipient(
    tx: TenantTx,
    accountId: string,
  ): Promise<{ id: string; email: string | null; displayName: string } | undefined> {
    return firstRow<{ id: string; email: string | null; displayName: string }>(
      tx,
      `SELECT id, email, display_name AS "displayName" FROM accounts WHERE tenant_id = $1 AND id = $2 AND ` +
        `deleted_at IS NULL`,
      [tx.tenantId, accountId],
    );
  }

  // Projects

  async insertProject(
    tx: TenantTx,
    id: string,
    p: {
      organisationId: string;
      title: string;
      description: string;
      categoryId: string;
      location: LatLng;
      publicLocation: LatLng;
      startsOn: string | null;
      endsOn: string | null;
      ongoing: boolean;
      status: ProjectStatus;
      holdReasons: string[];
      createdBy: string;
    },
  ): Promise<void> {
    await execute(
      tx,
      `INSERT INTO projects (tenant_id, id, organisation_id, title, description, category_id, location,
        public_location, neighbourhood_id,
                             starts_on, ends_on, ongoing, status, hold_reasons, created_by, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, ${pointSql('$7', '$8')}, ${pointSql('$9', '$10')},
               (SELECT id FROM neighbourhoods WHERE tenant_id = $1 ORDER BY outline <-> ${pointSql('$7', '$8')} LIMIT
                 1),
               $11, $12, $13, $14, $15, $16, CASE WHEN $14 = 'published' THEN now() END)`,
      [
        tx.tenantId,
        id,
        p.organisationId,
        p.title,
        p.description,
        p.categoryId,
        p.location.lng,
        p.location.lat,
        p.publicLocation.lng,
        p.publicLocation.lat,
        p.startsOn,
        p.endsOn,
        p.ongoing,
        p.status,
        p.holdReasons,
        p.createdBy,
      ],
    );
  }

  findProject(tx: TenantTx, id: string, opts: { forUpdate?: boolean } = {}): Promise<ProjectRow | undefined> {
    return firstRow<ProjectRow>(
      tx,
      `SELECT ${PROJECT_COLUMNS} FROM projects p ${PROJECT_JOINS} WHERE p.tenant_id = $1 AND p.id = $2 ` +
        `${opts.forUpdate ? 'FOR UPDATE OF p' : ''}`,
      [tx.tenantId, id],
    );
  }

  async updateProject(
    tx: TenantTx,
    id: string,
    u: {
      title?: string;
      description?: string;
      status?: ProjectStatus;
      holdReasons?: string[];
      image?: { key: string; type: string };
    },
  ): Promise<void> {
    const params: unknown[] = [tx.tenantId, id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const sets: string[] = [];
    if (u.title !== undefined) sets.push(`title = ${p(u.title)}`);
    if (u.description !== undefined) sets.push(`description = ${p(u.description)}`);
    if (u.status)
      sets.push(
        `status = ${p(u.status)}`,
        `published_at = CASE WHEN $${params.length} = 'published' THEN coalesce(published_at, now()) ELSE ` +
          `published_at END`,
      );
    if (u.holdReasons) sets.push(`hold_reasons = ${p(u.holdReasons)}`);
    if (u.image) sets.push(`image_key = ${p(u.image.key)}`, `image_type = ${p(u.image.type)}`);
    if (!sets.length) return;
    await execute(
      tx,
      `UPDATE projects SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      params,
    );
  }

  projectsOf(tx: TenantTx, organisationId: string, publicOnly: boolean): Promise<ProjectRow[]> {
    return rows<ProjectRow>(
      tx,
      `SELECT ${PROJECT_COLUMNS} FROM projects p ${PROJECT_JOINS}
       WHERE p.tenant_id = $1 AND p.organisation_id = $2 ${publicOnly ? "AND p.status = 'published'" : ''} ORDER BY
         p.created_at DESC`,
      [tx.tenantId, organisationId],
    );
  }

  // Missions and volunteers

  async insertMission(
    tx: TenantTx,
    m: {
      projectId: string;
      title: string;
      description: string;
      when: string;
      startsAt: string | null;
      endsAt: string | null;
      meetingPlace: string | null;
      meetingPlacePublic: boolean;
      volunteersNeeded: number;
      skills: string[];
      createdBy: string;
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      `INSERT INTO missions (tenant_id, project_id, title, description, when_text, starts_at, ends_at, meeting_place,
        meeting_place_public, volunteers_needed, skills, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        tx.tenantId,
        m.projectId,
        m.title,
        m.description,
        m.when,
        m.startsAt,
        m.endsAt,
        m.meetingPlace,
        m.meetingPlacePublic,
        m.volunteersNeeded,
        m.skills,
        m.createdBy,
      ],
    );
    return row.id;
  }

  /** `forUpdate` serialises the sign-ups of one mission (a resident's double click included). */
  findMission(tx: TenantTx, id: string, opts: { forUpdate?: boolean } = {}): Promise<MissionRow | undefined> {
    return firstRow<MissionRow>(
      tx,
      `SELECT ${MISSION_COLUMNS} FROM missions m WHERE m.tenant_id = $1 AND m.id = $2 ` +
        `${opts.forUpdate ? 'FOR UPDATE' : ''}`,
      [tx.tenantId, id],
    );
  }

  missionsOf(tx: TenantTx, projectId: string, accountId?: string): Promise<Array<MissionRow & { mine: boolean }>> {
    return rows<MissionRow & { mine: boolean }>(
      tx,
      `SELECT ${MISSION_COLUMNS}, EXISTS (SELECT 1 FROM mission_volunteers v WHERE v.tenant_id = m.tenant_id AND
        v.mission_id = m.id AND v.account_id = $3 AND v.status = 'active') AS mine
       FROM missions m WHERE m.tenant_id = $1 AND m.project_id = $2 ORDER BY m.starts_at NULLS LAST, m.created_at`,
      [tx.tenantId, projectId, accountId ?? null],
    );
  }

  /** The missions of these projects, for lists that say which are full. */
  missionsOfProjects(tx: TenantTx, projectIds: string[]): Promise<MissionRow[]> {
    return rows<MissionRow>(
      tx,
      `SELECT ${MISSION_COLUMNS} FROM missions m WHERE m.tenant_id = $1 AND m.project_id = ANY($2::uuid[])
       ORDER BY m.starts_at NULLS LAST, m.created_at`,
      [tx.tenantId, projectIds],
    );
  }

  /**
   * Takes a place if one is left: the UPDATE locks the mission's row, so concurrent sign-ups
   * for the last place queue behind each other and only the first finds `volunteer_count <
   * volunteers_needed`. Returns false when the mission is full or closed.
   */
  async takePlace(tx: TenantTx, missionId: string): Promise<boolean> {
    const taken = await execute(
      tx,
      `UPDATE missions SET volunteer_count = volunteer_count + 1
       WHERE tenant_id = $1 AND id = $2 AND status = 'open' AND volunteer_count < volunteers_needed`,
      [tx.tenantId, missionId],
    );
    return taken > 0;
  }

  async releasePlace(tx: TenantTx, missionId: string): Promise<void> {
    await execute(
      tx,
      `UPDATE missions SET volunteer_count = volunteer_count - 1 WHERE tenant_id = $1 AND id = $2 AND ` +
        `volunteer_count > 0`,
      [tx.tenantId, missionId],
    );
  }

  async volunteerStatus(
    tx: TenantTx,
    missionId: string,
    accountId: string,
    lock = false,
  ): Promise<'active' | 'withdrawn' | undefined> {
    const r = await firstRow<{ status: 'active' | 'withdrawn' }>(
      tx,
      `SELECT status FROM mission_volunteers WHERE tenant_id = $1 AND mission_id = $2 AND account_id = $3 ` +
        `${lock ? 'FOR UPDATE' : ''}`,
      [tx.tenantId, missionId, accountId],
    );
    return r?.status;
  }

  async upsertVolunteer(tx: TenantTx, missionId: string, accountId: string, shareContact: boolean): Promise<void> {
    await execute(
      tx,
      `INSERT INTO mission_volunteers (tenant_id, mission_id, account_id, share_contact) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, mission_id, account_id) DO UPDATE SET status = 'active', share_contact =
         EXCLUDED.share_contact, updated_at = now()`,
      [tx.tenantId, missionId, accountId, shareContact],
    );
  }

  async withdrawVolunteer(tx: TenantTx, missionId: string, accountId: string): Promise<void> {
    await execute(
      tx,
      `UPDATE mission_volunteers SET status = 'withdrawn', updated_at = now() WHERE tenant_id = $1 AND mission_id ` +
        `= $2 AND account_id = $3`,
      [tx.tenantId, missionId, accountId],
    );
  }

  volunteers(tx: TenantTx, missionId: string): Promise<VolunteerRow[]> {
    return rows<VolunteerRow>(
      tx,
      `SELECT a.id, a.display_name AS "displayName", a.email, v.share_contact AS "shareContact", v.created_at AS since
       FROM mission_volunteers v JOIN accounts a ON a.tenant_id = v.tenant_id AND a.id = v.account_id
       WHERE v.tenant_id = $1 AND v.mission_id = $2 AND v.status = 'active' AND a.deleted_at IS NULL ORDER BY
         v.created_at`,
      [tx.tenantId, missionId],
    );
  }

  /** The missions a resident signed up for. */
  signUpsOf(tx: TenantTx, accountId: string): Promise<SignUpRow[]> {
    return rows<SignUpRow>(
      tx,
      `SELECT m.id, m.title, m.when_text AS "when", m.starts_at AS "startsAt", m.ends_at AS "endsAt", m.meeting_place
        AS "meetingPlace", n.name AS neighbourhood, o.name AS "organisationName", p.id AS "projectId", p.title AS
        "projectTitle", ${PROJECT_PUBLIC} AS "projectPublic", v.share_contact AS "shareContact", v.created_at AS since
       FROM mission_volunteers v JOIN missions m ON m.tenant_id = v.tenant_id AND m.id = v.mission_id
       JOIN projects p ON p.tenant_id = m.tenant_id AND p.id = m.project_id
       JOIN organisations o ON o.tenant_id = p.tenant_id AND o.id = p.organisation_id
       LEFT JOIN neighbourhoods n ON n.tenant_id = p.tenant_id AND n.id = p.neighbourhood_id
       WHERE v.tenant_id = $1 AND v.account_id = $2 AND v.status = 'active'
       ORDER BY m.starts_at NULLS LAST, v.created_at DESC`,
      [tx.tenantId, accountId],
    );
  }

  // Calendar feeds and reminders

  /** The id the account's feed link is signed over, if it has a feed. */
  async feedId(tx: TenantTx, accountId: string): Promise<string | undefined> {
    const r = await firstRow<{ id: string }>(
      tx,
      `SELECT id FROM calendar_feeds WHERE tenant_id = $1 AND account_id = $2`,
      [tx.tenantId, accountId],
    );
    return r?.id;
  }

  /** A new feed id for the account: the previous link, if any, stops working. */
  async renewFeed(tx: TenantTx, accountId: string): Promise<string> {
    const [r] = await rows<{ id: string }>(
      tx,
      `INSERT INTO calendar_feeds (tenant_id, account_id) VALUES ($1, $2)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET id = gen_random_uuid(), created_at = now() RETURNING id`,
      [tx.tenantId, accountId],
    );
    return r.id;
  }

  async deleteFeed(tx: TenantTx, accountId: string): Promise<void> {
    await execute(tx, `DELETE FROM calendar_feeds WHERE tenant_id = $1 AND account_id = $2`, [tx.tenantId, accountId]);
  }

  /** Tenants with volunteers not yet reminded of a mission starting in [from, to) (owner function, every tenant). */
  async reminderTenants(tx: Tx, from: Date, to: Date): Promise<string[]> {
    const r = await rows<{ id: string }>(tx, `SELECT app_mission_reminder_tenants($1, $2) AS id`, [from, to]);
    return r.map((x) => x.id);
  }

  /** Active volunteers with an address, of public missions starting in [from, to), not yet reminded. */
  dueReminders(tx: TenantTx, from: Date, to: Date, limit: number): Promise<DueMissionReminder[]> {
    return rows<DueMissionReminder>(
      tx,
      `SELECT m.id AS "missionId", a.id AS "accountId", a.email, a.display_name AS "displayName", m.title,
         m.starts_at AS "startsAt", m.ends_at AS "endsAt", m.meeting_place AS "meetingPlace", n.name AS
         neighbourhood, o.name AS "organisationName", p.id AS "projectId"
       FROM missions m
       JOIN projects p ON p.tenant_id = m.tenant_id AND p.id = m.project_id
       JOIN organisations o ON o.tenant_id = p.tenant_id AND o.id = p.organisation_id
       LEFT JOIN neighbourhoods n ON n.tenant_id = p.tenant_id AND n.id = p.neighbourhood_id
       JOIN mission_volunteers v ON v.tenant_id = m.tenant_id AND v.mission_id = m.id AND v.status = 'active'
       JOIN accounts a ON a.tenant_id = v.tenant_id AND a.id = v.account_id
       WHERE m.tenant_id = $1 AND m.starts_at >= $2 AND m.starts_at < $3 AND ${PROJECT_PUBLIC}
         AND a.email IS NOT NULL AND a.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM mission_reminders r WHERE r.tenant_id = v.tenant_id AND r.mission_id =
           v.mission_id AND r.account_id = v.account_id)
       ORDER BY m.starts_at, m.id, a.id LIMIT $4`,
      [tx.tenantId, from, to, limit],
    );
  }

  /** False when this volunteer was already reminded of this mission. */
  async recordReminder(tx: TenantTx, missionId: string, accountId: string, at: Date): Promise<boolean> {
    const inserted = await execute(
      tx,
      `INSERT INTO mission_reminders (tenant_id, mission_id, account_id, sent_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [tx.tenantId, missionId, accountId, at],
    );
    return inserted > 0;
  }

  /**
   * Records a MissionPublished event for each open mission of these projects (or these
   * missions) that has none yet, in the transaction that makes them public: their alert
   * e-mails then follow even if the process stops right after the commit. Returns the missions.
   */
  async recordMissionsPublished(tx: TenantTx, on: { projectIds?: string[]; missionIds?: string[] }): Promise<string[]> {
    const r = await rows<{ id: string }>(
      tx,
      `INSERT INTO domain_events (tenant_id, type, aggregate_id, payload)
       SELECT m.tenant_id, 'MissionPublished', m.id, json_build_object('missionId', m.id) FROM missions m
       WHERE m.tenant_id = $1 AND m.status = 'open' AND (m.project_id = ANY($2::uuid[]) OR m.id = ANY($3::uuid[]))
         AND NOT EXISTS (SELECT 1 FROM domain_events e WHERE e.tenant_id = m.tenant_id AND e.type = 'MissionPublished'
           AND e.aggregate_id = m.id)
       RETURNING aggregate_id AS id`,
      [tx.tenantId, on.projectIds ?? [], on.missionIds ?? []],
    );
    return r.map((x) => x.id);
  }

  async setMissionStatus(tx: TenantTx, missionId: string, status: 'open' | 'closed'): Promise<void> {
    await execute(tx, `UPDATE missions SET status = $3 WHERE tenant_id = $1 AND id = $2`, [
      tx.tenantId,
      missionId,
      status,
    ]);
  }

  async counts(
    tx: TenantTx,
  ): Promise<{ organisations: number; projects: number; missions: number; volunteers: number }> {
    const [r] = await rows<{ organisations: number; projects: number; missions: number; volunteers: number }>(
      tx,
      `SELECT (SELECT count(*) FROM organisations WHERE tenant_id = $1 AND status = 'published')::int AS organisations,
              (SELECT count(*) FROM projects p JOIN organisations o ON o.tenant_id = p.tenant_id AND o.id =
                p.organisation_id
                WHERE p.tenant_id = $1 AND ${PROJECT_PUBLIC})::int AS projects,
              (SELECT count(*) FROM missions WHERE tenant_id = $1)::int AS missions,
              (SELECT count(*) FROM mission_volunteers WHERE tenant_id = $1 AND status = 'active')::int AS volunteers`,
      [tx.tenantId],
    );
    return r;
  }

  /** On account erasure: sign-ups withdrawn (places given back), messages blanked. */
  async eraseFor(tx: TenantTx, accountId: string): Promise<void> {
    await execute(
      tx,
      `UPDATE missions m SET volunteer_count = volunteer_count - 1 FROM mission_volunteers v
       WHERE v.tenant_id = $1 AND v.account_id = $2 AND v.status = 'active' AND m.tenant_id = v.tenant_id AND m.id =
         v.mission_id`,
      [tx.tenantId, accountId],
    );
    await execute(
      tx,
      `UPDATE mission_volunteers SET status = 'withdrawn', share_contact = false, updated_at = now() WHERE ` +
        `tenant_id = $1 AND account_id = $2`,
      [tx.tenantId, accountId],
    );
    await execute(
      tx,
      `UPDATE organisation_messages SET body = 'Message supprimé.' WHERE tenant_id = $1 AND sender_id = $2`,
      [tx.tenantId, accountId],
    );
    await this.deleteFeed(tx, accountId);
  }

  async exportFor(tx: TenantTx, accountId: string): Promise<OrganisationsExport> {
    const [r] = await rows<{ data: OrganisationsExport }>(
      tx,
      `SELECT json_build_object(
         'managed', (SELECT coalesce(json_agg(json_build_object('organisation', o.name, 'role', om.role)), '[]') FROM
           organisation_managers om
                     JOIN organisations o ON o.tenant_id = om.tenant_id AND o.id = om.organisation_id WHERE
                       om.tenant_id = $1 AND om.account_id = $2),
         'volunteering', (SELECT coalesce(json_agg(json_build_object('mission', m.title, 'status', v.status,
           'shareContact', v.share_contact, 'since', v.created_at)), '[]')
                     FROM mission_volunteers v JOIN missions m ON m.tenant_id = v.tenant_id AND m.id = v.mission_id
                       WHERE v.tenant_id = $1 AND v.account_id = $2),
         'messages', (SELECT coalesce(json_agg(json_build_object('body', body, 'at', created_at)), '[]') FROM
           organisation_messages WHERE tenant_id = $1 AND sender_id = $2)
       ) AS data`,
      [tx.tenantId, accountId],
    );
    return r.data;
  }
}
