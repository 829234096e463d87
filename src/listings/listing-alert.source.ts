import { Injectable, OnModuleInit } from '@nestjs/common';
import { rows, TenantTx } from '@libs/db';
import { parseTenantId } from '@libs/tenancy';
import type { AlertCandidate, AlertSource } from '@src/alerts/alert-source';
import { AlertSources } from '@src/alerts/alert-sources';
import { AlertsService } from '@src/alerts/alerts.service';
import { distanceLabel } from '@src/alerts/distance-label';
import { LISTING_PUBLISHED, ListingPublication } from './listing-publication.service';
import { findRelayedMatches } from './relayed-matches.sql';
import { StaffInboxService } from '@src/staff/staff-inbox.service';

const KIND_LABEL = { offer: 'propose son aide', request: "demande de l'aide" } as const;

/** What a listing's alerts say about it. */
export interface ListingAlertItem {
  id: string;
  kind: 'offer' | 'request';
  title: string;
  description: string;
  mode: 'in_person' | 'remote' | 'both';
  authorName: string;
  category: string;
  neighbourhood: string | null;
}

/**
 * Listings as a source of alerts (src/alerts): a public listing is told to the residents whose
 * alert covers it and to the authors of the listings that answer it (counterparts), in
 * match_notifications; its e-mails are `listing-match` and the daily `match-digest`.
 */
@Injectable()
export class ListingAlertSource implements AlertSource<ListingAlertItem>, OnModuleInit {
  readonly kind = 'listing';
  readonly publishedEvent = LISTING_PUBLISHED;
  readonly table = { name: 'match_notifications', itemColumn: 'listing_id', hasReason: true };
  readonly templates = { alert: 'listing-match', digest: 'match-digest' } as const;
  readonly keys = { alert: 'match', digest: 'digest' };

  constructor(
    private readonly sources: AlertSources,
    private readonly alerts: AlertsService,
    private readonly publication: ListingPublication,
    private readonly inbox: StaffInboxService,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
    this.publication.onPublished((tenantId, listingId, version) =>
      this.alerts.announce(this.kind, parseTenantId(tenantId), [{ id: listingId, version }]),
    );
  }

  /** Public listings: published and not expired. */
  find(tx: TenantTx, ids: string[]): Promise<ListingAlertItem[]> {
    return rows<ListingAlertItem>(
      tx,
      `SELECT l.id, l.kind, l.title, l.description, l.mode, a.display_name AS "authorName", c.name AS category, n.name
        AS neighbourhood
       FROM listings l JOIN accounts a ON a.tenant_id = l.tenant_id AND a.id = l.author_id
       JOIN categories c ON c.id = l.category_id
       LEFT JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND n.id = l.neighbourhood_id
       WHERE l.tenant_id = $1 AND l.id = ANY($2::uuid[]) AND l.status = 'published' AND l.expires_at > now()`,
      [tx.tenantId, ids],
    );
  }

  stillSendable(ref: string): string {
    return (
      `EXISTS (SELECT 1 FROM listings l WHERE l.tenant_id = $1::uuid AND l.id = ${ref} AND l.status = ` +
      `'published' AND l.expires_at > now())`
    );
  }

