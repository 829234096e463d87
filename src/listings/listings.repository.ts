import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, TenantTx } from '@libs/db';
import { LatLng, pointSql } from '@libs/geo';
import { DomainEvent } from './entities/domain-event.entity';
import { LISTING_VIEW_COLUMNS, LISTING_VIEW_JOINS, ListingViewRow } from './listings.search';

export type ListingStatus =
  'pending_review' | 'published' | 'rejected' | 'removed' | 'closed' | 'expired' | 'hidden' | 'fulfilled';

export interface ListingRecord extends ListingViewRow {
  authorId: string;
  status: ListingStatus;
  holdReasons: string[];
  radiusM: number | null;
  availability: Record<string, unknown>;
  version: number;
  categoryId: string;
  fulfilledAt: Date | null;
  helperId: string | null;
}

export interface ListingWrite {
  kind?: 'offer' | 'request';
  categoryId?: string;
  title?: string;
  description?: string;
  mode?: 'in_person' | 'remote' | 'both';
  location?: LatLng;
  publicLocation?: LatLng;
  radiusM?: number | null;
  availability?: Record<string, unknown>;
}

/** A listing in its author's own list. */
export type AuthorListing = ListingViewRow & Pick<ListingRecord, 'status' | 'holdReasons' | 'radiusM' | 'availability'>;

/** A listing as its author's RGPD export shows it (the exact location included, since it is theirs). */
export interface ListingExport {
  id: string;
  kind: 'offer' | 'request';
  title: string;
  description: string;
  mode: 'in_person' | 'remote' | 'both';
  status: ListingStatus;
  radiusM: number | null;
  availability: Record<string, unknown>;
  createdAt: Date;
  expiresAt: Date;
  location: LatLng;
}

/** Listings of one tenant: every method works in the caller's transaction, on its tenant. */
@Injectable()
export class ListingsRepository {
  async insert(
    tx: TenantTx,
    id: string,
    authorId: string,
    l: Required<ListingWrite>,
    status: ListingStatus,
    holdReasons: string[],
  ): Promise<void> {
    const params = [
      tx.tenantId,
      id,
      authorId,
      l.kind,
      l.categoryId,
      l.title,
      l.description,
      l.mode,
      l.location.lng,
      l.location.lat,
      l.publicLocation.lng,
      l.publicLocation.lat,
      l.radiusM,
      JSON.stringify(l.availability),
      status,
      holdReasons,
    ];
    await execute(
      tx,
      `INSERT INTO listings (tenant_id, id, author_id, kind, category_id, title, description, mode, location,
        public_location,
                             neighbourhood_id, radius_m, availability, status, hold_reasons, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${pointSql('$9', '$10')}, ${pointSql('$11', '$12')},
               (SELECT id FROM neighbourhoods WHERE tenant_id = $1 ORDER BY outline <-> ${pointSql('$9', '$10')} LIMIT
                 1),
               $13, $14, $15, $16, CASE WHEN $15 = 'published' THEN now() END)`,
      params,
    );
  }

