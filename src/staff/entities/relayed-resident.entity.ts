import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A resident registered and acted for by the town hall (consent recorded). */
@Entity('relayed_residents')
export class RelayedResident {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'phone', nullable: true })
  phone!: string | null;

  @Column('text', { name: 'consent_method' })
  consentMethod!: 'phone' | 'in_person' | 'paper';

  @Column('text', { name: 'consent_note' })
  consentNote!: string;

  @Column('timestamptz', { name: 'consent_at' })
  consentAt!: Date;

  @Column('uuid', { name: 'consent_agent_id' })
  consentAgentId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
