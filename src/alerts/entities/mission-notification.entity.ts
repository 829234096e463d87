import { Entity, PrimaryColumn } from 'typeorm';
import { AlertNotificationColumns } from './alert-notification.columns';

/** A mission alert of one recipient. */
@Entity('mission_notifications')
export class MissionNotification extends AlertNotificationColumns {
  @PrimaryColumn('uuid', { name: 'mission_id' })
  missionId!: string;
}
