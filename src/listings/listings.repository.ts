import { Injectable } from '@nestjs/common';
import { rows, Tx } from '../../libs/db';
import { LatLng, pointSql } from '../../libs/geo';
import { LISTING_VIEW_COLUMNS, LISTING_VIEW_JOINS, SearchRow } from './listings.search';

export type ListingStatus = 'pending_review' | 'published' | 'rejected' | 'removed' | 'closed' | 'expired' | 'hidden' | 'fulfilled';

export interface ListingRecord extends SearchRow {
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

/** Listings of one tenant: every method takes the tenant id and the caller's transaction. */
@Injectable()
export class ListingsRepository {
  async insert(tx: Tx, tenantId: string, id: string, authorId: string, l: Required<ListingWrite>, status: ListingStatus, holdReasons: string[]): Promise<void> {
    const params = [tenantId, id, authorId, l.kind, l.categoryId, l.title, l.description, l.mode, l.location.lng, l.location.lat, l.publicLocation.lng, l.publicLocation.lat, l.radiusM, JSON.stringify(l.availability), status, holdReasons];
    await tx.query(
      `INSERT INTO listings (tenant_id, id, author_id, kind, category_id, title, description, mode, location, public_location,
                             neighbourhood_id, radius_m, availability, status, hold_reasons, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${pointSql('$9', '$10')}, ${pointSql('$11', '$12')},
               (SELECT id FROM neighbourhoods WHERE tenant_id = $1 ORDER BY outline <-> ${pointSql('$9', '$10')} LIMIT 1),
               $13, $14, $15, $16, CASE WHEN $15 = 'published' THEN now() END)`,
      params,
    );
  }

