import { SetMetadata } from '@nestjs/common';
import { JobName } from './queue.constants';

export const JOB_HANDLER = 'entraide:job-handler';

/** Marks the method that handles `name`; it receives the job's payload and nothing ambient. */
export const OnJob = (name: JobName): MethodDecorator => SetMetadata(JOB_HANDLER, name);

/**
 * Thrown by a handler to run the same job again later without spending a BullMQ attempt:
 * the handler keeps its own count (e.g. in the row it works on).
 */
export class RetryLater extends Error {
  constructor(readonly delayMs: number, reason: string) {
    super(reason);
    this.name = 'RetryLater';
  }
}
