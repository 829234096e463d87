import { defineQueue } from '@libs/queue';

/**
 * The BullMQ queues of the application and how many jobs of each one worker process runs at
 * once: the process's tuning, in one place. Jobs are declared beside their handlers (`*.jobs.ts`).
 *
 * Mail jobs spend their time waiting on PostgreSQL and SMTP, so many run side by side (the more
 * wait together, the larger the worker's group commits); the SMTP pool bounds the connections.
 */
export const MAIL_QUEUE = defineQueue('mail', { concurrency: 128 });

/**
 * The bulk of big fan-outs: a queue of its own, so it never holds the slots other mail needs.
 * Each bulk job carries up to MAIL_BATCH rows, sent side by side: a few jobs keep the SMTP pool
 * busy, and what other mail waits behind in the pool stays a fraction of a second.
 */
export const MAIL_BULK_QUEUE = defineQueue('mail-bulk', { concurrency: 2 });

/**
 * Database-bound work: alert fan-outs, sweeps, digests, expiry, reminders; a few at once keep the
 * pool for the mail. (Named after its first job; the name stays so scheduled jobs in Redis still land.)
 */
export const BACKGROUND_QUEUE = defineQueue('matching', { concurrency: 4 });
