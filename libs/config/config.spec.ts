import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ENV_NAMES, loadAdminConfig, loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://entraide_app:x@127.0.0.1:5432/entraide',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-chars',
};

describe('configuration', () => {
  it('parses a complete environment with defaults for the optional settings', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({
      port: 3000,
      publicScheme: 'https',
      workersInProcess: true,
      env: 'development',
      smtpUrl: undefined,
      baseDomain: 'localhost',
    });
    expect(c.http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 15_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 60_000,
    });
  });

  it('connects what needs a session to DATABASE_DIRECT_URL, else to DATABASE_URL', () => {
    expect(loadConfig(valid).databaseDirectUrl).toBe(valid.DATABASE_URL);
    const direct = 'postgres://entraide_app:x@127.0.0.1:5432/entraide';
    const pooled = { ...valid, DATABASE_URL: 'postgres://entraide_app:x@127.0.0.1:6432/entraide' };
    expect(loadConfig({ ...pooled, DATABASE_DIRECT_URL: direct })).toMatchObject({
      databaseUrl: pooled.DATABASE_URL,
      databaseDirectUrl: direct,
    });
    expect(() => loadConfig({ ...valid, DATABASE_DIRECT_URL: 'mysql://x@y/z' })).toThrow(
      'Invalid configuration: DATABASE_DIRECT_URL is malformed (must be a postgres:// URL)',
    );
  });

  it.each([
    ['DATABASE_URL', { ...valid, DATABASE_URL: undefined }, 'Invalid configuration: DATABASE_URL is missing'],
    [
      'DATABASE_URL',
      { ...valid, DATABASE_URL: 'mysql://x@y/z' },
      'Invalid configuration: DATABASE_URL is malformed (must be a postgres:// URL)',
    ],
    ['REDIS_URL', { ...valid, REDIS_URL: '' }, 'Invalid configuration: REDIS_URL is missing'],
    [
      'REDIS_CLUSTER_NODES',
      { ...valid, REDIS_CLUSTER_NODES: 'redis://127.0.0.1:7000' },
      'Invalid configuration: REDIS_CLUSTER_NODES is malformed (must be host:port pairs separated by commas)',
    ],
    ['PORT', { ...valid, PORT: 'trois-mille' }, 'Invalid configuration: PORT is malformed'],
    ['PUBLIC_SCHEME', { ...valid, PUBLIC_SCHEME: 'ftp' }, 'Invalid configuration: PUBLIC_SCHEME is malformed'],
    ['GEOCODER_URL', { ...valid, GEOCODER_URL: 'adresse' }, 'Invalid configuration: GEOCODER_URL is malformed'],
    ['BASE_DOMAIN', { ...valid, BASE_DOMAIN: 'https://x.fr' }, 'Invalid configuration: BASE_DOMAIN is malformed'],
    [
      'SESSION_SECRET',
      { ...valid, SESSION_SECRET: 'short' },
      'Invalid configuration: SESSION_SECRET is malformed (must be at least 32 characters)',
    ],
    [
      'SMTP_URL',
      { ...valid, SMTP_URL: 'http://mail' },
      'Invalid configuration: SMTP_URL is malformed (must be an smtp:// URL)',
    ],
    [
      'HTTP_HEADERS_TIMEOUT_SEC',
      { ...valid, HTTP_REQUEST_TIMEOUT_SEC: '10', HTTP_HEADERS_TIMEOUT_SEC: '20' },
      'Invalid configuration: HTTP_HEADERS_TIMEOUT_SEC is malformed (must not exceed HTTP_REQUEST_TIMEOUT_SEC)',
    ],
    [
      'HTTP_REQUEST_TIMEOUT_SEC',
      { ...valid, HTTP_REQUEST_TIMEOUT_SEC: '0' },
      'Invalid configuration: HTTP_REQUEST_TIMEOUT_SEC is malformed',
    ],
  ])('names %s when it is missing or malformed', (setting, env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  it('takes a Redis Cluster from its seed nodes, without REDIS_URL', () => {
    const c = loadConfig({ ...valid, REDIS_URL: undefined, REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis-b:7001' });
    expect(c.redisClusterNodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
    ]);
    expect(c.redisUrl).toBeUndefined();
    expect(loadConfig(valid).redisClusterNodes).toBeUndefined();
  });

  it('never echoes a secret value in its message', () => {
    expect(() => loadConfig({ ...valid, SESSION_SECRET: 'hunter2' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('asks the admin commands for the owner connection only', () => {
    expect(loadAdminConfig({ DATABASE_ADMIN_URL: 'postgres://o@h/db' }).databaseAdminUrl).toBe('postgres://o@h/db');
    expect(() => loadAdminConfig({})).toThrow('Invalid configuration: DATABASE_ADMIN_URL is missing');
  });
});

describe('DKIM settings', () => {
  let dir: string;
  let pem: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dkim-config-'));
    pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    writeFileSync(join(dir, 'mail.key'), pem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const dkim = (extra: Record<string, string | undefined>) => ({
    ...valid,
    DKIM_DOMAIN: 'entraide.meylan.fr',
    DKIM_SELECTOR: 'entraide2026',
    DKIM_PRIVATE_KEY: pem,
    ...extra,
  });
  const failure = (env: Record<string, string | undefined>): ConfigError => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('loadConfig accepted the environment');
  };

  it('signs nothing when none of the three is set', () => {
    expect(loadConfig(valid).dkim).toBeUndefined();
  });

  it('takes the key as PEM text, as PEM with literal \\n, or as the path of a file holding it', () => {
    const fromText = loadConfig(dkim({})).dkim!;
    expect(fromText).toMatchObject({ domain: 'entraide.meylan.fr', selector: 'entraide2026' });
    expect(fromText.privateKey.asymmetricKeyType).toBe('rsa');
    const fromEscaped = loadConfig(dkim({ DKIM_PRIVATE_KEY: pem.replace(/\n/g, '\\n') })).dkim!;
    const fromFile = loadConfig(dkim({ DKIM_PRIVATE_KEY: join(dir, 'mail.key') })).dkim!;
    expect(fromEscaped.privateKey.equals(fromText.privateKey)).toBe(true);
    expect(fromFile.privateKey.equals(fromText.privateKey)).toBe(true);
  });

  it('keeps the key out of anything printed from the configuration', () => {
    const body = pem.split('\n')[1];
    expect(JSON.stringify(loadConfig(dkim({})))).not.toContain(body);
  });

  it.each([
    [
      'DKIM_SELECTOR',
      { DKIM_SELECTOR: undefined },
      'is missing (DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY are set together, or none of them)',
    ],
    ['DKIM_DOMAIN', { DKIM_DOMAIN: undefined, DKIM_PRIVATE_KEY: undefined }, 'is missing'],
    ['DKIM_PRIVATE_KEY', { DKIM_PRIVATE_KEY: '' }, 'is missing'],
    ['DKIM_DOMAIN', { DKIM_DOMAIN: 'meylan' }, 'is malformed (must be a domain name such as entraide.meylan.fr)'],
    ['DKIM_DOMAIN', { DKIM_DOMAIN: 'entraide.meylan.fr; s=x' }, 'is malformed'],
    ['DKIM_SELECTOR', { DKIM_SELECTOR: 'a b' }, 'is malformed (letters, digits, - and . only)'],
    [
      'DKIM_PRIVATE_KEY',
      { DKIM_PRIVATE_KEY: '/nonexistent/mail.key' },
      'is malformed (neither a PEM private key nor a readable file holding one)',
    ],
    [
      'DKIM_PRIVATE_KEY',
      { DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' },
      'is malformed (not a PEM private key without passphrase)',
    ],
  ])('names %s when the three settings are incomplete or malformed', (setting, extra, reason) => {
    const error = failure(dkim(extra));
    expect(error.setting).toBe(setting);
    expect(error.message.startsWith(`Invalid configuration: ${setting} ${reason}`)).toBe(true);
  });

  it('refuses a key that receivers would not accept: not RSA, or under 1024 bits', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    expect(failure(dkim({ DKIM_PRIVATE_KEY: ec })).message).toBe(
      'Invalid configuration: DKIM_PRIVATE_KEY is malformed (must be an RSA key)',
    );
    const small = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    }) as string;
    expect(failure(dkim({ DKIM_PRIVATE_KEY: small })).message).toMatch(
      /^Invalid configuration: DKIM_PRIVATE_KEY is malformed \(RSA key must have at least 1024 bits/,
    );
  });

  it('never echoes the key or its path in a failure', () => {
    const secretPath = join(dir, 'absent-s3cret.key');
    expect(failure(dkim({ DKIM_PRIVATE_KEY: secretPath })).message).not.toContain('s3cret');
    expect(failure(dkim({ DKIM_SELECTOR: undefined })).message).not.toContain(pem.split('\n')[1]);
  });
});

describe('the tables of settings', () => {
  // An operator reads README's or docs/OPERATIONS.md's: each names every setting the application reads.
  it.each(['README.md', 'docs/OPERATIONS.md'])('%s names every setting', (file) => {
    const firstCells = readFileSync(join(__dirname, '..', '..', file), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|')[1]);
    expect(ENV_NAMES.filter((name) => !firstCells.some((cell) => cell.includes(`\`${name}\``)))).toEqual([]);
  });
});
