import { rows, Tx } from '@libs/db';

/** Most listings of relayed residents one publication puts in the staff inbox. */
export const RELAYED_MATCH_CAP = 10;

export interface RelayedMatch {
  residentId: string;
  listingId: string;
  matchedListingId: string;
}

/**
 * Matches that concern relayed residents, who have no e-mail: the town-hall team calls them.
 * For a public listing L, the public counterparts (same category, other kind, within reach by
 * the rule of ListingAlertSource.recipients) where one side is a relayed resident's listing: when L is a
 * neighbour's offer, the relayed residents' requests it answers; when L is itself relayed, the
 * neighbours' listings that answer it. Nearest first, at most RELAYED_MATCH_CAP.
 */
export function findRelayedMatches(tx: Tx, tenantId: string, listingId: string): Promise<RelayedMatch[]> {
  return rows<RelayedMatch>(
    tx,
    `WITH l AS (
       SELECT l.*, a.relayed FROM listings l JOIN accounts a ON a.tenant_id = l.tenant_id AND a.id = l.author_id
       WHERE l.tenant_id = $1 AND l.id = $2 AND l.status = 'published' AND l.expires_at > now()
     )
     SELECT CASE WHEN l.relayed THEN l.author_id ELSE o.author_id END AS "residentId",
            CASE WHEN l.relayed THEN l.id ELSE o.id END AS "listingId",
            CASE WHEN l.relayed THEN o.id ELSE l.id END AS "matchedListingId"
     FROM l JOIN listings o ON o.tenant_id = $1 AND o.status = 'published' AND o.expires_at > now()
       AND o.category_id = l.category_id AND o.kind <> l.kind AND o.author_id <> l.author_id
     JOIN accounts oa ON oa.tenant_id = o.tenant_id AND oa.id = o.author_id
     WHERE (l.relayed OR oa.relayed) AND oa.banned_at IS NULL AND oa.deleted_at IS NULL
       AND ((o.mode <> 'in_person' AND l.mode <> 'in_person')
            OR (o.mode <> 'remote' AND l.mode <> 'remote'
                AND ST_DWithin(o.location, l.location, CASE WHEN l.kind = 'offer' THEN l.radius_m ELSE o.radius_m END)))
     ORDER BY ST_Distance(o.location, l.location), o.id
     LIMIT ${RELAYED_MATCH_CAP}`,
    [tenantId, listingId],
  );
}
