import { z } from 'zod';
import { dkimSchema, DkimKey, DkimSettingError, loadDkim } from './dkim';

/**
 * The whole environment of the service, parsed once at boot into one typed object.
 * Anything missing or malformed stops the process with one line naming the setting.
 */
const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: postgresUrl,
  DATABASE_ADMIN_URL: postgresUrl.optional(),
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  DATABASE_REPLICA_URL: postgresUrl.optional(),
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(600000).default(3000),
  DATABASE_REPLICA_TIMEOUT_MS: z.coerce.number().int().min(50).max(600000).default(2000),
  /** Required unless REDIS_CLUSTER_NODES is set (checked in loadConfig). */
  REDIS_URL: z
    .string()
    .url()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// URL')
    .optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'must be host:port pairs separated by commas')
    .transform((v) => v.split(',').map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) })))
    .optional(),
  SMTP_URL: z
    .string()
    .url()
    .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// URL')
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  PUBLIC_SCHEME: z.enum(['http', 'https']).default('https'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
  WORKERS: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TENANTS_DIR: z.string().min(1).default('tenants'),
  MAP_TILE_URL: z.string().default('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png'),
  GEOCODER_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v), 'must be an http(s):// URL')
    .optional(),
  /** Every commune also answers at `<slug>.<BASE_DOMAIN>`; `localhost` keeps the development hosts. */
  BASE_DOMAIN: z
    .string()
    .toLowerCase()
    .regex(/^(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})*$/, 'must be a domain name such as entraide.example.fr')
    .default('localhost'),
  /** The platform's own ProConnect client: town-hall agents ask for their dormant commune's site through it. */
  OPENING_PROCONNECT_ISSUER: z
    .string()
    .url()
    .refine((v) => /^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(v), 'must be https:// (http on loopback)')
    .optional(),
  OPENING_PROCONNECT_CLIENT_ID: z.string().min(1).optional(),
  OPENING_PROCONNECT_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DB_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
  TENANT_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  MAIL_LEASE_SEC: z.coerce.number().int().min(1).max(86400).default(300),
  MAIL_SWEEP_SEC: z.coerce.number().int().min(1).max(3600).default(30),
  JOB_LOCK_SEC: z.coerce.number().int().min(5).max(3600).default(30),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w-]+$/, 'letters, digits, - and _ only')
    .default('entraide'),
  UPLOADS_DIR: z.string().min(1).default('uploads'),
  ...dkimSchema,
  HTTP_REQUEST_TIMEOUT_SEC: z.coerce.number().int().min(1).max(600).default(30),
  HTTP_HEADERS_TIMEOUT_SEC: z.coerce.number().int().min(1).max(600).default(15),
  HTTP_KEEPALIVE_TIMEOUT_SEC: z.coerce.number().int().min(1).max(600).default(5),
  HTTP_IDLE_TIMEOUT_SEC: z.coerce.number().int().min(1).max(3600).default(60),
});

export type Env = z.infer<typeof schema>;
/** Every setting read from the environment (README's and docs/OPERATIONS.md's tables list each: config.spec.ts). */
export const ENV_NAMES = Object.keys(schema.shape) as Array<keyof Env>;