  async update(tx: TenantTx, id: string, l: ListingWrite): Promise<void> {
    const params: unknown[] = [tx.tenantId, id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const sets: string[] = [];
    if (l.kind) sets.push(`kind = ${p(l.kind)}`);
    if (l.categoryId) sets.push(`category_id = ${p(l.categoryId)}`);
    if (l.title !== undefined) sets.push(`title = ${p(l.title)}`);
    if (l.description !== undefined) sets.push(`description = ${p(l.description)}`);
    if (l.mode) sets.push(`mode = ${p(l.mode)}`);
    if (l.radiusM !== undefined) sets.push(`radius_m = ${p(l.radiusM)}`);
    if (l.availability) sets.push(`availability = ${p(JSON.stringify(l.availability))}`);
    if (l.location && l.publicLocation) {
      const exact = pointSql(p(l.location.lng), p(l.location.lat));
      sets.push(
        `location = ${exact}`,
        `public_location = ${pointSql(p(l.publicLocation.lng), p(l.publicLocation.lat))}`,
      );
      sets.push(
        `neighbourhood_id = (SELECT id FROM neighbourhoods WHERE tenant_id = $1 ORDER BY outline <-> ${exact} LIMIT 1)`,
      );
    }
    if (!sets.length) return;
    await execute(
      tx,
      `UPDATE listings SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      params,
    );
  }

  find(tx: TenantTx, id: string, opts: { forUpdate?: boolean } = {}): Promise<ListingRecord | undefined> {
    return firstRow<ListingRecord>(
      tx,
      `SELECT ${LISTING_VIEW_COLUMNS}, l.author_id AS "authorId", l.status, l.hold_reasons AS "holdReasons",
        l.radius_m AS "radiusM",
              l.availability, l.version, l.category_id AS "categoryId", l.fulfilled_at AS "fulfilledAt", l.helper_id
                AS "helperId"
       FROM listings l ${LISTING_VIEW_JOINS}
       WHERE l.tenant_id = $1 AND l.id = $2 ${opts.forUpdate ? 'FOR UPDATE OF l' : ''}`,
      [tx.tenantId, id],
    );
  }

  async setStatus(tx: TenantTx, id: string, status: ListingStatus, holdReasons?: string[]): Promise<number> {
    const updated = await rows<{ version: number }>(
      tx,
      `UPDATE listings SET status = $3, hold_reasons = coalesce($4, hold_reasons), updated_at = now(),
              version = version + CASE WHEN $3 = 'published' AND status <> 'published' THEN 1 ELSE 0 END,
              published_at = CASE WHEN $3 = 'published' THEN now() ELSE published_at END
       WHERE tenant_id = $1 AND id = $2 RETURNING version`,
      [tx.tenantId, id, status, holdReasons ?? null],
    );
    return updated[0]?.version;
  }

  /** Help was given: the listing leaves search and the map, and counts as an "entraide réalisée". */
  async fulfil(tx: TenantTx, id: string, helperId: string | null, conversationId: string | null): Promise<void> {
    await execute(
      tx,
      `UPDATE listings SET status = 'fulfilled', fulfilled_at = now(), helper_id = $3, fulfilled_conversation_id = $4,
        updated_at = now()
       WHERE tenant_id = $1 AND id = $2`,
      [tx.tenantId, id, helperId, conversationId],
    );
  }

  async renew(tx: TenantTx, id: string, days: number): Promise<void> {
    await execute(
      tx,
      `UPDATE listings SET expires_at = now() + make_interval(days => $3), updated_at = now() WHERE tenant_id = ` +
        `$1 AND id = $2`,
      [tx.tenantId, id, days],
    );
  }

  listByAuthor(tx: TenantTx, authorId: string): Promise<AuthorListing[]> {
    return rows<AuthorListing>(
      tx,
      `SELECT ${LISTING_VIEW_COLUMNS}, l.status, l.hold_reasons AS "holdReasons", l.radius_m AS "radiusM",
        l.availability
       FROM listings l ${LISTING_VIEW_JOINS} WHERE l.tenant_id = $1 AND l.author_id = $2 ORDER BY l.created_at DESC`,
      [tx.tenantId, authorId],
    );
  }

  /** Private data for the author's RGPD export: the exact location included, since it is theirs. */
  exportByAuthor(tx: TenantTx, authorId: string): Promise<ListingExport[]> {
    return rows<ListingExport>(
      tx,
      `SELECT id, kind, title, description, mode, status, radius_m AS "radiusM", availability, created_at AS
        "createdAt", expires_at AS "expiresAt",
              json_build_object('lat', ST_Y(location::geometry), 'lng', ST_X(location::geometry)) AS location
       FROM listings WHERE tenant_id = $1 AND author_id = $2 ORDER BY created_at`,
      [tx.tenantId, authorId],
    );
  }

  /** On account erasure: the author's listings close and lose their text and exact place. */
  async closeAndBlankByAuthor(tx: TenantTx, authorId: string): Promise<void> {
    await execute(
      tx,
      `UPDATE listings SET status = CASE WHEN status IN ('published', 'pending_review', 'hidden') THEN 'closed' ELSE
        status END,
              title = 'Annonce supprimée', description = 'Cette annonce a été supprimée par son auteur.',
              location = public_location, availability = '{}', updated_at = now()
       WHERE tenant_id = $1 AND author_id = $2`,
      [tx.tenantId, authorId],
    );
  }

  /** Expiry sweep for one tenant; returns how many listings expired. */
  async expireDue(tx: TenantTx): Promise<number> {
    return execute(
      tx,
      `UPDATE listings SET status = 'expired', updated_at = now() WHERE tenant_id = $1 AND status = 'published' ` +
        `AND expires_at <= now()`,
      [tx.tenantId],
    );
  }

  async insertEvent(tx: TenantTx, type: string, aggregateId: string, payload: object): Promise<void> {
    await tx.insert(DomainEvent, { tenantId: tx.tenantId, type, aggregateId, payload: { ...payload } });
  }

  /** An enabled category of the tenant, by id or slug. */
  async categoryId(tx: TenantTx, idOrSlug: string): Promise<string | undefined> {
    const row = await firstRow<{ id: string }>(
      tx,
      `SELECT c.id FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id
       WHERE tc.tenant_id = $1 AND tc.enabled AND c.archived_at IS NULL AND (c.slug = $2 OR c.id::text = $2)`,
      [tx.tenantId, idOrSlug],
    );
    return row?.id;
  }

  /** Categories and neighbourhoods of the tenant by id, offered now or not (a search names its rows by them). */
  async named(
    tx: TenantTx,
    categoryIds: string[],
    neighbourhoodIds: string[],
  ): Promise<Array<{ id: string; slug: string; name: string }>> {
    return rows<{ id: string; slug: string; name: string }>(
      tx,
      `SELECT id, slug, name FROM categories WHERE id = ANY($2::uuid[])
       UNION ALL SELECT id, slug, name FROM neighbourhoods WHERE tenant_id = $1 AND id = ANY($3::uuid[])`,
      [tx.tenantId, categoryIds, neighbourhoodIds],
    );
  }

  async neighbourhoodId(tx: TenantTx, idOrSlug: string): Promise<string | undefined> {
    const row = await firstRow<{ id: string }>(
      tx,
      `SELECT id FROM neighbourhoods WHERE tenant_id = $1 AND (slug = $2 OR id::text = $2)`,
      [tx.tenantId, idOrSlug],
    );
    return row?.id;
  }

  async counts(tx: TenantTx): Promise<{ offers: number; requests: number }> {
    const [row] = await rows<{ offers: number; requests: number }>(
      tx,
      `SELECT count(*) FILTER (WHERE kind = 'offer')::int AS offers, count(*) FILTER (WHERE kind = 'request')::int AS
        requests
       FROM listings WHERE tenant_id = $1 AND status = 'published' AND expires_at > now()`,
      [tx.tenantId],
    );
    return row;
  }
}
