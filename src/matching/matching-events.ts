import { Injectable, Logger } from '@nestjs/common';
import { Database, Tx } from '../../libs/db';
import { JobName, JobQueue } from '../../libs/queue';
import { TenantDirectory } from '../tenants/tenant-directory.service';

/** The job id of a publication's matching: repeats of the same publication are one job. */
export const matchJobId = (listingId: string, version: number) => `match-${listingId}-${version}`;

/**
 * Bridges ListingPublished rows (written with the publication) and matching jobs: queue one
 * after commit, mark the row when the job is done, and re-queue any row left behind (Redis
 * away at publication, flushed, or a worker killed mid-job).
 */
@Injectable()
export class MatchingEvents {
  private readonly logger = new Logger(MatchingEvents.name);

  constructor(private readonly db: Database, private readonly queue: JobQueue, private readonly directory: TenantDirectory) {}

  async enqueue(tenantId: string, listingId: string, version: number): Promise<void> {
    await this.queue.add({ name: JobName.MatchListing, payload: { tenantId, listingId, version }, jobId: matchJobId(listingId, version) });
  }

  /** In the caller's transaction: the matching job's last write. */
  async markDispatched(tx: Tx, tenantId: string, listingId: string, version: number): Promise<void> {
    await tx.query(
      `UPDATE domain_events SET dispatched_at = now()
       WHERE tenant_id = $1 AND type = 'ListingPublished' AND aggregate_id = $2 AND (payload->>'version')::int <= $3 AND dispatched_at IS NULL`,
      [tenantId, listingId, version],
    );
  }

  /** Re-queues publications older than `graceMs` whose matching has not completed. */
  async requeueUndispatched(graceMs = 15_000): Promise<number> {
    let requeued = 0;
    for (const t of this.directory.all()) {
      const due: Array<{ listingId: string; version: number }> = await this.db.withTenant(t.id, (tx) =>
        tx.query(
          `SELECT aggregate_id AS "listingId", (payload->>'version')::int AS version FROM domain_events
           WHERE tenant_id = $1 AND type = 'ListingPublished' AND dispatched_at IS NULL AND created_at < now() - make_interval(secs => $2)
           ORDER BY created_at LIMIT 500`,
          [t.id, graceMs / 1000],
        ),
      );
      if (!due.length) continue;
      await this.queue.addBulk(due.map((d) => ({ name: JobName.MatchListing, payload: { tenantId: t.id, listingId: d.listingId, version: d.version }, jobId: matchJobId(d.listingId, d.version) })));
      requeued += due.length;
    }
    if (requeued) this.logger.log(`matching sweep: ${requeued} publication(s) queued again`);
    return requeued;
  }
}
