/** The shared connection for commands (health, rate limits); BullMQ opens its own. */
export const REDIS = Symbol('REDIS');
