import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { TooManyRequestsError } from '@libs/errors';
import { RedisClient, slotTag } from './redis-client';
import { REDIS } from './redis.tokens';

export interface Limit {
  /** Attempts allowed per window. */
  max: number;
  windowSec: number;
}

/**
 * Limits on an attempt that may fail (a password), counting failures only. One client's
 * failures on a subject never refuse another client a correct attempt on that subject.
 */
export interface FailurePolicy {
  /** Failures one client may make on one subject; past them that client waits for the window's end. */
  perPair: Limit;
  /** Failures one client may make on any subjects. */
  perClient: Limit;
  /**
   * Failures on one subject from any client past which a client that has itself failed on it
   * waits between attempts: baseSec, doubling with each further failure, up to maxSec.
   */
  slowDown: { after: number; windowSec: number; baseSec: number; maxSec: number };
}

/** An attempt let through: a failure unless `succeeded` is called (so a crash counts as a failure). */
export interface Attempt {
  /** The secret was right: this attempt is not a failure, and the client's failures on the subject are forgotten. */
  succeeded(): Promise<void>;
}

// One atomic round trip: count this hit and read the window's remaining time.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}`;

/*
 * KEYS: pair (hash n, last ms), client counter, subject counter.
 * ARGV: pairMax, pairWindow, clientMax, clientWindow, after, subjectWindow, baseSec, maxSec.
 * Refused → {0, seconds to wait}; let through → {1, 0} with the attempt reserved as a failure
 * in all three counters (so concurrent attempts cannot overshoot the limits).
 */
const ATTEMPT = `
local pn = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if pn >= tonumber(ARGV[1]) then return {0, redis.call('TTL', KEYS[1])} end
local cn = tonumber(redis.call('GET', KEYS[2]) or '0')
if cn >= tonumber(ARGV[3]) then return {0, redis.call('TTL', KEYS[2])} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if pn > 0 then
  local sn = tonumber(redis.call('GET', KEYS[3]) or '0')
  local after = tonumber(ARGV[5])
  if sn >= after then
    local delay = math.min(tonumber(ARGV[8]), tonumber(ARGV[7]) * 2 ^ (sn - after)) * 1000
    local wait = tonumber(redis.call('HGET', KEYS[1], 'last') or '0') + delay - now
    if wait > 0 then return {0, math.ceil(wait / 1000)} end
  end
end
if redis.call('HINCRBY', KEYS[1], 'n', 1) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
redis.call('HSET', KEYS[1], 'last', now)
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
return {1, 0}`;

// A success: forget the pair, give back the attempt reserved in the other two counters.
const SUCCEEDED = `
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1`;

const NOTHING: Attempt = { succeeded: () => Promise.resolve() };

/**
 * Counters in Redis, shared by every API replica. Subjects (addresses, client addresses) are
 * hashed before they become keys, so Redis holds no e-mail address; every key names its tenant,
 * so one commune's counters never limit another's. On a Redis Cluster, the keys of one action and
 * tenant share a hash tag: the attempt's script touches three of them, which must be in one slot.
 */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts one attempt against every (subject, limit) pair; throws 429 with Retry-After when one is exceeded. */
  async hit(action: string, checks: Array<{ subject: string; limit: Limit }>, tenantId?: string): Promise<void> {
    let retryAfter = 0;
    for (const { subject, limit } of checks) {
      let result: [number, number];
      try {
        result = (await this.redis.eval(HIT, 1, this.key(action, tenantId, subject), String(limit.windowSec))) as [
          number,
          number,
        ];
      } catch {
        // Redis away: fail open. Limits protect against abuse; availability of login matters more.
        continue;
      }
      const [count, ttl] = result;
      if (count > limit.max) retryAfter = Math.max(retryAfter, ttl > 0 ? ttl : limit.windowSec);
    }
    if (retryAfter > 0) throw tooMany(retryAfter);
  }

  /**
   * Lets an attempt on `subject` by `client` through, or throws 429 with Retry-After when this
   * client has failed too often (on this subject, or on any), or must wait because the subject
   * is under attack and this client took part in it. Call `succeeded()` when the secret was right.
   */
  async attempt(
    action: string,
    tenantId: string,
    subject: string,
    client: string,
    policy: FailurePolicy,
  ): Promise<Attempt> {
    const keys = [
      this.key(action, tenantId, `pair:${subject}\n${client}`),
      this.key(action, tenantId, `client:${client}`),
      this.key(action, tenantId, `subject:${subject}`),
    ];
    const { perPair, perClient, slowDown } = policy;
    let result: [number, number];
    try {
      result = (await this.redis.eval(
        ATTEMPT,
        3,
        ...keys,
        ...[
          perPair.max,
          perPair.windowSec,
          perClient.max,
          perClient.windowSec,
          slowDown.after,
          slowDown.windowSec,
          slowDown.baseSec,
          slowDown.maxSec,
        ].map(String),
      )) as [number, number];
    } catch {
      return NOTHING; // Redis away: fail open, as hit() does.
    }
    const [allowed, wait] = result;
    if (!allowed) throw tooMany(wait > 0 ? wait : 1);
    return {
      succeeded: async () => {
        await this.redis.eval(SUCCEEDED, 3, ...keys).catch(() => undefined);
      },
    };
  }

  private key(action: string, tenantId: string | undefined, subject: string): string {
    const digest = createHash('sha256').update(subject).digest('base64url').slice(0, 22);
    return `${slotTag(this.config, `${this.config.queuePrefix}:rl:${action}:${tenantId ?? '-'}`)}:${digest}`;
  }
}

function tooMany(retryAfterSec: number): TooManyRequestsError {
  const wait =
    retryAfterSec < 60
      ? `${retryAfterSec} seconde${retryAfterSec > 1 ? 's' : ''}`
      : `${Math.ceil(retryAfterSec / 60)} minute(s)`;
  return new TooManyRequestsError(`Trop de tentatives. Réessayez dans ${wait}.`, retryAfterSec);
}
