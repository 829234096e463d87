import Redis from 'ioredis';

/**
 * Removes what an application started with QUEUE_PREFIX `prefix` left in the single Redis at `url`: its queues
 * (`prefix:queue:…`) and rate limits (`prefix:rl:…`). For the tests' and the benchmarks' applications, once they and
 * their workers have stopped (a running worker writes its queues' keys again). A Redis that cannot be reached (a test
 * of that case) is left as it is; any other failure is thrown. A Redis Cluster's keys are not for this (see
 * test/support/redis-cluster.ts). Like env.ts, free of Jest: the benchmarks use it too.
 */
export async function deletePrefixedKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    try {
      await redis.connect();
    } catch {
      return 0;
    }
    let deleted = 0;
    const stream = redis.scanStream({ match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`, count: 1_000 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) deleted += await redis.unlink(...keys);
    return deleted;
  } finally {
    redis.disconnect();
  }
}
