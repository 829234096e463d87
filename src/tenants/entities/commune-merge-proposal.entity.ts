import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An open commune whose code became another's former code, waiting for the operator (communes:merges). */
@Entity('commune_merge_proposals')
export class CommuneMergeProposal {
  @PrimaryColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'former_code' })
  formerCode!: string;

  @Column('text', { name: 'into_code' })
  intoCode!: string;

  @Column('text', { name: 'former_name' })
  formerName!: string;

  @Column('text', { name: 'into_name' })
  intoName!: string;

  @Column('text', { name: 'status' })
  status!: 'pending' | 'applied' | 'dismissed';

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt!: Date | null;
}
