import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '@libs/config';
import { createDevApp } from '@dev/dev-app';
import { TEST_REDIS_URL } from './env';
import { deletePrefixedKeys } from './redis-keys';
import { createTestDatabase, TestDatabase, testQueuePrefix } from './test-db';

export interface InjectOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  host?: string;
  headers?: Record<string, string>;
  payload?: unknown;
  /**
   * Client address (sent as X-Forwarded-For); a fresh one per request unless given, so per-IP limits apply only when
   * asked.
   */
  ip?: string;
  /** A session cookie token to send. */
  session?: string;
  /** Origin header; defaults to the host's own origin for state-changing requests with a session. */
  origin?: string | null;
}

export interface TestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  config: AppConfig;
  logs: string[];
  request(opts: InjectOptions): Promise<{
    status: number;
    headers: Record<string, unknown>;
    body: string;
    json<T = any>(): T;
    cookies: Array<{ name: string; value: string; [k: string]: unknown }>;
  }>;
  close(): Promise<void>;
}

const rand = () => Math.floor(Math.random() * 250) + 1;

export function testEnv(db: TestDatabase, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: db.appUrl,
    DATABASE_ADMIN_URL: db.adminUrl,
    REDIS_URL: TEST_REDIS_URL,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0000',
    PUBLIC_SCHEME: 'http',
    TENANTS_DIR: join(__dirname, '..', '..', 'tenants'),
    LOG_LEVEL: 'info',
    WORKERS: 'off',
    TRUST_PROXY: 'true',
    QUEUE_PREFIX: testQueuePrefix(db.name),
    UPLOADS_DIR: join(tmpdir(), `entraide-uploads-${db.name}`),
    ...overrides,
  };
}

/**
 * The application as `npm run dev` composes it (production's, plus the development inbox when the workers run
 * here without SMTP_URL), on a database of this file's own; requests go through Fastify's inject.
 */
export async function startTestApp(opts: { env?: Record<string, string>; db?: TestDatabase } = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  const config = loadConfig(testEnv(db, opts.env));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const app = await createDevApp(config, { logDestination: sink });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    db,
    config,
    logs,
    async request({ method = 'GET', url, host = 'meylan.localhost', headers = {}, payload, ip, session, origin }) {
      const h: Record<string, string> = { host, 'x-forwarded-for': ip ?? `10.${rand()}.${rand()}.${rand()}` };
      if (payload !== undefined) h['content-type'] = 'application/json';
      if (session) h.cookie = `entraide_session=${session}`;
      const o =
        origin === undefined ? (session && method !== 'GET' ? `http://${host}` : undefined) : (origin ?? undefined);
      if (o) h.origin = o;
      const res = await app.inject({
        method,
        url,
        headers: { ...h, ...headers },
        payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      return {
        status: res.statusCode,
        headers: res.headers,
        body: res.body,
        json: () => JSON.parse(res.body),
        cookies: res.cookies,
      };
    },
    async close() {
      await app.close();
      // Its queues and rate limits (sign-in flows and sessions of identity providers expire by themselves): a database
      // dropped here takes its prefix's keys with it (test-db.ts); for one it was given, or another prefix, here.
      const ownKeys = !opts.db && config.queuePrefix === testQueuePrefix(db.name);
      if (!ownKeys && !config.redisClusterNodes && config.redisUrl === TEST_REDIS_URL)
        await deletePrefixedKeys(TEST_REDIS_URL, config.queuePrefix);
      if (!opts.db) await db.drop();
    },
  };
}

export interface ListeningTestApp extends TestApp {
  port: number;
  /**
   * The tenant's site as a browser reaches it, e.g. `http://meylan.localhost:PORT/` (Chromium resolves `*.localhost` to
   * loopback).
   */
  baseUrl(tenantSlug: string): string;
}

/** The same application, also listening on a free TCP port of 127.0.0.1, for a real browser. */
export async function startListeningTestApp(opts: Parameters<typeof startTestApp>[0] = {}): Promise<ListeningTestApp> {
  const t = await startTestApp(opts);
  try {
    await t.app.listen(0, '127.0.0.1');
  } catch (err) {
    await t.close();
    throw err;
  }
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return { ...t, port, baseUrl: (tenantSlug) => `http://${tenantSlug}.localhost:${port}/` };
}
