import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A catalogue category as one tenant shows it. */
@Entity('tenant_categories')
export class TenantCategory {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'category_id' })
  categoryId!: string;

  @Column('boolean', { name: 'enabled' })
  enabled!: boolean;

  @Column('integer', { name: 'position' })
  position!: number;
}
