import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A resident's report of a listing. */
@Entity('listing_reports')
export class ListingReport {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'listing_id' })
  listingId!: string;

  @Column('uuid', { name: 'reporter_id' })
  reporterId!: string;

  @Column('text', { name: 'reason' })
  reason!: 'paid' | 'inappropriate' | 'spam' | 'scam' | 'other';

  @Column('text', { name: 'comment' })
  comment!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
