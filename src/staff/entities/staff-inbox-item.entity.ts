import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** Something the town hall must call a relayed resident about. */
@Entity('staff_inbox_items')
export class StaffInboxItem {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'dedupe_key' })
  dedupeKey!: string;

  @Column('text', { name: 'kind' })
  kind!: 'message' | 'match' | 'reminder';

  @Column('uuid', { name: 'resident_id' })
  residentId!: string;

  @Column('uuid', { name: 'listing_id' })
  listingId!: string;

  @Column('uuid', { name: 'conversation_id', nullable: true })
  conversationId!: string | null;

  @Column('uuid', { name: 'matched_listing_id', nullable: true })
  matchedListingId!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'called_back_at', nullable: true })
  calledBackAt!: Date | null;

  @Column('uuid', { name: 'called_back_by', nullable: true })
  calledBackBy!: string | null;
}
