import type { ConnectionOptions } from 'bullmq';
import type { AppConfig } from '@libs/config';
import { connectRedis } from '@libs/redis';

/** What a BullMQ Queue or Worker of one queue is given, and how to let go of it once that is closed. */
export interface QueueConnection {
  connection: ConnectionOptions;
  prefix: string;
  /** Closes the client opened here for a cluster (BullMQ closes only the connections it opened itself). */
  release: () => void;
}

/**
 * BullMQ connection settings of one queue. Workers block on Redis and retry forever
 * (`maxRetriesPerRequest: null`, which BullMQ requires). Producers keep ioredis's offline queue
 * (disabling it breaks BullMQ's connection handshake when a queue closes early): callers that must
 * not wait bound the call themselves, as OutboxService.dispatch does.
 *
 * On one Redis (REDIS_URL), every queue's keys start with QUEUE_PREFIX, as they always have. On a
 * Redis Cluster (REDIS_CLUSTER_NODES), BullMQ's scripts touch many keys of a queue at once, so they
 * must share a slot: each queue gets the prefix `{QUEUE_PREFIX:queue}`, a hash tag of its own, which
 * keeps a queue's keys together and spreads the queues over the cluster's masters.
 */
export function queueConnection(
  config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes' | 'queuePrefix'>,
  queue: string,
  role: 'producer' | 'worker',
): QueueConnection {
  const options =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, connectionName: 'entraide-queue' }
      : { maxRetriesPerRequest: null, connectionName: 'entraide-worker' };
  if (!config.redisClusterNodes?.length) {
    return { connection: { url: config.redisUrl, ...options }, prefix: config.queuePrefix, release: () => undefined };
  }
  const client = connectRedis(config, options);
  return {
    connection: client,
    prefix: queuePrefixOnCluster(config.queuePrefix, queue),
    release: () => client.disconnect(),
  };
}

/** The prefix of a queue's keys on a Redis Cluster: a hash tag of its own (keys `{prefix:queue}:queue:…`). */
export function queuePrefixOnCluster(prefix: string, queue: string): string {
  return `{${prefix}:${queue}}`;
}
