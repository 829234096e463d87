export * from './redis.tokens';
export * from './redis-client';
export * from './redis.module';
export * from './rate-limiter';
