/** The shared connection for commands (health, rate limits), a RedisClient; BullMQ opens its own. */
export const REDIS = Symbol('REDIS');
