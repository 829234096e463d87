import { defineJob, NoPayload } from '@libs/queue';
import { MAIL_BULK_QUEUE, MAIL_QUEUE } from '@src/queues';

/** One outbox row: a request's e-mail, the sweeper's re-queue, a retry. */
export const SendEmail = defineJob<{ tenantId: string; outboxId: string }>('send-email', MAIL_QUEUE);
/** Several rows of one tenant in one job (a small fan-out, the first wave of a big one). */
export const SendEmails = defineJob<{ tenantId: string; outboxIds: string[] }>('send-emails', MAIL_QUEUE);
/** The same, for the rest of a big fan-out, on the bulk queue. */
export const SendBulkEmails = defineJob<{ tenantId: string; outboxIds: string[] }>('send-bulk-emails', MAIL_BULK_QUEUE);
/** Platform-wide: the sweep visits every tenant in turn. */
export const SweepOutbox = defineJob<NoPayload>('sweep-outbox', MAIL_QUEUE);

/** Outbox rows per mail job when a dispatch carries several (a fan-out). */
export const MAIL_BATCH = 50;

/**
 * The most e-mails one worker process has claimed and not yet marked at any moment: the
 * single-row jobs of the mail queue, and its batch jobs, are each bounded by the process's
 * in-flight limit (`MailProcessor`); the bulk queue's jobs add theirs. After a crash, only
 * these can be sent twice (docs/MAIL.md).
 */
export const MAIL_IN_FLIGHT = { mail: MAIL_QUEUE.concurrency, bulk: MAIL_BULK_QUEUE.concurrency * MAIL_BATCH } as const;
