import { defineJob, NoPayload } from '@libs/queue';
import { BACKGROUND_QUEUE } from '@src/queues';

/** Platform-wide, every 10 minutes: listings past their date expire, tenant by tenant. */
export const ExpireListings = defineJob<NoPayload>('expire-listings', BACKGROUND_QUEUE);
