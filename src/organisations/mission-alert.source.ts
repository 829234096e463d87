import { Injectable, OnModuleInit } from '@nestjs/common';
import { rows, TenantTx } from '@libs/db';
import { parseTenantId, TenantRef } from '@libs/tenancy';
import type { AlertCandidate, AlertSource } from '@src/alerts/alert-source';
import { AlertSources } from '@src/alerts/alert-sources';
import { AlertsService } from '@src/alerts/alerts.service';
import { distanceLabel } from '@src/alerts/distance-label';
import { TenantsService } from '@src/tenants/tenants.service';
import { organisationsEnabled } from './organisations-access';
import { OrganisationsService } from './organisations.service';

/** What a mission's alerts say about it. */
export interface MissionAlertItem {
  id: string;
  title: string;
  description: string;
  when: string;
  volunteersNeeded: number;
  projectId: string;
  projectTitle: string;
  organisationName: string;
  category: string;
  neighbourhood: string | null;
}

/** A mission, its project and its organisation all public. */
const MISSION_PUBLIC = `m.status = 'open' AND p.status = 'published' AND o.status = 'published'`;
const MISSION_JOINS = `JOIN projects p ON p.tenant_id = m.tenant_id AND p.id = m.project_id
       JOIN organisations o ON o.tenant_id = p.tenant_id AND o.id = p.organisation_id`;

/**
 * Missions as a source of alerts (src/alerts): an open mission of a public project is told to
 * the residents whose alert covers the project's category and place, in mission_notifications;
 * its e-mails are `mission-match` and the daily `mission-digest`. Closing a mission cancels its
 * alerts not yet sent (ProjectsService), and the outbox cancels any it finds closed at send time.
 */
@Injectable()
export class MissionAlertSource implements AlertSource<MissionAlertItem>, OnModuleInit {
  readonly kind = 'mission';
  readonly publishedEvent = 'MissionPublished';
  readonly table = { name: 'mission_notifications', itemColumn: 'mission_id' };
  readonly templates = { alert: 'mission-match', digest: 'mission-digest' } as const;
  readonly keys = { alert: 'mission', digest: 'mission-digest' };

  constructor(
    private readonly sources: AlertSources,
    private readonly alerts: AlertsService,
    private readonly organisations: OrganisationsService,
    private readonly tenants: TenantsService,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
    this.organisations.onMissionsPublished((tenantId, missionIds) =>
      this.alerts.announce(
        this.kind,
        parseTenantId(tenantId),
        missionIds.map((id) => ({ id })),
      ),
    );
  }

  enabled(tenant: TenantRef): Promise<boolean> {
    return organisationsEnabled(this.tenants, tenant);
  }

  find(tx: TenantTx, ids: string[]): Promise<MissionAlertItem[]> {
    return rows<MissionAlertItem>(
      tx,
      `SELECT m.id, m.title, m.description, m.when_text AS "when", m.volunteers_needed AS "volunteersNeeded", p.id AS
        "projectId", p.title AS "projectTitle",
              o.name AS "organisationName", c.name AS category, n.name AS neighbourhood
       FROM missions m ${MISSION_JOINS}
       JOIN categories c ON c.id = p.category_id
       LEFT JOIN neighbourhoods n ON n.tenant_id = p.tenant_id AND n.id = p.neighbourhood_id
       WHERE m.tenant_id = $1 AND m.id = ANY($2::uuid[]) AND ${MISSION_PUBLIC}`,
      [tx.tenantId, ids],
    );
  }

  stillSendable(ref: string): string {
    return (
      `EXISTS (SELECT 1 FROM missions m ${MISSION_JOINS} WHERE m.tenant_id = $1::uuid AND m.id = ${ref} AND ` +
      `${MISSION_PUBLIC})`
    );
  }

  /**
   * Who hears about a mission, in one place: residents whose alerts name the project's category
   * and whose home is within their own radius of the project's exact point (as listing alerts:
   * app_alert_recipients finds the followers an alert reaches, with their distance, through the
   * GIN index accounts_alert_categories; the join back to accounts runs under RLS), minus the
   * organisation's managers, the mission's volunteers and deleted, banned, unverified or
   * unsubscribed accounts; nothing once the mission is full; nearest first, at most `cap`.
   */
  recipients(tx: TenantTx, item: MissionAlertItem, cap: number): Promise<AlertCandidate[]> {
    return rows<AlertCandidate>(
      tx,
      `WITH m AS (
         SELECT m.id, p.category_id, p.location, p.organisation_id FROM missions m ${MISSION_JOINS}
         WHERE m.tenant_id = $1 AND m.id = $2 AND ${MISSION_PUBLIC} AND m.volunteer_count < m.volunteers_needed
       )
       SELECT a.id AS "recipientId", a.email, a.display_name AS "displayName", round(c.distance_m)::int AS
         "distanceM", a.notify_mode AS "notifyMode"
       FROM m, app_alert_recipients(m.category_id, m.location) AS c
       JOIN accounts a ON a.tenant_id = $1 AND a.id = c.id
       WHERE a.email IS NOT NULL AND a.email_verified_at IS NOT NULL AND a.deleted_at IS NULL AND a.unsubscribed_at IS
         NULL AND a.banned_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM organisation_managers om WHERE om.tenant_id = $1 AND om.organisation_id =
           m.organisation_id AND om.account_id = a.id)
         AND NOT EXISTS (SELECT 1 FROM mission_volunteers v WHERE v.tenant_id = $1 AND v.mission_id = m.id AND
           v.account_id = a.id)
       ORDER BY c.distance_m, a.id
       LIMIT $3`,
      [tx.tenantId, item.id, cap],
    );
  }

  alertData(item: MissionAlertItem, recipient: AlertCandidate, origin: string): Record<string, unknown> {
    return {
      displayName: recipient.displayName,
      title: item.title,
      description: item.description.length > 400 ? `${item.description.slice(0, 397)}…` : item.description,
      when: item.when,
      volunteersNeeded: item.volunteersNeeded,
      projectTitle: item.projectTitle,
      organisationName: item.organisationName,
      category: item.category,
      neighbourhood: item.neighbourhood,
      distance: distanceLabel(recipient.distanceM),
      missionUrl: `${origin}/projets/${item.projectId}#mission-${item.id}`,
    };
  }

  digestLine(item: MissionAlertItem, _distanceM: number, origin: string): Record<string, unknown> {
    return {
      title: item.title,
      organisationName: item.organisationName,
      when: item.when,
      category: item.category,
      neighbourhood: item.neighbourhood,
      url: `${origin}/projets/${item.projectId}#mission-${item.id}`,
    };
  }
}
