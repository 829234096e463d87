import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** An e-mail waiting for, or past, its delivery (the outbox). */
@Entity('outbox_emails')
export class OutboxEmail {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'recipient' })
  recipient!: string;

  @Column('text', { name: 'template' })
  template!: string;

  @Column('jsonb', { name: 'data' })
  data!: Record<string, unknown>;

  @Column('jsonb', { name: 'headers' })
  headers!: Record<string, unknown>;

  @Column('text', { name: 'dedupe_key' })
  dedupeKey!: string;

  @Column('text', { name: 'status' })
  status!: 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

  @Column('integer', { name: 'attempts' })
  attempts!: number;

  @Column('timestamptz', { name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('text', { name: 'provider_message_id', nullable: true })
  providerMessageId!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt!: Date | null;
}
