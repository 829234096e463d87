import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { RateLimiter } from './rate-limiter';
import { connectRedis, RedisClient } from './redis-client';
import { REDIS } from './redis.tokens';

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      // No offline queue: a command while Redis is away fails at once instead of hanging.
      // With REDIS_CLUSTER_NODES, a Redis Cluster; every key of one command or script is in one slot.
      useFactory: (config: AppConfig): RedisClient => {
        const redis = connectRedis(config, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectionName: 'entraide',
        });
        // ioredis reconnects by itself; log the outage once per episode, not once per retry.
        let down = false;
        const logger = new Logger('redis');
        redis.on('error', (e: Error) => {
          if (!down) logger.warn(`redis unavailable: ${e.message}`);
          down = true;
        });
        redis.on('ready', () => (down = false));
        return redis;
      },
    },
    RateLimiter,
  ],
  exports: [REDIS, RateLimiter],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
