import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A category of the federation's shared catalogue. */
@Entity('categories')
export class Category {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'federation_id' })
  federationId!: string;

  @Column('text', { name: 'slug' })
  slug!: string;

  @Column('text', { name: 'name' })
  name!: string;

  @Column('text', { name: 'description' })
  description!: string;

  @Column('text', { name: 'icon' })
  icon!: string;

  @Column('boolean', { name: 'remote' })
  remote!: boolean;

  /** Order of the federation's catalogue (each commune orders its own in tenant_categories). */
  @Column('integer', { name: 'position' })
  position!: number;

  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
