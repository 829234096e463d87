import { Injectable } from '@nestjs/common';

/**
 * What a resident waits for, in this process: an HTTP request being answered, a publication's
 * matching, its first e-mails, a verification link. Bulk work (the rest of a big fan-out, the
 * daily digests) asks `idle` before each step and
 * lets such work go first: on a few cores, a fan-out of thousands would otherwise take the
 * thread from the small publications arriving meanwhile. It waits at most `maxMs`, so bulk
 * work slows down under a steady stream of foreground work but never stops.
 */
/** The longest a bulk step (a chunk of a big fan-out, one of its e-mails) waits for foreground work. */
export const BULK_YIELD_MS = 500;

@Injectable()
export class ForegroundWork {
  private running = 0;
  private waiters: Array<() => void> = [];

  get busy(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const end = this.begin();
    try {
      return await task();
    } finally {
      end();
    }
  }

  /**
   * Foreground work that is not one promise (an HTTP request, from its arrival until its
   * socket is done with it): counts it in; the function returned counts it out, once,
   * however often it is called.
   */
  begin(): () => void {
    this.running++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.running === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const wake of waiters) wake();
      }
    };
  }

  /** Resolves once no foreground work runs, or after `maxMs`. */
  idle(maxMs: number): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve();
      }, maxMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
    });
  }
}
