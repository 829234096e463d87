import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Database } from '@libs/db';
import { REDIS, type RedisClient } from '@libs/redis';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);

/** Liveness and readiness for load balancers and orchestrators; served on any host. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Database,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply) {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 2000);
        return 'up';
      } catch {
        return 'down';
      }
    };
    const [postgres, redis] = await Promise.all([check(() => this.db.ping()), check(() => this.redis.ping())]);
    const ok = postgres === 'up' && redis === 'up';
    // The standby (DATABASE_REPLICA_URL) is reported, never required: down or lagging, its reads go to the primary.
    const replica = this.db.replicaStatus();
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unavailable',
      checks: { postgres, redis, ...(replica ? { replica: replica.state } : {}) },
      ...(replica ? { replica: { ...replica, readsFrom: replica.state === 'up' ? 'standby' : 'primary' } } : {}),
    });
  }
}
