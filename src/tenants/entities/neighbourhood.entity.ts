import { Column, Entity, PrimaryColumn, type MultiPolygon } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A neighbourhood of the commune. */
@Entity('neighbourhoods')
export class Neighbourhood {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'slug' })
  slug!: string;

  @Column('text', { name: 'name' })
  name!: string;

  @Column('geography', { name: 'outline', spatialFeatureType: 'MultiPolygon', srid: 4326 })
  outline!: MultiPolygon;

  @Column('integer', { name: 'position' })
  position!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
