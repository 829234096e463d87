import { Column, Entity, PrimaryColumn } from 'typeorm';
import { AlertNotificationColumns } from './alert-notification.columns';

/** A listing alert of one recipient. */
@Entity('match_notifications')
export class MatchNotification extends AlertNotificationColumns {
  @PrimaryColumn('uuid', { name: 'listing_id' })
  listingId!: string;

  @Column('text', { name: 'reason' })
  reason!: 'counterpart' | 'alert';
}
