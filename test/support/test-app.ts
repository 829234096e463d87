import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '../../libs/config';
import { createApp } from '../../src/app.factory';
import { TEST_REDIS_URL } from './env';
import { createTestDatabase, TestDatabase } from './test-db';

export interface InjectOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  host?: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

export interface TestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  config: AppConfig;
  logs: string[];
  request(opts: InjectOptions): Promise<{ status: number; headers: Record<string, unknown>; body: string; json<T = any>(): T }>;
  close(): Promise<void>;
}

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
    ...overrides,
  };
}

/** The production application on a database of this file's own; requests go through Fastify's inject. */
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
  const app = await createApp(config, { logDestination: sink });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    db,
    config,
    logs,
    async request({ method = 'GET', url, host = 'meylan.localhost', headers = {}, payload }) {
      const res = await app.inject({
        method,
        url,
        headers: { host, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      return { status: res.statusCode, headers: res.headers, body: res.body, json: () => JSON.parse(res.body) };
    },
    async close() {
      await app.close();
      if (!opts.db) await db.drop();
    },
  };
}
