import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A message sent to an organisation. */
@Entity('organisation_messages')
export class OrganisationMessage {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'organisation_id' })
  organisationId!: string;

  @Column('uuid', { name: 'mission_id', nullable: true })
  missionId!: string | null;

  @Column('uuid', { name: 'sender_id' })
  senderId!: string;

  @Column('uuid', { name: 'recipient_id', nullable: true })
  recipientId!: string | null;

  @Column('text', { name: 'body' })
  body!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
