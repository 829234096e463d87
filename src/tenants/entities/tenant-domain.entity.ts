import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A host name serving a tenant. */
@Entity('tenant_domains')
export class TenantDomain {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('text', { name: 'domain' })
  domain!: string;

  @Column('boolean', { name: 'is_primary' })
  isPrimary!: boolean;
}
