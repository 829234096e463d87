import { defineJob, NoPayload } from '@libs/queue';
import { BACKGROUND_QUEUE } from '@src/queues';

/** Platform-wide, every 15 minutes: the due "Avez-vous trouvé de l'aide ?" reminders. */
export const SendReminders = defineJob<NoPayload>('send-reminders', BACKGROUND_QUEUE);
