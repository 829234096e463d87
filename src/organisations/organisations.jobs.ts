import { defineJob, NoPayload } from '@libs/queue';
import { BACKGROUND_QUEUE } from '@src/queues';

/** Platform-wide, every 15 minutes: e-mails the volunteers of the missions starting tomorrow (Europe/Paris). */
export const SendMissionReminders = defineJob<NoPayload>('send-mission-reminders', BACKGROUND_QUEUE);
