import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** An account managing an organisation. */
@Entity('organisation_managers')
export class OrganisationManager {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'organisation_id' })
  organisationId!: string;

  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'role' })
  role!: 'owner' | 'co_manager';

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
