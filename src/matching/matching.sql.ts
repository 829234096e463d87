import type { Tx } from '../../libs/db';

export interface MatchCandidate {
  recipientId: string;
  email: string;
  displayName: string;
  reason: 'counterpart' | 'alert';
  distanceM: number;
  notifyMode: 'immediate' | 'daily' | 'off';
}

/**
 * The matching query, in one place. For a public listing L of one tenant it finds:
 *  - counterparts: authors of public, unexpired listings of the other kind in L's category,
 *    within reach — both sides able to help remotely (any distance in the commune), or both
 *    in person within the helper's radius (the offer's radius_m);
 *  - alerts: residents whose notification mode is not off, who chose L's category and whose
 *    home is within their own radius of L (app_alert_recipients, an owner function scoped to
 *    the caller's tenant, finds the category's followers through a GIN index and tests each
 *    one's radius; the final join reads the recipients under RLS);
 * minus L's author and deleted, banned or unsubscribed accounts; one row per recipient (a
 * counterpart wins over an alert), nearest first, at most `cap`. Distances use the exact
 * points and never leave the server except rounded in the e-mail. Under RLS the distance
 * filters cannot use a GiST index, so this reads the tenant's rows of one category; an
 * owner function (as for text search) is the way out if that grows hot.
 */
export function findMatches(tx: Tx, tenantId: string, listingId: string, cap: number): Promise<MatchCandidate[]> {
  return tx.query(
    `WITH l AS (
       -- By primary key (OFFSET 0 keeps the status test outside): with it inside, the planner
       -- may walk the tenant's published listings by listings_public_geo to find this one.
       SELECT * FROM (SELECT * FROM listings WHERE tenant_id = $1 AND id = $2 OFFSET 0) x WHERE status = 'published' AND expires_at > now()
     ), counterpart AS (
       SELECT o.author_id AS recipient_id, 'counterpart'::text AS reason, ST_Distance(o.location, l.location) AS d
       FROM listings o, l
       WHERE o.tenant_id = $1 AND o.status = 'published' AND o.expires_at > now()
         AND o.category_id = l.category_id AND o.kind <> l.kind AND o.author_id <> l.author_id
         AND ((o.mode <> 'in_person' AND l.mode <> 'in_person')
              OR (o.mode <> 'remote' AND l.mode <> 'remote'
                  AND ST_DWithin(o.location, l.location, CASE WHEN l.kind = 'offer' THEN l.radius_m ELSE o.radius_m END)))
     ), alert AS (
       SELECT c.id AS recipient_id, 'alert'::text AS reason, c.distance_m AS d
       FROM l, app_alert_recipients(l.category_id, l.location) AS c
       WHERE c.id <> l.author_id
     ), best AS (
       SELECT DISTINCT ON (recipient_id) recipient_id, reason, d
       FROM (SELECT * FROM counterpart UNION ALL SELECT * FROM alert) m
       ORDER BY recipient_id, reason = 'alert', d
     )
     SELECT b.recipient_id AS "recipientId", a.email, a.display_name AS "displayName", b.reason,
            round(b.d)::int AS "distanceM", a.notify_mode AS "notifyMode"
     FROM best b JOIN accounts a ON a.tenant_id = $1 AND a.id = b.recipient_id
     WHERE a.email IS NOT NULL AND a.email_verified_at IS NOT NULL AND a.deleted_at IS NULL AND a.unsubscribed_at IS NULL AND a.banned_at IS NULL
     ORDER BY b.d, b.recipient_id
     LIMIT $3`,
    [tenantId, listingId, cap],
  );
}
