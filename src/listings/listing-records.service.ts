import { Injectable } from '@nestjs/common';
import type { TenantTx } from '@libs/db';
import { ListingsRepository, ListingStatus } from './listings.repository';

export type { ListingRecord, ListingStatus } from './listings.repository';

/**
 * What other modules (moderation, outcomes, organisations, staff, alerts) read and change of a
 * listing row, inside their own transaction; the listings module keeps its repository to itself.
 */
@Injectable()
export class ListingRecords {
  constructor(private readonly repo: ListingsRepository) {}

  find(tx: TenantTx, id: string, opts: { forUpdate?: boolean } = {}) {
    return this.repo.find(tx, id, opts);
  }

  listByAuthor(tx: TenantTx, authorId: string) {
    return this.repo.listByAuthor(tx, authorId);
  }

  /** Returns how many rows changed (0 when the listing is not there). */
  setStatus(tx: TenantTx, id: string, status: ListingStatus, holdReasons?: string[]) {
    return this.repo.setStatus(tx, id, status, holdReasons);
  }

  fulfil(tx: TenantTx, id: string, helperId: string | null, conversationId: string | null) {
    return this.repo.fulfil(tx, id, helperId, conversationId);
  }

  renew(tx: TenantTx, id: string, days: number) {
    return this.repo.renew(tx, id, days);
  }

  /** An enabled category of the tenant, by id or slug. */
  categoryId(tx: TenantTx, idOrSlug: string) {
    return this.repo.categoryId(tx, idOrSlug);
  }

  /** A neighbourhood of the tenant by id or slug. */
  neighbourhoodId(tx: TenantTx, idOrSlug: string) {
    return this.repo.neighbourhoodId(tx, idOrSlug);
  }
}
