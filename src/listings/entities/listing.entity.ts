import { Column, Entity } from 'typeorm';
import { ModeratedPublicationColumns } from '@src/moderation/entities/moderated-publication.columns';

/** An offer or request of help. */
@Entity('listings')
export class Listing extends ModeratedPublicationColumns<
  'pending_review' | 'published' | 'rejected' | 'removed' | 'closed' | 'expired' | 'hidden' | 'fulfilled'
> {
  @Column('uuid', { name: 'author_id' })
  authorId!: string;

  /** The author's name and relayed flag as search sends them, kept by triggers (migration 1732300035000). */
  @Column({ type: 'text', name: 'author_name', insert: false, update: false })
  authorName!: string;

  @Column({ type: 'boolean', name: 'author_relayed', insert: false, update: false })
  authorRelayed!: boolean;

  @Column('text', { name: 'kind' })
  kind!: 'offer' | 'request';

  @Column('text', { name: 'mode' })
  mode!: 'in_person' | 'remote' | 'both';

  @Column('integer', { name: 'radius_m', nullable: true })
  radiusM!: number | null;

  @Column('jsonb', { name: 'availability' })
  availability!: Record<string, unknown>;

  @Column('integer', { name: 'version' })
  version!: number;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'fulfilled_at', nullable: true })
  fulfilledAt!: Date | null;

  @Column('uuid', { name: 'helper_id', nullable: true })
  helperId!: string | null;

  @Column('uuid', { name: 'fulfilled_conversation_id', nullable: true })
  fulfilledConversationId!: string | null;
}