export interface AppConfig {
  env: Env['NODE_ENV'];
  databaseUrl: string;
  databaseAdminUrl?: string;
  /**
   * The primary itself, never through a pooler, for what needs a session of its own (the tenant directory's
   * LISTEN): DATABASE_DIRECT_URL, or DATABASE_URL when unset.
   */
  databaseDirectUrl: string;
  /** A hot standby of the primary, same role: public reads go there while it keeps up (libs/db/replica.ts). */
  databaseReplicaUrl?: string;
  /** Beyond this replay lag, the standby's reads go to the primary (DATABASE_REPLICA_MAX_LAG_MS). */
  databaseReplicaMaxLagMs: number;
  /** A public read the standby leaves unanswered this long is answered by the primary (DATABASE_REPLICA_TIMEOUT_MS). */
  databaseReplicaTimeoutMs: number;
  /** One Redis (REDIS_URL); unused when redisClusterNodes is set. */
  redisUrl?: string;
  /**
   * Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES): queues, rate limits and the shared connection run there
   * instead, each queue's keys in one slot of their own.
   */
  redisClusterNodes?: Array<{ host: string; port: number }>;
  smtpUrl?: string;
  /**
   * A page of this process listing the e-mail it sent, linked from the site's footer: set by the development entry
   * (dev/), never by the environment.
   */
  sentMailPage?: string;
  port: number;
  publicScheme: 'http' | 'https';
  sessionSecret: string;
  workersInProcess: boolean;
  logLevel: Env['LOG_LEVEL'];
  tenantsDir: string;
  mapTileUrl: string;
  /**
   * An address search of the national address base's shape (api-adresse.data.gouv.fr: `/search/?q=&limit=`);
   * unset, "près de chez moi" offers no address box.
   */
  geocoderUrl?: string;
  /** Hosts `<slug>.<baseDomain>` serve each commune (BASE_DOMAIN, default `localhost`). */
  baseDomain: string;
  /**
   * The platform's ProConnect client (OPENING_PROCONNECT_ISSUER, _CLIENT_ID, _CLIENT_SECRET, all or none): with it a
   * dormant commune's page offers « Demander l’ouverture » to its town-hall agents.
   */
  openingProConnect?: { issuer: string; clientId: string; clientSecret: string };
  dbPoolSize: number;
  /** Hot statements (public search) as named prepared statements; off behind a pooler that cannot keep them. */
  dbPreparedStatements: boolean;
  /**
   * How many tenants each per-tenant cache holds (settings, theme, a closed commune's host…): loaded on first use,
   * least recently used dropped beyond.
   */
  tenantCacheSize: number;
  /** How long a claimed e-mail may stay 'sending' before the sweeper takes it back (a worker died mid-send). */
  mailLeaseMs: number;
  /** How often the outbox sweeper re-queues due e-mails. */
  mailSweepMs: number;
  /**
   * A running job's lock in BullMQ (renewed at half its length while the job runs): a job whose worker died is
   * found stalled and run again after at most about twice this.
   */
  jobLockMs: number;
  /** Behind a load balancer: take the client address from X-Forwarded-For (rate limits per IP). */
  trustProxy: boolean;
  /** BullMQ key prefix: separate deployments (or test files) sharing one Redis stay apart. */
  queuePrefix: string;
  /** Where uploaded images (projects' pictures) are stored on disk. */
  uploadsDir: string;
  /** Signs every outgoing e-mail when set (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY). */
  dkim?: DkimKey;
  /** Slow clients are cut with a 408 so they cannot hold sockets (see docs/OPERATIONS.md). */
  http: HttpTimeouts;
}

