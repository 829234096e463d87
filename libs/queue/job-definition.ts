/**
 * How a module declares its queues and jobs. libs/queue knows no job of the application: each
 * module declares its own, beside the handler, and the registry below is what the workers check.
 *
 * A queue (a BullMQ queue: one worker per process, its concurrency) is declared once:
 *
 *     export const MAIL_QUEUE = defineQueue('mail', { concurrency: 128 });
 *
 * A job is a name, the queue it runs on and the type of its payload, declared in a `*.jobs.ts`
 * file beside its handler (src/notifications/mail.jobs.ts, src/outcomes/outcomes.jobs.ts…):
 *
 *     export const SendEmail = defineJob<{ tenantId: string; outboxId: string }>('send-email', MAIL_QUEUE);
 *
 * The handler names the definition, and producers queue it with a payload the compiler checks:
 *
 *     @OnJob(SendEmail) send({ tenantId, outboxId }: PayloadOf<typeof SendEmail>) { … }
 *     await jobQueue.add({ job: SendEmail, payload: { tenantId, outboxId }, jobId: outboxId });
 *     jobQueue.keepRepeating([{ job: SweepOutbox, everyMs: 60_000 }]); // payload-less jobs only
 *
 * A payload carries its tenant id whenever the job is about one tenant: workers never read a
 * tenant from ambient state. Every job defined in a process must have exactly one `@OnJob`
 * handler there, or the workers refuse to start (JobWorkers): a job can never sit in Redis with
 * nobody to run it. Defining a job is importing its file: the handler's file does.
 */
export interface QueueDefinition {
  readonly name: string;
  /** Jobs of this queue one worker process runs at once. */
  readonly concurrency: number;
}

export interface JobDefinition<P = unknown> {
  readonly name: string;
  readonly queue: QueueDefinition;
  /** Never set: carries the payload's type for `add` and `PayloadOf`. */
  readonly payloadType?: P;
}

export type PayloadOf<J> = J extends JobDefinition<infer P> ? P : never;

/** The payload of a job about no tenant in particular (a sweep over every tenant, a schedule). */
export type NoPayload = Record<string, never>;

export class JobDefinitionError extends Error {}

const queues = new Map<string, QueueDefinition>();
const jobs = new Map<string, JobDefinition>();

export function defineQueue(name: string, options: { concurrency: number }): QueueDefinition {
  if (queues.has(name)) throw new JobDefinitionError(`queue ${name} is defined twice`);
  const queue = Object.freeze({ name, concurrency: options.concurrency });
  queues.set(name, queue);
  return queue;
}

export function defineJob<P extends object>(name: string, queue: QueueDefinition): JobDefinition<P> {
  if (jobs.has(name)) throw new JobDefinitionError(`job ${name} is defined twice`);
  if (queues.get(queue.name) !== queue)
    throw new JobDefinitionError(`job ${name}: queue ${queue.name} was not made by defineQueue`);
  const job: JobDefinition<P> = Object.freeze({ name, queue });
  jobs.set(name, job);
  return job;
}

/** Every job defined in this process (by the files it loaded), for the workers' check. */
export function definedJobs(): JobDefinition[] {
  return [...jobs.values()];
}

/** Every queue defined in this process. */
export function definedQueues(): QueueDefinition[] {
  return [...queues.values()];
}

export function jobNamed(name: string): JobDefinition | undefined {
  return jobs.get(name);
}
