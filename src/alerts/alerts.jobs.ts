import { defineJob, NoPayload } from '@libs/queue';
import { BACKGROUND_QUEUE } from '@src/queues';

/** The alerts of one published item of a source; repeats of the same publication share a job id (alertJobId). */
export const MatchAlert = defineJob<{ tenantId: string; kind: string; itemId: string; version: number }>(
  'match-alert',
  BACKGROUND_QUEUE,
);
/** Platform-wide: re-queues the fan-outs of publications whose job was lost, every source. */
export const SweepAlerts = defineJob<NoPayload>('sweep-alerts', BACKGROUND_QUEUE);
/** Platform-wide: the daily digests of the tenants past their digest hour, every source. */
export const SendAlertDigests = defineJob<NoPayload>('send-alert-digests', BACKGROUND_QUEUE);

export const alertJobId = (kind: string, itemId: string, version: number) => `alert-${kind}-${itemId}-${version}`;

/**
 * The jobs of the two pipelines this one replaced. Accepted for one release: a job queued by
 * the previous version may still sit in Redis at deploy (a publication's fan-out, a retry), and
 * their schedules repeat until removed (AlertsProcessor removes them). Delete after the release.
 */
export const LegacyAlertJobs = {
  MatchListing: defineJob<{ tenantId: string; listingId: string; version: number }>('match-listing', BACKGROUND_QUEUE),
  MatchMission: defineJob<{ tenantId: string; missionId: string }>('match-mission', BACKGROUND_QUEUE),
  SweepMatching: defineJob<NoPayload>('sweep-matching', BACKGROUND_QUEUE),
  SweepMissionMatching: defineJob<NoPayload>('sweep-mission-matching', BACKGROUND_QUEUE),
  SendDigests: defineJob<NoPayload>('send-digests', BACKGROUND_QUEUE),
  SendMissionDigests: defineJob<NoPayload>('send-mission-digests', BACKGROUND_QUEUE),
} as const;
