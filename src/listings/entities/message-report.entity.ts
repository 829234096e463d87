import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A participant's report of a message they received: the message waits for a moderator. */
@Entity('message_reports')
export class MessageReport {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'message_id' })
  messageId!: string;

  @PrimaryColumn('uuid', { name: 'reporter_id' })
  reporterId!: string;

  @Column('text', { name: 'reason' })
  reason!: 'paid' | 'inappropriate' | 'spam' | 'scam' | 'other';

  @Column('text', { name: 'comment' })
  comment!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