  async update(tx: Tx, tenantId: string, id: string, l: ListingWrite): Promise<void> {
    const params: unknown[] = [tenantId, id];
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
      sets.push(`location = ${exact}`, `public_location = ${pointSql(p(l.publicLocation.lng), p(l.publicLocation.lat))}`);
      sets.push(`neighbourhood_id = (SELECT id FROM neighbourhoods WHERE tenant_id = $1 ORDER BY outline <-> ${exact} LIMIT 1)`);
    }
    if (!sets.length) return;
    await tx.query(`UPDATE listings SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, params);
  }

  async find(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<ListingRecord | undefined> {
    const rows = await tx.query(
      `SELECT ${LISTING_VIEW_COLUMNS}, l.author_id AS "authorId", l.status, l.hold_reasons AS "holdReasons", l.radius_m AS "radiusM",
              l.availability, l.version, l.category_id AS "categoryId", l.fulfilled_at AS "fulfilledAt", l.helper_id AS "helperId"
       FROM listings l ${LISTING_VIEW_JOINS}
       WHERE l.tenant_id = $1 AND l.id = $2 ${opts.forUpdate ? 'FOR UPDATE OF l' : ''}`,
      [tenantId, id],
    );
    return rows[0];
  }

  async setStatus(tx: Tx, tenantId: string, id: string, status: ListingStatus, holdReasons?: string[]): Promise<number> {
    const updated = await rows<{ version: number }>(
      tx,
      `UPDATE listings SET status = $3, hold_reasons = coalesce($4, hold_reasons), updated_at = now(),
              version = version + CASE WHEN $3 = 'published' AND status <> 'published' THEN 1 ELSE 0 END,
              published_at = CASE WHEN $3 = 'published' THEN now() ELSE published_at END
       WHERE tenant_id = $1 AND id = $2 RETURNING version`,
      [tenantId, id, status, holdReasons ?? null],
    );
    return updated[0]?.version;
  }

  /** Help was given: the listing leaves search and the map, and counts as an "entraide réalisée". */
  async fulfil(tx: Tx, tenantId: string, id: string, helperId: string | null, conversationId: string | null): Promise<void> {
    await tx.query(
      `UPDATE listings SET status = 'fulfilled', fulfilled_at = now(), helper_id = $3, fulfilled_conversation_id = $4, updated_at = now()
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, helperId, conversationId],
    );
  }

  async renew(tx: Tx, tenantId: string, id: string, days: number): Promise<void> {
    await tx.query(`UPDATE listings SET expires_at = now() + make_interval(days => $3), updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, days]);
  }

  async listByAuthor(tx: Tx, tenantId: string, authorId: string): Promise<ListingRecord[]> {
    return tx.query(
      `SELECT ${LISTING_VIEW_COLUMNS}, l.status, l.hold_reasons AS "holdReasons", l.radius_m AS "radiusM", l.availability
       FROM listings l ${LISTING_VIEW_JOINS} WHERE l.tenant_id = $1 AND l.author_id = $2 ORDER BY l.created_at DESC`,
      [tenantId, authorId],
    );
  }

  /** Private data for the author's RGPD export: the exact location included, since it is theirs. */
  async exportByAuthor(tx: Tx, tenantId: string, authorId: string): Promise<unknown[]> {
    return tx.query(
      `SELECT id, kind, title, description, mode, status, radius_m AS "radiusM", availability, created_at AS "createdAt", expires_at AS "expiresAt",
              json_build_object('lat', ST_Y(location::geometry), 'lng', ST_X(location::geometry)) AS location
       FROM listings WHERE tenant_id = $1 AND author_id = $2 ORDER BY created_at`,
      [tenantId, authorId],
    );
  }

  /** On account erasure: the author's listings close and lose their text and exact place. */
  async closeAndBlankByAuthor(tx: Tx, tenantId: string, authorId: string): Promise<void> {
    await tx.query(
      `UPDATE listings SET status = CASE WHEN status IN ('published', 'pending_review', 'hidden') THEN 'closed' ELSE status END,
              title = 'Annonce supprimée', description = 'Cette annonce a été supprimée par son auteur.',
              location = public_location, availability = '{}', updated_at = now()
       WHERE tenant_id = $1 AND author_id = $2`,
      [tenantId, authorId],
    );
  }

  /** Expiry sweep for one tenant; returns how many listings expired. */
  async expireDue(tx: Tx, tenantId: string): Promise<number> {
    const expired = await rows(tx, `UPDATE listings SET status = 'expired', updated_at = now() WHERE tenant_id = $1 AND status = 'published' AND expires_at <= now() RETURNING id`, [tenantId]);
    return expired.length;
  }

  async insertEvent(tx: Tx, tenantId: string, type: string, aggregateId: string, payload: object): Promise<void> {
    await tx.query(`INSERT INTO domain_events (tenant_id, type, aggregate_id, payload) VALUES ($1, $2, $3, $4)`, [tenantId, type, aggregateId, JSON.stringify(payload)]);
  }

  /** An enabled category of the tenant, by id or slug. */
  async categoryId(tx: Tx, tenantId: string, idOrSlug: string): Promise<string | undefined> {
    const rows = await tx.query(
      `SELECT c.id FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id
       WHERE tc.tenant_id = $1 AND tc.enabled AND c.archived_at IS NULL AND (c.slug = $2 OR c.id::text = $2)`,
      [tenantId, idOrSlug],
    );
    return rows[0]?.id;
  }

  async neighbourhoodId(tx: Tx, tenantId: string, idOrSlug: string): Promise<string | undefined> {
    const rows = await tx.query(`SELECT id FROM neighbourhoods WHERE tenant_id = $1 AND (slug = $2 OR id::text = $2)`, [tenantId, idOrSlug]);
    return rows[0]?.id;
  }

  async counts(tx: Tx, tenantId: string): Promise<{ offers: number; requests: number }> {
    const rows = await tx.query(
      `SELECT count(*) FILTER (WHERE kind = 'offer')::int AS offers, count(*) FILTER (WHERE kind = 'request')::int AS requests
       FROM listings WHERE tenant_id = $1 AND status = 'published' AND expires_at > now()`,
      [tenantId],
    );
    return rows[0];
  }
}
