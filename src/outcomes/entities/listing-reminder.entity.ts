import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** The reminder asking a listing's author how it went. */
@Entity('listing_reminders')
export class ListingReminder {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'listing_id' })
  listingId!: string;

  @Column('uuid', { name: 'recipient_id' })
  recipientId!: string;

  @Column('timestamptz', { name: 'sent_at' })
  sentAt!: Date;

  @Column('text', { name: 'answer', nullable: true })
  answer!: ('found' | 'still_looking' | 'not_needed') | null;

  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt!: Date | null;
}
