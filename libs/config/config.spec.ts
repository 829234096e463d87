import { ConfigError, loadAdminConfig, loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://entraide_app:x@127.0.0.1:5432/entraide',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-chars',
};

describe('configuration', () => {
  it('parses a complete environment with defaults for the optional settings', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({ port: 3000, publicScheme: 'https', workersInProcess: true, env: 'development', smtpUrl: undefined });
    expect(c.http).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 15_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 60_000 });
  });

  it.each([
    ['DATABASE_URL', { ...valid, DATABASE_URL: undefined }, 'Invalid configuration: DATABASE_URL is missing'],
    ['DATABASE_URL', { ...valid, DATABASE_URL: 'mysql://x@y/z' }, 'Invalid configuration: DATABASE_URL is malformed (must be a postgres:// URL)'],
    ['REDIS_URL', { ...valid, REDIS_URL: '' }, 'Invalid configuration: REDIS_URL is missing'],
    ['PORT', { ...valid, PORT: 'trois-mille' }, 'Invalid configuration: PORT is malformed'],
    ['PUBLIC_SCHEME', { ...valid, PUBLIC_SCHEME: 'ftp' }, 'Invalid configuration: PUBLIC_SCHEME is malformed'],
    ['SESSION_SECRET', { ...valid, SESSION_SECRET: 'short' }, 'Invalid configuration: SESSION_SECRET is malformed (must be at least 32 characters)'],
    ['SMTP_URL', { ...valid, SMTP_URL: 'http://mail' }, 'Invalid configuration: SMTP_URL is malformed (must be an smtp:// URL)'],
    ['HTTP_HEADERS_TIMEOUT_SEC', { ...valid, HTTP_REQUEST_TIMEOUT_SEC: '10', HTTP_HEADERS_TIMEOUT_SEC: '20' }, 'Invalid configuration: HTTP_HEADERS_TIMEOUT_SEC is malformed (must not exceed HTTP_REQUEST_TIMEOUT_SEC)'],
    ['HTTP_REQUEST_TIMEOUT_SEC', { ...valid, HTTP_REQUEST_TIMEOUT_SEC: '0' }, 'Invalid configuration: HTTP_REQUEST_TIMEOUT_SEC is malformed'],
  ])('names %s when it is missing or malformed', (setting, env, message) => {
    let error: unknown;
    try {
      loadConfig(env as NodeJS.ProcessEnv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  it('never echoes a secret value in its message', () => {
    expect(() => loadConfig({ ...valid, SESSION_SECRET: 'hunter2' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  it('asks the admin commands for the owner connection only', () => {
    expect(loadAdminConfig({ DATABASE_ADMIN_URL: 'postgres://o@h/db' }).databaseAdminUrl).toBe('postgres://o@h/db');
    expect(() => loadAdminConfig({})).toThrow('Invalid configuration: DATABASE_ADMIN_URL is missing');
  });
});
