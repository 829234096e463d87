import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { AppConfig } from '@libs/config';

/** A connection to the configured Redis: one server, or a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisClient = Redis | Cluster;

export type RedisTarget = Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>;

/**
 * Opens a connection to the configured Redis: a Cluster when seed nodes are set, else one server from the URL.
 * On a cluster, `options` apply to each node's connection, except the offline queue, which is the cluster's:
 * node connections open lazily and must keep theirs, or a command to a node not yet connected would fail.
 */
export function connectRedis(
  target: RedisTarget,
  options: RedisOptions = {},
  cluster: ClusterOptions = {},
): RedisClient {
  if (target.redisClusterNodes?.length) {
    const { enableOfflineQueue, ...redisOptions } = options;
    return new Cluster(target.redisClusterNodes, {
      ...cluster,
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      redisOptions,
    });
  }
  if (!target.redisUrl) throw new Error('no Redis configured (REDIS_URL or REDIS_CLUSTER_NODES)');
  return new Redis(target.redisUrl, options);
}

/**
 * Keys built on the same tag land in one slot of a cluster (`{tag}`, Redis's hash tag), so a script or a
 * transaction may use them together; on one server the tag is left as it is, so key names stay what they were.
 */
export function slotTag(target: RedisTarget, tag: string): string {
  return target.redisClusterNodes?.length ? `{${tag}}` : tag;
}
