import { Injectable, Logger } from '@nestjs/common';
import type { TenantTx } from '@libs/db';
import type { TenantId, TenantRef } from '@libs/tenancy';
import { TenantsService } from '@src/tenants/tenants.service';
import { ListingsRepository, ListingStatus } from './listings.repository';

export const LISTING_PUBLISHED = 'ListingPublished';

export interface ListingDraft {
  id: string;
  title: string;
  description: string;
}

/** A rule that may hold a text for review (moderation adds paid-help, contact-details and blocked-word rules). */
export type HoldRule = (tenant: TenantRef, text: string) => Promise<string[]> | string[];

/** Told, after the transaction committed, that a listing became public (matching enqueues its job here). */
export type PublishedListener = (tenantId: TenantId, listingId: string, version: number) => Promise<void>;

/**
 * The one place a listing becomes public or is held. Publication writes a ListingPublished
 * domain event in the same transaction, so nothing that must follow a publication is lost
 * if the process stops right after the commit.
 */
@Injectable()
export class ListingPublication {
  private readonly logger = new Logger(ListingPublication.name);
  private readonly rules: HoldRule[] = [];
  private readonly listeners: PublishedListener[] = [];

  constructor(
    private readonly repo: ListingsRepository,
    private readonly tenants: TenantsService,
  ) {}

  addHoldRule(rule: HoldRule): void {
    this.rules.push(rule);
  }

  onPublished(listener: PublishedListener): void {
    this.listeners.push(listener);
  }

  /** Why a draft must wait for a moderator, if it must: the tenant's pre-moderation or a rule's reasons. */
  async holdReasons(tenant: TenantRef, draft: ListingDraft): Promise<string[]> {
    const site = await this.tenants.get(tenant);
    const reasons = site.settings.moderation.mode === 'pre' ? ['pre_moderation'] : [];
    return [...new Set([...reasons, ...(await this.ruleReasons(tenant, `${draft.title}\n${draft.description}`))])];
  }

  /** A new draft's first state (a listing's or a project's): held for a moderator with its reasons, or published. */
  async screen(
    tenant: TenantRef,
    id: string,
    text: Pick<ListingDraft, 'title' | 'description'>,
  ): Promise<{ holdReasons: string[]; status: 'pending_review' | 'published' }> {
    const holdReasons = await this.holdReasons(tenant, { id, title: text.title, description: text.description });
    return { holdReasons, status: holdReasons.length ? 'pending_review' : 'published' };
  }

  /** The automatic rules alone (messages go through these, not through pre-moderation). */
  async ruleReasons(tenant: TenantRef, text: string): Promise<string[]> {
    const reasons: string[] = [];
    for (const rule of this.rules) reasons.push(...(await rule(tenant, text)));
    return [...new Set(reasons)];
  }

  /** Marks the listing public (bumping its version) and records the event; returns the version. */
  async publish(tx: TenantTx, listingId: string): Promise<number> {
    const version = await this.repo.setStatus(tx, listingId, 'published', []);
    await this.repo.insertEvent(tx, LISTING_PUBLISHED, listingId, { listingId, version });
    return version;
  }

  /** For a freshly inserted listing already stored as published. */
  async recordPublished(tx: TenantTx, listingId: string, version: number): Promise<void> {
    await this.repo.insertEvent(tx, LISTING_PUBLISHED, listingId, { listingId, version });
  }

  /** After commit: listeners run; their failures are logged, the event row stays for catch-up. */
  async afterCommit(tenantId: TenantId, listingId: string, version: number, status: ListingStatus): Promise<void> {
    if (status !== 'published') return;
    for (const listener of this.listeners) {
      await listener(tenantId, listingId, version).catch((e: Error) =>
        this.logger.warn(`after-publish listener failed for listing ${listingId}: ${e.message}`),
      );
    }
  }
}
