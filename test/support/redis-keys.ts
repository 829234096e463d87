import Redis from 'ioredis';

/**
 * Removes what an application started with QUEUE_PREFIX `prefix` left in the Redis at `url`: its queues
 * (`prefix:queue:…`) and rate limits (`prefix:rl:…`), also under a cluster's hash tag (`{prefix:queue}:…`).
 * For the tests' and the benchmarks' applications, once closed; a Redis that does not answer is left as it is.
 * Like env.ts, free of Jest: the benchmarks use it too.
 */
export async function deletePrefixedKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  const glob = prefix.replace(/[*?[\]\\]/g, '\\$&');
  let deleted = 0;
  try {
    await redis.connect();
    for (const match of [`${glob}:*`, `{${glob}:*`]) {
      const stream = redis.scanStream({ match, count: 1_000 });
      for await (const keys of stream as AsyncIterable<string[]>)
        if (keys.length) deleted += await redis.unlink(...keys);
    }
  } catch {
    // Nothing to clean where Redis is down (a test of that case): its keys, if any, stay.
  } finally {
    redis.disconnect();
  }
  return deleted;
}
