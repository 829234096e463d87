import type { ConnectionOptions } from 'bullmq';

/**
 * BullMQ connection settings from the one Redis URL. Workers block on Redis and retry
 * forever (`maxRetriesPerRequest: null`, which BullMQ requires). Producers keep ioredis's
 * offline queue (disabling it breaks BullMQ's connection handshake when a queue closes
 * early): callers that must not wait bound the call themselves, as OutboxService.dispatch does.
 */
export function queueConnection(redisUrl: string, role: 'producer' | 'worker'): ConnectionOptions {
  return role === 'producer'
    ? { url: redisUrl, maxRetriesPerRequest: 1, connectionName: 'entraide-queue' }
    : { url: redisUrl, maxRetriesPerRequest: null, connectionName: 'entraide-worker' };
}
