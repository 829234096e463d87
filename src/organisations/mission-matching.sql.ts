import type { Tx } from '../../libs/db';

export interface MissionCandidate {
  recipientId: string;
  email: string;
  displayName: string;
  distanceM: number;
  notifyMode: 'immediate' | 'daily' | 'off';
}

/**
 * Who hears about a mission, in one place: residents whose alerts name the project's category
 * and whose home is within their own radius of the project's exact point (as listing alerts:
 * app_alert_recipients finds the followers an alert reaches, with their distance, through the
 * category's GIN index; the join back to accounts runs under RLS), minus the organisation's managers, the mission's volunteers and
 * deleted, banned, unverified or unsubscribed accounts; nearest first, at most `cap`.
 */
export function findMissionRecipients(tx: Tx, tenantId: string, missionId: string, cap: number): Promise<MissionCandidate[]> {
  return tx.query(
    `WITH m AS (
       SELECT m.id, p.category_id, p.location, p.organisation_id FROM missions m
       JOIN projects p ON p.tenant_id = m.tenant_id AND p.id = m.project_id
       JOIN organisations o ON o.tenant_id = p.tenant_id AND o.id = p.organisation_id
       WHERE m.tenant_id = $1 AND m.id = $2 AND m.status = 'open' AND m.volunteer_count < m.volunteers_needed
         AND p.status = 'published' AND o.status = 'published'
     )
     SELECT a.id AS "recipientId", a.email, a.display_name AS "displayName", round(c.distance_m)::int AS "distanceM", a.notify_mode AS "notifyMode"
     FROM m, app_alert_recipients(m.category_id, m.location) AS c
     JOIN accounts a ON a.tenant_id = $1 AND a.id = c.id
     WHERE a.email IS NOT NULL AND a.email_verified_at IS NOT NULL AND a.deleted_at IS NULL AND a.unsubscribed_at IS NULL AND a.banned_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM organisation_managers om WHERE om.tenant_id = $1 AND om.organisation_id = m.organisation_id AND om.account_id = a.id)
       AND NOT EXISTS (SELECT 1 FROM mission_volunteers v WHERE v.tenant_id = $1 AND v.mission_id = m.id AND v.account_id = a.id)
     ORDER BY c.distance_m, a.id
     LIMIT $3`,
    [tenantId, missionId, cap],
  );
}
