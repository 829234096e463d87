import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config';
import { problem, ProblemException } from '../http';
import { REDIS } from './redis.tokens';

export interface Limit {
  /** Attempts allowed per window. */
  max: number;
  windowSec: number;
}

// One atomic round trip: count this hit and read the window's remaining time.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}`;

/**
 * Fixed-window counters in Redis, shared by every API replica. Subjects (addresses) are
 * hashed before they become keys, so Redis holds no e-mail address.
 */
@Injectable()
export class RateLimiter {
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Counts one attempt against every (subject, limit) pair; throws 429 with Retry-After when one is exceeded. */
  async hit(action: string, checks: Array<{ subject: string; limit: Limit }>): Promise<void> {
    let retryAfter = 0;
    for (const { subject, limit } of checks) {
      const digest = createHash('sha256').update(subject).digest('base64url').slice(0, 22);
      const key = `${this.config.queuePrefix}:rl:${action}:${digest}`;
      let result: [number, number];
      try {
        result = (await this.redis.eval(HIT, 1, key, String(limit.windowSec))) as [number, number];
      } catch {
        // Redis away: fail open. Limits protect against abuse; availability of login matters more.
        continue;
      }
      const [count, ttl] = result;
      if (count > limit.max) retryAfter = Math.max(retryAfter, ttl > 0 ? ttl : limit.windowSec);
    }
    if (retryAfter > 0) {
      throw new ProblemException(problem(429, `Trop de tentatives. Réessayez dans ${Math.ceil(retryAfter / 60)} minute(s).`), {
        'retry-after': String(retryAfter),
      });
    }
  }
}
