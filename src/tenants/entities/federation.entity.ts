import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A federation of communes sharing a category catalogue (platform table, no RLS). */
@Entity('federations')
export class Federation {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'slug' })
  slug!: string;

  @Column('text', { name: 'name' })
  name!: string;

  @Column('text', { name: 'home_tenant_slug' })
  homeTenantSlug!: string;

  /** The EPCI's SIREN, for a federation that is an intercommunalité (communes:import). */
  @Column('text', { name: 'epci_code', nullable: true })
  epciCode!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
