import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ReportColumns } from './report.columns';

/** A resident's report of a listing. */
@Entity('listing_reports')
export class ListingReport extends ReportColumns {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'listing_id' })
  listingId!: string;

  @Column('uuid', { name: 'reporter_id' })
  reporterId!: string;
}
