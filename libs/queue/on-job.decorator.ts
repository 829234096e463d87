import { SetMetadata } from '@nestjs/common';
import type { JobDefinition } from './job-definition';

export const JOB_HANDLER = 'entraide:job-handler';

/** Marks the method that handles `job`; it receives the job's payload and nothing ambient. */
export const OnJob = (job: JobDefinition<object>): MethodDecorator => SetMetadata(JOB_HANDLER, job.name);

/**
 * Thrown by a handler to run the same job again later without spending a BullMQ attempt:
 * the handler keeps its own count (e.g. in the row it works on).
 */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryLater';
  }
}
