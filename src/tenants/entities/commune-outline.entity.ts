import { Column, Entity, PrimaryColumn, type MultiPolygon } from 'typeorm';

/** A commune's (or arrondissement's, delegated commune's) official outline by INSEE code (communes:outlines). */
@Entity('commune_outlines')
export class CommuneOutline {
  @PrimaryColumn('text', { name: 'insee_code' })
  inseeCode!: string;

  @Column('geography', { name: 'outline', spatialFeatureType: 'MultiPolygon', srid: 4326 })
  outline!: MultiPolygon;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
