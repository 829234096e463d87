import { Column, Entity } from 'typeorm';
import { ModeratedPublicationColumns } from '@src/moderation/entities/moderated-publication.columns';

/** An organisation's project. */
@Entity('projects')
export class Project extends ModeratedPublicationColumns<
  'pending_review' | 'published' | 'rejected' | 'removed' | 'closed'
> {
  @Column('uuid', { name: 'organisation_id' })
  organisationId!: string;

  @Column('date', { name: 'starts_on', nullable: true })
  startsOn!: string | null;

  @Column('date', { name: 'ends_on', nullable: true })
  endsOn!: string | null;

  @Column('boolean', { name: 'ongoing' })
  ongoing!: boolean;

  @Column('text', { name: 'image_key', nullable: true })
  imageKey!: string | null;

  @Column('text', { name: 'image_type', nullable: true })
  imageType!: ('image/png' | 'image/jpeg' | 'image/webp') | null;

  @Column('uuid', { name: 'created_by' })
  createdBy!: string;
}
