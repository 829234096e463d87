import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/**
 * How many published listings of a kind and category (or of every category) have their public point in one cell of
 * the map's grid at one level, and the sum of those points in micro-degrees: the map's clusters read these instead of
 * every point (listings.map.ts). Written only by the triggers on listings (migration MapCellCounts); never an id,
 * never an exact location.
 */
@Entity('listing_map_cells')
export class ListingMapCell {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('smallint')
  level!: number;

  /** A category, or the nil UUID for the row that counts every category. */
  @PrimaryColumn('uuid', { name: 'category_id' })
  categoryId!: string;

  @PrimaryColumn('int')
  cx!: number;

  @PrimaryColumn('int')
  cy!: number;

  @PrimaryColumn('text')
  kind!: string;

  @Column('int')
  n!: number;

  @Column('bigint', { name: 'sum_lng' })
  sumLng!: string;

  @Column('bigint', { name: 'sum_lat' })
  sumLat!: string;
}
