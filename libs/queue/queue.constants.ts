/**
 * Every queue and every job of the application, in one place. A job's payload carries its
 * tenant id whenever it is about one tenant: workers never read a tenant from ambient state.
 */
export enum QueueName {
  Mail = 'mail',
  /** The bulk of big fan-outs: a queue of its own, so it never holds the slots other mail needs. */
  MailBulk = 'mail-bulk',
  Matching = 'matching',
}

export enum JobName {
  SendEmail = 'send-email',
  /** Several rows of one tenant in one job (a small fan-out, the first wave of a big one). */
  SendEmails = 'send-emails',
  /** The same, for the rest of a big fan-out, on the bulk queue. */
  SendBulkEmails = 'send-bulk-emails',
  SweepOutbox = 'sweep-outbox',
  MatchListing = 'match-listing',
  SweepMatching = 'sweep-matching',
  SendDigests = 'send-digests',
  ExpireListings = 'expire-listings',
  SendReminders = 'send-reminders',
  MatchMission = 'match-mission',
  SweepMissionMatching = 'sweep-mission-matching',
  SendMissionDigests = 'send-mission-digests',
}

export interface JobPayloads {
  [JobName.SendEmail]: { tenantId: string; outboxId: string };
  [JobName.SendEmails]: { tenantId: string; outboxIds: string[] };
  [JobName.SendBulkEmails]: { tenantId: string; outboxIds: string[] };
  /** Platform-wide: the sweep visits every tenant in turn. */
  [JobName.SweepOutbox]: Record<string, never>;
  [JobName.MatchListing]: { tenantId: string; listingId: string; version: number };
  /** Platform-wide: re-queues the matching of publications whose job was lost. */
  [JobName.SweepMatching]: Record<string, never>;
  [JobName.SendDigests]: Record<string, never>;
  [JobName.ExpireListings]: Record<string, never>;
  [JobName.SendReminders]: Record<string, never>;
  [JobName.MatchMission]: { tenantId: string; missionId: string };
  /** Platform-wide: re-queues the matching of missions whose job was lost. */
  [JobName.SweepMissionMatching]: Record<string, never>;
  [JobName.SendMissionDigests]: Record<string, never>;
}

export const JOB_QUEUE: { readonly [N in JobName]: QueueName } = {
  [JobName.SendEmail]: QueueName.Mail,
  [JobName.SendEmails]: QueueName.Mail,
  [JobName.SendBulkEmails]: QueueName.MailBulk,
  [JobName.SweepOutbox]: QueueName.Mail,
  [JobName.MatchListing]: QueueName.Matching,
  [JobName.SweepMatching]: QueueName.Matching,
  [JobName.SendDigests]: QueueName.Matching,
  [JobName.ExpireListings]: QueueName.Matching,
  [JobName.SendReminders]: QueueName.Matching,
  [JobName.MatchMission]: QueueName.Matching,
  [JobName.SweepMissionMatching]: QueueName.Matching,
  [JobName.SendMissionDigests]: QueueName.Matching,
};

/**
 * Jobs handled at once by one worker process, per queue. Mail jobs spend their time waiting
 * on PostgreSQL and SMTP, so many run side by side (the more wait together, the larger the
 * worker's group commits); the SMTP pool bounds the connections.
 */
export const QUEUE_CONCURRENCY: { readonly [Q in QueueName]: number } = {
  [QueueName.Mail]: 128,
  // Each bulk job carries up to MAIL_BATCH rows, sent side by side: a few jobs keep the SMTP
  // pool busy, and what other mail waits behind in the pool stays a fraction of a second.
  [QueueName.MailBulk]: 2,
  // Matching jobs are database-bound fan-outs; a few at once keep the pool for the mail.
  [QueueName.Matching]: 4,
};

/** Outbox rows per mail job when a dispatch carries several (a fan-out). */
export const MAIL_BATCH = 50;

/**
 * The most e-mails one worker process has claimed and not yet marked at any moment: the
 * single-row jobs of the mail queue, and its batch jobs, are each bounded by the process's
 * in-flight limit (`MailProcessor`); the bulk queue's jobs add theirs. After a crash, only
 * these can be sent twice (docs/MAIL.md).
 */
export const MAIL_IN_FLIGHT = { mail: 128, bulk: QUEUE_CONCURRENCY[QueueName.MailBulk] * MAIL_BATCH } as const;
