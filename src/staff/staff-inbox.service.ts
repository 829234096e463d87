import { Injectable } from '@nestjs/common';
import type { TenantTx } from '@libs/db';
import { StaffInboxRepository, StaffInboxRow } from './staff-inbox.repository';

export type { StaffInboxRow } from './staff-inbox.repository';

/**
 * The town-hall team's inbox, as other modules write to it: a relayed resident has no address,
 * so what would be an e-mail to them (a neighbour's message, a match, a reminder) becomes an item
 * the team calls them about. Each call runs in the caller's transaction.
 */
@Injectable()
export class StaffInboxService {
  constructor(private readonly repo: StaffInboxRepository) {}

  /** A neighbour wrote in a relayed resident's conversation: the item is (re)opened, "à rappeler". */
  conversationTouched(tx: TenantTx, residentId: string, conversationId: string): Promise<void> {
    return this.repo.touchConversation(tx, residentId, conversationId);
  }

  /** Returns how many items were new. */
  addMatches(
    tx: TenantTx,
    items: Array<{ residentId: string; listingId: string; matchedListingId: string }>,
  ): Promise<number> {
    return this.repo.addMatches(tx, items);
  }

  addReminder(tx: TenantTx, residentId: string, listingId: string): Promise<void> {
    return this.repo.addReminder(tx, residentId, listingId);
  }

  /** Newest first; one resident's items with `residentId`, the one item with `id`. */
  list(tx: TenantTx, opts: { limit: number; residentId?: string; id?: string }): Promise<StaffInboxRow[]> {
    return this.repo.list(tx, opts);
  }

  /** The item's resident, or undefined when there is no such item on this tenant. */
  markCalledBack(tx: TenantTx, id: string, agentId: string): Promise<string | undefined> {
    return this.repo.markCalledBack(tx, id, agentId);
  }
}