  /**
   * The matching query, in one place. For a public listing L of one tenant it finds:
   *  - counterparts: authors of public, unexpired listings of the other kind in L's category,
   *    within reach — both sides able to help remotely (any distance in the commune), or both
   *    in person within the helper's radius (the offer's radius_m);
   *  - alerts: residents whose notification mode is not off, who chose L's category and L's kind
   *    (offers, requests or both) and whose home is within their own radius of L
   *    (app_alert_recipients, an owner function scoped to the caller's tenant, finds the
   *    category's followers through the GIN index accounts_alert_categories and tests each
   *    one's radius; the final join reads the recipients under RLS);
   * minus L's author and deleted, banned or unsubscribed accounts; one row per recipient (a
   * counterpart wins over an alert), nearest first, at most `cap`. Distances use the exact
   * points and never leave the server except rounded in the e-mail. Under RLS the distance
   * filters cannot use a GiST index, so this reads the tenant's rows of one category; an
   * owner function (as for text search) is the way out if that grows hot.
   */
  recipients(tx: TenantTx, item: ListingAlertItem, cap: number): Promise<AlertCandidate[]> {
    return rows<AlertCandidate>(
      tx,
      `WITH l AS (
         -- By primary key (OFFSET 0 keeps the status test outside): with it inside, the planner
         -- may walk the tenant's published listings by listings_public_geo to find this one.
         SELECT * FROM (SELECT * FROM listings WHERE tenant_id = $1 AND id = $2 OFFSET 0) x WHERE status = 'published'
           AND expires_at > now()
       ), counterpart AS (
         SELECT o.author_id AS recipient_id, 'counterpart'::text AS reason, ST_Distance(o.location, l.location) AS d
         FROM listings o, l
         WHERE o.tenant_id = $1 AND o.status = 'published' AND o.expires_at > now()
           AND o.category_id = l.category_id AND o.kind <> l.kind AND o.author_id <> l.author_id
           AND ((o.mode <> 'in_person' AND l.mode <> 'in_person')
                OR (o.mode <> 'remote' AND l.mode <> 'remote'
                    AND ST_DWithin(o.location, l.location, CASE WHEN l.kind = 'offer' THEN l.radius_m ELSE o.radius_m
                      END)))
       ), alert AS (
         -- An alert is for offers, requests or both (notify_kinds): read by primary key per follower.
         SELECT c.id AS recipient_id, 'alert'::text AS reason, c.distance_m AS d
         FROM l, app_alert_recipients(l.category_id, l.location) AS c
         WHERE c.id <> l.author_id
           AND EXISTS (SELECT 1 FROM accounts k WHERE k.tenant_id = $1 AND k.id = c.id AND l.kind = ANY(k.notify_kinds))
       ), best AS (
         SELECT DISTINCT ON (recipient_id) recipient_id, reason, d
         FROM (SELECT * FROM counterpart UNION ALL SELECT * FROM alert) m
         ORDER BY recipient_id, reason = 'alert', d
       )
       SELECT b.recipient_id AS "recipientId", a.email, a.display_name AS "displayName", b.reason,
              round(b.d)::int AS "distanceM", a.notify_mode AS "notifyMode"
       FROM best b JOIN accounts a ON a.tenant_id = $1 AND a.id = b.recipient_id
       WHERE a.email IS NOT NULL AND a.email_verified_at IS NOT NULL AND a.deleted_at IS NULL AND a.unsubscribed_at IS
         NULL AND a.banned_at IS NULL
       ORDER BY b.d, b.recipient_id
       LIMIT $3`,
      [tx.tenantId, item.id, cap],
    );
  }

  /** Matches concerning residents relayed by the town hall go to the staff inbox, not to an e-mail. */
  async alsoOnFanOut(tx: TenantTx, item: ListingAlertItem): Promise<void> {
    await this.inbox.addMatches(tx, await findRelayedMatches(tx, tx.tenantId, item.id));
  }

  alertData(item: ListingAlertItem, recipient: AlertCandidate, origin: string): Record<string, unknown> {
    return {
      kindLabel: KIND_LABEL[item.kind],
      authorName: item.authorName,
      title: item.title,
      description: item.description.length > 400 ? `${item.description.slice(0, 397)}…` : item.description,
      category: item.category,
      neighbourhood: item.neighbourhood,
      listingUrl: `${origin}/annonces/${item.id}`,
      displayName: recipient.displayName,
      distance: distanceLabel(recipient.distanceM, item.mode),
      reason: recipient.reason,
    };
  }

  digestLine(item: ListingAlertItem, distanceM: number, origin: string): Record<string, unknown> {
    return {
      title: item.title,
      kindLabel: KIND_LABEL[item.kind],
      category: item.category,
      neighbourhood: item.neighbourhood,
      distance: distanceLabel(distanceM, 'in_person'),
      url: `${origin}/annonces/${item.id}`,
    };
  }
}
