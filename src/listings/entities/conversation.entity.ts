import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A conversation between a listing's author and one resident. */
@Entity('conversations')
export class Conversation {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'listing_id' })
  listingId!: string;

  @Column('uuid', { name: 'author_id' })
  authorId!: string;

  @Column('uuid', { name: 'starter_id' })
  starterId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_message_at' })
  lastMessageAt!: Date;

  /** Until when each side has read the conversation (the header's unread count). */
  @Column('timestamptz', { name: 'author_read_at', nullable: true })
  authorReadAt!: Date | null;

  @Column('timestamptz', { name: 'starter_read_at', nullable: true })
  starterReadAt!: Date | null;
}
