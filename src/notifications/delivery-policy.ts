import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@libs/config';

/**
 * How hard the mail worker tries. One instance per process; production uses these values.
 * Tests shorten the delays on the instance they get from the application.
 */
@Injectable()
export class DeliveryPolicy {
  /** Tries per message, the first included; then the row is 'failed'. */
  maxAttempts = 8;
  /** Retry delays double from this (1, 2, 4 … min), capped below: about 2 h of trying in all. */
  retryBaseMs = 60_000;
  retryMaxMs = 60 * 60_000;
  /**
   * How long a claimed row may stay 'sending' before the sweeper takes it back (worker killed
   * mid-send). Far above the transport's own timeouts, so a live send never outlasts it.
   */
  leaseMs = 5 * 60_000;
  /** How often the sweeper re-queues due rows and expired claims. */
  sweepEveryMs = 30_000;
  /** Rows re-queued per tenant per sweep; the next sweep takes the rest. */
  sweepBatch = 1_000;
  /**
   * How long a pending row stays due before the sweeper takes it for lost (two sweeps): until
   * then its own job is most likely on the way. Expired claims are re-queued at once.
   */
  sweepGraceMs = 60_000;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.leaseMs = config.mailLeaseMs;
    this.sweepEveryMs = config.mailSweepMs;
    this.sweepGraceMs = 2 * config.mailSweepMs;
  }

  /** Delay before the attempt following `attempt` (1-based), ±10 % so retries after an outage spread out. */
  retryDelayMs(attempt: number): number {
    const base = Math.min(this.retryBaseMs * 2 ** Math.max(0, attempt - 1), this.retryMaxMs);
    return Math.round(base * (0.9 + Math.random() * 0.2));
  }
}
