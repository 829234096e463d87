import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue, OnJob } from '@libs/queue';
import { DeliveryPolicy } from './delivery-policy';
import { SendEmail, SweepOutbox } from './mail.jobs';
import { OutboxRepository } from './outbox.repository';

export interface SweepReport {
  tenants: number;
  /** Claims whose lease ran out (worker stopped mid-send), back to pending. */
  released: number;
  failed: number;
  /** Due rows whose job was queued again (a no-op for those whose job still exists). */
  requeued: number;
}

/**
 * Makes PostgreSQL, not Redis, the record of what must be sent: every sweep re-queues each
 * due unsent row with its row id as job id, so a lost job (Redis flushed, dispatch failed,
 * process killed) is sent anyway and a job still in Redis is not doubled.
 */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutboxSweeper.name);

  constructor(
    private readonly repo: OutboxRepository,
    private readonly queue: JobQueue,
    private readonly policy: DeliveryPolicy,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([{ job: SweepOutbox, everyMs: this.policy.sweepEveryMs }]);
  }

  @OnJob(SweepOutbox)
  sweep(): Promise<SweepReport> {
    return this.sweepNow();
  }

  /**
   * One pass over every tenant. The application role sees no outbox row without a tenant,
   * so it visits them one by one, each under its own RLS context.
   */
  async sweepNow(): Promise<SweepReport> {
    const report: SweepReport = { tenants: 0, released: 0, failed: 0, requeued: 0 };
    for (const tenantId of await this.repo.tenantIds()) {
      const { released, failed, due } = await this.repo.sweep(
        tenantId,
        this.policy.maxAttempts,
        this.policy.sweepBatch,
        this.policy.sweepGraceMs,
      );
      report.tenants++;
      report.released += released;
      report.failed += failed;
      if (due.length) {
        await this.queue.addBulk(
          due.map((outboxId) => ({ job: SendEmail, payload: { tenantId, outboxId }, jobId: outboxId })),
        );
        report.requeued += due.length;
      }
    }
    if (report.released || report.failed)
      this.logger.warn(`outbox sweep: ${report.released} expired claim(s) released, ${report.failed} failed`);
    return report;
  }
}
