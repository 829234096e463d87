/**
 * Every queue and every job of the application, in one place. A job's payload carries its
 * tenant id whenever it is about one tenant: workers never read a tenant from ambient state.
 */
export enum QueueName {
  Mail = 'mail',
  Matching = 'matching',
}

export enum JobName {
  SendEmail = 'send-email',
  SweepOutbox = 'sweep-outbox',
  MatchListing = 'match-listing',
  SweepMatching = 'sweep-matching',
  SendDigests = 'send-digests',
  ExpireListings = 'expire-listings',
  SendReminders = 'send-reminders',
}

export interface JobPayloads {
  [JobName.SendEmail]: { tenantId: string; outboxId: string };
  /** Platform-wide: the sweep visits every tenant in turn. */
  [JobName.SweepOutbox]: Record<string, never>;
  [JobName.MatchListing]: { tenantId: string; listingId: string; version: number };
  /** Platform-wide: re-queues the matching of publications whose job was lost. */
  [JobName.SweepMatching]: Record<string, never>;
  [JobName.SendDigests]: Record<string, never>;
  [JobName.ExpireListings]: Record<string, never>;
  [JobName.SendReminders]: Record<string, never>;
}

export const JOB_QUEUE: { readonly [N in JobName]: QueueName } = {
  [JobName.SendEmail]: QueueName.Mail,
  [JobName.SweepOutbox]: QueueName.Mail,
  [JobName.MatchListing]: QueueName.Matching,
  [JobName.SweepMatching]: QueueName.Matching,
  [JobName.SendDigests]: QueueName.Matching,
  [JobName.ExpireListings]: QueueName.Matching,
  [JobName.SendReminders]: QueueName.Matching,
};

/**
 * Jobs handled at once by one worker process, per queue. Mail jobs spend their time waiting
 * on PostgreSQL and SMTP, so many run side by side (the more wait together, the larger the
 * worker's group commits); the SMTP pool bounds the connections.
 */
export const QUEUE_CONCURRENCY: { readonly [Q in QueueName]: number } = {
  [QueueName.Mail]: 128,
  // Matching jobs are database-bound fan-outs; a few at once keep the pool for the mail.
  [QueueName.Matching]: 4,
};