export interface HttpTimeouts {
  /** Whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** Headers must arrive within this; never above requestTimeoutMs (Node refuses it). */
  headersTimeoutMs: number;
  /** An idle kept-alive socket is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way (e.g. a client that stops reading the answer) is destroyed after this. */
  idleTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${setting} ${reason}`);
  }
}

/** What each entry point needs: the admin commands (migrate, tenants:sync) need no Redis nor session secret. */
export type ConfigScope = 'app' | 'admin';

const adminSchema = schema
  .pick({ NODE_ENV: true, DATABASE_ADMIN_URL: true, LOG_LEVEL: true, TENANTS_DIR: true })
  .required({ DATABASE_ADMIN_URL: true });

export interface AdminConfig {
  env: Env['NODE_ENV'];
  databaseAdminUrl: string;
  logLevel: Env['LOG_LEVEL'];
  tenantsDir: string;
}

function parse<S extends z.ZodTypeAny>(s: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = s.safeParse(blanksRemoved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const setting = String(issue.path[0] ?? 'environment');
    const missing = issue.code === 'invalid_type' && issue.received === 'undefined';
    throw new ConfigError(setting, missing ? 'is missing' : `is malformed (${issue.message})`);
  }
  return parsed.data as z.infer<S>;
}

export function loadAdminConfig(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  const e = parse(adminSchema, env);
  return { env: e.NODE_ENV, databaseAdminUrl: e.DATABASE_ADMIN_URL, logLevel: e.LOG_LEVEL, tenantsDir: e.TENANTS_DIR };
}

/** Parses `env`; throws ConfigError naming the first bad setting. Never echoes a value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parse(schema, env);
  if (e.HTTP_HEADERS_TIMEOUT_SEC > e.HTTP_REQUEST_TIMEOUT_SEC) {
    throw new ConfigError('HTTP_HEADERS_TIMEOUT_SEC', 'is malformed (must not exceed HTTP_REQUEST_TIMEOUT_SEC)');
  }
  if (!e.REDIS_URL && !e.REDIS_CLUSTER_NODES) throw new ConfigError('REDIS_URL', 'is missing');
  return {
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    databaseAdminUrl: e.DATABASE_ADMIN_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL ?? e.DATABASE_URL,
    databaseReplicaUrl: e.DATABASE_REPLICA_URL,
    databaseReplicaMaxLagMs: e.DATABASE_REPLICA_MAX_LAG_MS,
    databaseReplicaTimeoutMs: e.DATABASE_REPLICA_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    smtpUrl: e.SMTP_URL,
    port: e.PORT,
    publicScheme: e.PUBLIC_SCHEME,
    sessionSecret: e.SESSION_SECRET,
    workersInProcess: e.WORKERS === 'on',
    logLevel: e.LOG_LEVEL,
    tenantsDir: e.TENANTS_DIR,
    mapTileUrl: e.MAP_TILE_URL,
    geocoderUrl: e.GEOCODER_URL,
    baseDomain: e.BASE_DOMAIN,
    openingProConnect: openingProConnectOrThrow(e),
    dbPoolSize: e.DB_POOL_SIZE,
    dbPreparedStatements: e.DB_PREPARED_STATEMENTS === 'on',
    tenantCacheSize: e.TENANT_CACHE_SIZE,
    queuePrefix: e.QUEUE_PREFIX,
    trustProxy: e.TRUST_PROXY === 'true',
    mailLeaseMs: e.MAIL_LEASE_SEC * 1000,
    mailSweepMs: e.MAIL_SWEEP_SEC * 1000,
    jobLockMs: e.JOB_LOCK_SEC * 1000,
    uploadsDir: e.UPLOADS_DIR,
    dkim: dkimOrThrow(e),
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SEC * 1000,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_SEC * 1000,
      keepAliveTimeoutMs: e.HTTP_KEEPALIVE_TIMEOUT_SEC * 1000,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_SEC * 1000,
    },
  };
}

function openingProConnectOrThrow(e: Env): AppConfig['openingProConnect'] {
  const { OPENING_PROCONNECT_ISSUER: issuer, OPENING_PROCONNECT_CLIENT_ID: clientId } = e;
  const clientSecret = e.OPENING_PROCONNECT_CLIENT_SECRET;
  if (!issuer && !clientId && !clientSecret) return undefined;
  for (const [setting, value] of Object.entries({
    OPENING_PROCONNECT_ISSUER: issuer,
    OPENING_PROCONNECT_CLIENT_ID: clientId,
    OPENING_PROCONNECT_CLIENT_SECRET: clientSecret,
  }))
    if (!value) throw new ConfigError(setting, 'is missing (the OPENING_PROCONNECT_ settings go together)');
  return { issuer: issuer!, clientId: clientId!, clientSecret: clientSecret! };
}

function dkimOrThrow(e: Env): DkimKey | undefined {
  try {
    return loadDkim(e);
  } catch (err) {
    if (err instanceof DkimSettingError) throw new ConfigError(err.setting, err.reason);
    throw err;
  }
}

/** For process entry points: parse or print one line and exit non-zero. */
export function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
