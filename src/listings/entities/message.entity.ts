import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A message of a conversation. */
@Entity('messages')
export class Message {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  @Column('uuid', { name: 'sender_id' })
  senderId!: string;

  @Column('text', { name: 'body' })
  body!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('text', { name: 'status' })
  status!: 'visible' | 'held' | 'removed';

  @Column('text', { name: 'hold_reasons', array: true })
  holdReasons!: string[];

  @Column('timestamptz', { name: 'held_at', nullable: true })
  heldAt!: Date | null;

  @Column('uuid', { name: 'on_behalf_agent_id', nullable: true })
  onBehalfAgentId!: string | null;
}
