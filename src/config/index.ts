import { isIP } from 'node:net';
import path from 'node:path';
import { FAILPOINTS, type FailpointName } from '../shared/failpoints.js';
import { parseMailbox, type Mailbox } from '../shared/mailbox.js';

/**
 * Every environment variable Audenci reads (the table in docs/operations.md), parsed and validated once at
 * start-up. A bad value throws `ConfigError` naming the variable; the entry points print its one-line message
 * and exit non-zero.
 */
export interface Config {
  port: number;
  host: string;
  /**
   * `AUDENCI_WORKER_METRICS_PORT`: where a `worker` process serves `GET /metrics` (and `/healthz`) on
   * `host`; 0 (the default) serves nothing. The API and `serve` answer `/metrics` on `port` instead.
   */
  workerMetricsPort: number;
  publicUrl: string;
  dataDir: string;
  /** `undefined` selects the embedded SQLite database in `dataDir`. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** 32-byte key (AES-256-GCM) for platform tokens; `undefined` means "generate into the data dir". */
  secretKey: Buffer | undefined;
  /**
   * Earlier values of AUDENCI_SECRET_KEY (AUDENCI_SECRET_KEY_PREVIOUS, comma-separated): what they sealed
   * still opens, and `audenci secrets rotate` re-seals it with the current key.
   */
  previousSecretKeys: Buffer[];
  allowPrivateUrls: boolean;
  /**
   * Origins (`https://app.example.com`) besides the public URL's to which the OAuth callback may send
   * the browser (a connect `redirectUri`). AUDENCI_OAUTH_REDIRECT_ORIGINS, comma-separated.
   */
  oauthRedirectOrigins: string[];
  /**
   * `AUDENCI_CORS_ORIGINS`: the origins whose browsers may call the API cross-origin (src/http/cors.ts),
   * normalised as `URL.origin`; `['*']` means any origin. Empty (the default): CORS is off.
   */
  corsOrigins: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  trustProxy: boolean;
  shutdownTimeoutMs: number;
  /** How long a verified API key is trusted from memory (and an unknown one refused) before it is looked up again. */
  authCacheTtlMs: number;
  /**
   * Failed authentications one client address may make per window before its requests answer 429
   * without a lookup (AUDENCI_AUTH_FAILURE_LIMIT; 0 turns the throttle off).
   */
  authFailureLimit: number;
  /** Length of that window (AUDENCI_AUTH_FAILURE_WINDOW_SECONDS). */
  authFailureWindowSeconds: number;
  /** Failed sign-ins per account (email) and window before it gets 429 (AUDENCI_SIGN_IN_FAILURE_LIMIT; 0: off). */
  signInFailureLimit: number;
  /** Browser sessions: absolute lifetime and idle timeout, in seconds. */
  sessions: { lifetimeSeconds: number; idleSeconds: number };
  /** Fault injection (system tests only): the failpoints that SIGKILL the process (AUDENCI_FAILPOINTS). */
  failpoints: FailpointName[];
  /**
   * Requests one client address may make per rate-limit window to the public routes (the documents,
   * the changelog, the OAuth callback); probes and metrics are never limited. AUDENCI_PUBLIC_RATE_LIMIT;
   * 0 turns it off.
   */
  publicRateLimit: number;
  /** How often buffered `last_used_at` times are written to the database. */
  keyUsageFlushMs: number;
  databasePoolSize: number;
  /**
   * SQLite: the most memory its page cache may hold, in MB (`PRAGMA cache_size`). AUDENCI_SQLITE_CACHE_MB.
   */
  sqliteCacheMb: number;
  /** PostgreSQL: how long a request waits for a pooled connection before answering 503. */
  databaseConnectTimeoutMs: number;
  /** PostgreSQL: statements running longer are cancelled (a request answers 503); 0: no limit. */
  databaseStatementTimeoutMs: number;
  /**
   * PostgreSQL: a connection sends the data statements it repeats as named (prepared) statements
   * (src/db/dialects/pg-prepared.ts). Off behind a pooler in transaction mode.
   */
  databasePreparedStatements: boolean;
  /**
   * PostgreSQL: how long the client waits for the answer to one query. Past it the query fails (the
   * request answers 503) and its connection is destroyed, never reused: a frozen or unreachable server
   * holds no request. Defaults to the statement timeout plus one second, so that a live server's own
   * cancel comes first; 0 (the default when the statement timeout is 0) waits without bound.
   */
  databaseQueryTimeoutMs: number;
  /**
   * Redis: the bound on one command's answer (and on a connection that answers nothing, which is then
   * dropped and made again). Past it the request is counted in this process instead.
   */
  redisCommandTimeoutMs: number;
  /** Redis: the bound on opening a connection. */
  redisConnectTimeoutMs: number;
  /**
   * How many API processes share a rate limit while Redis is unreachable (each then allows its share of
   * the limit). 0: the processes count themselves in Redis while it is up, and each uses the last count
   * it saw.
   */
  apiProcesses: number;
  /** Load shedding: see `src/http/load-shedding.ts`. 0 turns a check off. */
  load: {
    maxEventLoopDelayMs: number;
    maxEventLoopUtilization: number;
    maxHeapBytes: number;
    maxRssBytes: number;
    /** How long a client has to send a whole request (Node's `requestTimeout`). */
    requestTimeoutMs: number;
    retryAfterSeconds: number;
  };
  /** How long a list's `totalCount` may be reused when no write went through this process. */
  countCacheTtlMs: number;
  /** Length of a rate-limit window; limits are per hour by plan, tests may shorten the window. */
  rateLimitWindowSeconds: number;
  ai: AiConfig;
  platforms: Record<PlatformName, PlatformConfig>;
  webhookRetryDelays: number[];
  /** Deadline of one webhook delivery attempt, redirects included. */
  webhookTimeoutMs: number;
  /** An endpoint whose every attempt failed for this long is disabled (reason `failing`). */
  webhookDisableAfterHours: number;
  publishRetryDelays: number[];
  metricsSyncDelays: number[];
  /** Seconds between two comment syncs of a post (which also runs at each metrics-sync delay). */
  commentSyncInterval: number;
  /** Finished jobs (every type) and their item errors and files are deleted this many days after they end. */
  jobRetentionDays: number;
  /** Events and finished webhook deliveries are deleted this many days after they happened. */
  eventRetentionDays: number;
  media: MediaConfig;
  mail: MailConfig;
}

/** Invitations and password resets (src/mail). */
export interface MailConfig {
  /** AUDENCI_SMTP_URL; `undefined`: nothing is sent, and the links are shown to an admin to pass on. */
  smtp: SmtpConfig | undefined;
  /** AUDENCI_MAIL_FROM: the sender of every mail. */
  from: Mailbox;
  /** AUDENCI_SMTP_TIMEOUT_MS: the bound on connecting, on the greeting and on each server answer. */
  timeoutMs: number;
}

/** The parts of AUDENCI_SMTP_URL; the password sits in a field named so that log redaction hides it. */
export interface SmtpConfig {
  host: string;
  port: number;
  /** `smtps://`: TLS from the first byte; `smtp://`: STARTTLS when the server offers it. */
  secure: boolean;
  user: string | undefined;
  password: string | undefined;
}

/** Where uploaded media is stored, and how large an upload may be (per type). */
export interface MediaConfig {
  /** AUDENCI_MEDIA_STORAGE: files under `<dataDir>/media` (default) or an S3-compatible bucket. */
  storage: 'local' | 's3';
  maxImageBytes: number;
  maxVideoBytes: number;
  /** Set when `storage` is `s3`. */
  s3: S3Config | undefined;
}

export interface S3Config {
  bucket: string;
  region: string;
  /** A non-AWS endpoint (MinIO, R2, …); AWS itself when undefined. */
  endpoint: string | undefined;
  /** Both or neither; without them the SDK's default chain (env, profile, instance role) applies. */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

export interface AiConfig {
  provider: 'builtin' | 'openai-compatible';
  openaiBaseUrl: string;
  openaiApiKey: string | undefined;
  /** `AI_CHAT_MODEL`: the chat-completions model that writes captions. */
  chatModel: string;
  /** `AI_IMAGE_MODEL`: the images model (`gpt-image-1`, `dall-e-3`, or a local server's name). */
  imageModel: string;
  /** `AI_TIMEOUT_MS`: deadline of one generation call to the provider, retries included. */
  timeoutMs: number;
  /** `AI_MAX_RETRIES`: retries of a failed provider call (network, 408, 429, 5xx). */
  maxRetries: number;
}

/** The networks with a live connector (see `PLATFORM_DEFAULTS`); the API knows more (`PLATFORMS`). */
export type PlatformName = 'twitter' | 'facebook' | 'instagram';

export interface PlatformConfig {
  clientId: string | undefined;
  clientSecret: string | undefined;
  apiBaseUrl: string;
  authBaseUrl: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got '${raw}'`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${raw}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got '${raw}'`);
}

/** `raw` as a URL, or a ConfigError saying `problem` (the value shown without its credentials). */
function parsedUrl(name: string, raw: string, problem: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new ConfigError(name, `${problem}, got '${redactUrl(raw)}'`);
  }
}

function url(env: Env, name: string, protocols: string[], fallback?: string): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const parsed = parsedUrl(name, raw, 'must be a URL');
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => p.replace(':', '://')).join(' or ')}`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Longest AUDENCI_PUBLIC_URL: every URL the API answers (media links, job results, OAuth callbacks) is
 * it plus a path of under 200 characters, and the API documents URLs of at most 2,048.
 */
export const MAX_PUBLIC_URL_LENGTH = 1024;

function publicUrl(env: Env, port: number): string {
  const value = url(env, 'AUDENCI_PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port}`)!;
  return bounded('AUDENCI_PUBLIC_URL', value, MAX_PUBLIC_URL_LENGTH);
}

/** Hides credentials: everything before the last `@` (a password may itself hold `/`, `?` or `#`). */
function redactUrl(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at === -1) return raw;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  return `${scheme}***${raw.slice(at)}`;
}

/**
 * Comma-separated origins (scheme, host, optional port; nothing else), each normalised as `URL.origin`.
 * With `wildcard`, `*` (any origin) may stand alone instead.
 */
function origins(env: Env, name: string, wildcard = false): string[] {
  const raw = read(env, name);
  if (raw === undefined) return [];
  const out: string[] = [];
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (wildcard && parts.includes('*')) {
    if (parts.length > 1) {
      throw new ConfigError(name, `must be '*' alone or a list of origins, got '${redactUrl(raw)}'`);
    }
    return ['*'];
  }
  for (const part of parts) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(part);
    } catch {
      parsed = undefined;
    }
    const bare =
      parsed &&
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      parsed.hostname !== '' &&
      // `https://*.example.com` parses, but matches no Origin a browser sends: refused rather than ignored.
      !parsed.hostname.includes('*') &&
      parsed.username === '' &&
      parsed.password === '' &&
      parsed.search === '' &&
      parsed.hash === '' &&
      parsed.pathname === '/' &&
      !/[?#]/.test(part);
    if (!parsed || !bare) {
      throw new ConfigError(
        name,
        `must be ${wildcard ? "'*' or " : ''}comma-separated http(s) origins such as https://app.example.com (no path, query or credentials), got '${redactUrl(part)}'`,
      );
    }
    if (!out.includes(parsed.origin)) out.push(parsed.origin);
  }
  return out;
}

function oneOf<T extends string>(env: Env, name: string, options: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(options as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${options.join(', ')}, got '${raw}'`);
  }
  return raw as T;
}

/** A comma-separated list of names out of `options` (empty when unset). */
function listOf<T extends string>(env: Env, name: string, options: readonly T[]): T[] {
  const raw = read(env, name);
  if (raw === undefined) return [];
  const names = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const item of names) {
    if (!(options as readonly string[]).includes(item)) {
      throw new ConfigError(name, `must list names out of ${options.join(', ')}, got '${item}'`);
    }
  }
  return names as T[];
}

/**
 * Most entries of a delay list: a post has one metrics snapshot per `AUDENCI_METRICS_SYNC_DELAYS` entry
 * and a webhook delivery one attempt per retry, and the API documents how many at most.
 */
export const MAX_DELAYS = 50;

function delays(env: Env, name: string, fallback: number[]): number[] {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) {
    throw new ConfigError(name, `must be comma-separated seconds (e.g. 5,300,1800), got '${raw}'`);
  }
  if (parts.length > MAX_DELAYS) {
    throw new ConfigError(name, `must list at most ${MAX_DELAYS} delays, got ${parts.length}`);
  }
  return parts.map(Number);
}

function parseSecretKey(name: string, raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigError(name, 'must be 32 bytes, as 64 hex characters or base64');
  }
  return key;
}

function secretKey(env: Env): Buffer | undefined {
  const raw = read(env, 'AUDENCI_SECRET_KEY');
  return raw === undefined ? undefined : parseSecretKey('AUDENCI_SECRET_KEY', raw);
}

/** Keys replaced by AUDENCI_SECRET_KEY, still accepted for opening until `audenci secrets rotate` ran. */
function previousSecretKeys(env: Env): Buffer[] {
  const raw = read(env, 'AUDENCI_SECRET_KEY_PREVIOUS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => parseSecretKey('AUDENCI_SECRET_KEY_PREVIOUS', part));
}

const MIB = 1024 * 1024;
/**
 * SQLite's page cache, in MB. better-sqlite3 builds SQLite with 16 MB; pages past the cache are read
 * again from the operating system's file cache (a copy, no disk read), so a smaller one costs little and
 * keeps the embedded server's memory down: a server writing posts filled all 16 MB within seconds.
 */
export const SQLITE_CACHE_MB = 4;

function media(env: Env): MediaConfig {
  const storage = oneOf(env, 'AUDENCI_MEDIA_STORAGE', ['local', 's3'] as const, 'local');
  const config: MediaConfig = {
    storage,
    maxImageBytes: integer(env, 'AUDENCI_MEDIA_MAX_IMAGE_BYTES', 20 * MIB, 1024, 1024 * MIB),
    // S3 copies an object in one request up to 5 GiB; larger uploads would need a multipart copy.
    maxVideoBytes: integer(env, 'AUDENCI_MEDIA_MAX_VIDEO_BYTES', 512 * MIB, 1024, 5 * 1024 * MIB),
    s3: undefined,
  };
  if (storage !== 's3') return config;
  const bucket = read(env, 'S3_BUCKET');
  if (bucket === undefined) throw new ConfigError('S3_BUCKET', 'is required when AUDENCI_MEDIA_STORAGE=s3');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(
      'S3_BUCKET',
      `must be a valid bucket name (3-63 of a-z, 0-9, '.', '-'), got '${bucket}'`,
    );
  }
  const region = read(env, 'S3_REGION') ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region))
    throw new ConfigError('S3_REGION', `must look like us-east-1, got '${region}'`);
  const accessKeyId = read(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    throw new ConfigError(missing, 'is required when the other S3 credential is set');
  }
  config.s3 = {
    bucket,
    region,
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    accessKeyId,
    secretAccessKey,
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', false),
  };
  return config;
}

const SMTP_URL_SHAPE = 'must look like smtp://[user:password@]host[:port] or smtps://…';
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]+\]$/;

function decodedPart(name: string, raw: string, part: string): string | undefined {
  if (part === '') return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(name, `has a badly percent-encoded user or password in '${redactUrl(raw)}'`);
  }
}

/** AUDENCI_SMTP_URL: a relay such as `smtps://apikey:secret@smtp.example.com` (port 465, else 587). */
function smtp(env: Env): SmtpConfig | undefined {
  const name = 'AUDENCI_SMTP_URL';
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const parsed = parsedUrl(name, raw, SMTP_URL_SHAPE);
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new ConfigError(name, `must use smtp:// or smtps://, got '${redactUrl(raw)}'`);
  }
  const host = parsed.hostname;
  if (!HOST_NAME.test(host) && !IPV6_LITERAL.test(host)) {
    throw new ConfigError(name, `${SMTP_URL_SHAPE} (a host is required), got '${redactUrl(raw)}'`);
  }
  // Settings in a path or query (as some tools accept) would be silently ignored: refuse them.
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '') {
    throw new ConfigError(name, `${SMTP_URL_SHAPE} (no path or query), got '${redactUrl(raw)}'`);
  }
  const port = parsed.port === '' ? undefined : Number(parsed.port);
  if (port === 0) throw new ConfigError(name, `must not use port 0, got '${redactUrl(raw)}'`);
  const user = decodedPart(name, raw, parsed.username);
  const password = decodedPart(name, raw, parsed.password);
  if (password !== undefined && user === undefined) {
    throw new ConfigError(name, `has a password but no user in '${redactUrl(raw)}'`);
  }
  const secure = parsed.protocol === 'smtps:';
  return {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port: port ?? (secure ? 465 : 587),
    secure,
    user,
    password,
  };
}

/** AUDENCI_MAIL_FROM, by default `Audenci <no-reply@…>` at the public URL's host (`localhost` for an IP). */
function mailFrom(env: Env, publicUrl: string): Mailbox {
  const name = 'AUDENCI_MAIL_FROM';
  const raw = read(env, name);
  if (raw === undefined) {
    const host = new URL(publicUrl).hostname;
    const domain = isIP(host.replace(/^\[(.*)\]$/, '$1')) === 0 && host !== '' ? host : 'localhost';
    return { name: 'Audenci', address: `no-reply@${domain}` };
  }
  const mailbox = parseMailbox(raw);
  if (!mailbox) {
    throw new ConfigError(
      name,
      `must be an address such as no-reply@example.com or "Audenci <no-reply@example.com>", got ${JSON.stringify(raw)}`,
    );
  }
  return mailbox;
}

function mail(env: Env, publicUrl: string): MailConfig {
  return {
    smtp: smtp(env),
    from: mailFrom(env, publicUrl),
    timeoutMs: integer(env, 'AUDENCI_SMTP_TIMEOUT_MS', 10_000, 100, 600_000),
  };
}

/**
 * The settings of each network that has a live connector in the platform registry
 * (`src/platforms/platforms.ts`, the definition's `connector.envPrefix`); `src/platforms/platforms.test.ts`
 * checks that the two lists agree. Kept here rather than read from the registry: config sits below
 * platforms, and this file declares every environment variable the server reads (docs/operations.md's
 * table is checked against it).
 */
const PLATFORM_DEFAULTS: Record<PlatformName, { prefix: string; api: string; auth: string }> = {
  twitter: { prefix: 'TWITTER', api: 'https://api.x.com', auth: 'https://x.com' },
  facebook: { prefix: 'FACEBOOK', api: 'https://graph.facebook.com', auth: 'https://www.facebook.com' },
  instagram: { prefix: 'INSTAGRAM', api: 'https://graph.facebook.com', auth: 'https://www.facebook.com' },
};

/** A value that goes into the URLs the API answers (an OAuth authorization URL), held to `max` characters. */
function bounded<T extends string | undefined>(name: string, value: T, max: number): T {
  if (value !== undefined && value.length > max) {
    throw new ConfigError(name, `must be at most ${max} characters long`);
  }
  return value;
}

function platforms(env: Env): Record<PlatformName, PlatformConfig> {
  const out = {} as Record<PlatformName, PlatformConfig>;
  for (const [name, d] of Object.entries(PLATFORM_DEFAULTS) as [
    PlatformName,
    (typeof PLATFORM_DEFAULTS)[PlatformName],
  ][]) {
    const authBase = `${d.prefix}_AUTH_BASE_URL`;
    out[name] = {
      clientId: bounded(`${d.prefix}_CLIENT_ID`, read(env, `${d.prefix}_CLIENT_ID`), 256),
      clientSecret: read(env, `${d.prefix}_CLIENT_SECRET`),
      apiBaseUrl: url(env, `${d.prefix}_API_BASE_URL`, ['http:', 'https:'], d.api)!,
      authBaseUrl: bounded(authBase, url(env, authBase, ['http:', 'https:'], d.auth)!, MAX_PUBLIC_URL_LENGTH),
    };
  }
  return out;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const aiProvider = oneOf(env, 'AI_PROVIDER', ['builtin', 'openai-compatible'] as const, 'builtin');
  const openaiApiKey = read(env, 'OPENAI_API_KEY');
  const statementTimeoutMs = integer(env, 'AUDENCI_DB_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000);
  const publicUrlValue = publicUrl(env, port);
  const config: Config = {
    port,
    host: read(env, 'HOST') ?? '0.0.0.0',
    workerMetricsPort: integer(env, 'AUDENCI_WORKER_METRICS_PORT', 0, 0, 65535),
    publicUrl: publicUrlValue,
    dataDir: path.resolve(read(env, 'AUDENCI_DATA_DIR') ?? './data'),
    databaseUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    secretKey: secretKey(env),
    previousSecretKeys: previousSecretKeys(env),
    allowPrivateUrls: boolean(env, 'AUDENCI_ALLOW_PRIVATE_URLS', false),
    oauthRedirectOrigins: origins(env, 'AUDENCI_OAUTH_REDIRECT_ORIGINS'),
    corsOrigins: origins(env, 'AUDENCI_CORS_ORIGINS', true),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    trustProxy: boolean(env, 'AUDENCI_TRUST_PROXY', false),
    shutdownTimeoutMs: integer(env, 'AUDENCI_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    authCacheTtlMs: integer(env, 'AUDENCI_AUTH_CACHE_TTL_MS', 5_000, 0, 300_000),
    authFailureLimit: integer(env, 'AUDENCI_AUTH_FAILURE_LIMIT', 100, 0, 1_000_000),
    authFailureWindowSeconds: integer(env, 'AUDENCI_AUTH_FAILURE_WINDOW_SECONDS', 300, 1, 86_400),
    signInFailureLimit: integer(env, 'AUDENCI_SIGN_IN_FAILURE_LIMIT', 10, 0, 1_000_000),
    sessions: {
      lifetimeSeconds: integer(env, 'AUDENCI_SESSION_LIFETIME_HOURS', 336, 1, 8760) * 3600,
      idleSeconds: integer(env, 'AUDENCI_SESSION_IDLE_MINUTES', 720, 1, 525_600) * 60,
    },
    publicRateLimit: integer(env, 'AUDENCI_PUBLIC_RATE_LIMIT', 1000, 0, 10_000_000),
    failpoints: listOf(env, 'AUDENCI_FAILPOINTS', FAILPOINTS),
    keyUsageFlushMs: integer(env, 'AUDENCI_KEY_USAGE_FLUSH_MS', 10_000, 100, 3_600_000),
    databasePoolSize: integer(env, 'AUDENCI_DB_POOL_SIZE', 10, 1, 500),
    sqliteCacheMb: integer(env, 'AUDENCI_SQLITE_CACHE_MB', SQLITE_CACHE_MB, 1, 65_536),
    databaseConnectTimeoutMs: integer(env, 'AUDENCI_DB_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000),
    databaseStatementTimeoutMs: statementTimeoutMs,
    databasePreparedStatements: boolean(env, 'AUDENCI_DB_PREPARED_STATEMENTS', true),
    databaseQueryTimeoutMs: integer(
      env,
      'AUDENCI_DB_QUERY_TIMEOUT_MS',
      statementTimeoutMs === 0 ? 0 : statementTimeoutMs + 1000,
      0,
      3_600_000,
    ),
    redisCommandTimeoutMs: integer(env, 'AUDENCI_REDIS_COMMAND_TIMEOUT_MS', 500, 10, 60_000),
    redisConnectTimeoutMs: integer(env, 'AUDENCI_REDIS_CONNECT_TIMEOUT_MS', 2000, 100, 60_000),
    apiProcesses: integer(env, 'AUDENCI_API_PROCESSES', 0, 0, 10_000),
    load: {
      maxEventLoopDelayMs: integer(env, 'AUDENCI_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 600_000),
      maxEventLoopUtilization: integer(env, 'AUDENCI_MAX_EVENT_LOOP_UTILIZATION', 0, 0, 100) / 100,
      maxHeapBytes: integer(env, 'AUDENCI_MAX_HEAP_MB', 0, 0, 1024 * 1024) * MIB,
      maxRssBytes: integer(env, 'AUDENCI_MAX_RSS_MB', 0, 0, 1024 * 1024) * MIB,
      requestTimeoutMs: integer(env, 'AUDENCI_REQUEST_TIMEOUT_MS', 300_000, 1000, 3_600_000),
      retryAfterSeconds: integer(env, 'AUDENCI_OVERLOAD_RETRY_AFTER', 5, 1, 3600),
    },
    countCacheTtlMs: integer(env, 'AUDENCI_COUNT_CACHE_TTL_MS', 2_000, 0, 600_000),
    rateLimitWindowSeconds: integer(env, 'AUDENCI_RATE_LIMIT_WINDOW_SECONDS', 3600, 1, 86_400),
    ai: {
      provider: aiProvider,
      openaiBaseUrl: url(env, 'OPENAI_BASE_URL', ['http:', 'https:'], 'https://api.openai.com/v1')!,
      openaiApiKey,
      chatModel: read(env, 'AI_CHAT_MODEL') ?? 'gpt-4o-mini',
      imageModel: read(env, 'AI_IMAGE_MODEL') ?? 'gpt-image-1',
      timeoutMs: integer(env, 'AI_TIMEOUT_MS', 60_000, 100, 600_000),
      maxRetries: integer(env, 'AI_MAX_RETRIES', 2, 0, 10),
    },
    platforms: platforms(env),
    webhookRetryDelays: delays(
      env,
      'AUDENCI_WEBHOOK_RETRY_DELAYS',
      [5, 300, 1800, 7200, 18000, 36000, 36000],
    ),
    webhookTimeoutMs: integer(env, 'AUDENCI_WEBHOOK_TIMEOUT_MS', 15_000, 100, 120_000),
    webhookDisableAfterHours: integer(env, 'AUDENCI_WEBHOOK_DISABLE_AFTER_HOURS', 120, 1, 8760),
    publishRetryDelays: delays(env, 'AUDENCI_PUBLISH_RETRY_DELAYS', [30, 120, 600, 1800]),
    metricsSyncDelays: delays(
      env,
      'AUDENCI_METRICS_SYNC_DELAYS',
      [3600, 21600, 86400, 259200, 604800, 2592000],
    ),
    commentSyncInterval: integer(env, 'AUDENCI_COMMENT_SYNC_INTERVAL', 300, 1, 86_400),
    jobRetentionDays: integer(env, 'AUDENCI_JOB_RETENTION_DAYS', 30, 1, 3650),
    eventRetentionDays: integer(env, 'AUDENCI_EVENT_RETENTION_DAYS', 30, 1, 3650),
    media: media(env),
    mail: mail(env, publicUrlValue),
  };
  if (config.databaseUrl && !config.secretKey) {
    throw new ConfigError(
      'AUDENCI_SECRET_KEY',
      'is required when DATABASE_URL is set (it cannot be generated per host)',
    );
  }
  if (config.ai.provider === 'openai-compatible' && !read(env, 'OPENAI_BASE_URL') && !openaiApiKey) {
    throw new ConfigError(
      'OPENAI_API_KEY',
      'is required when AI_PROVIDER=openai-compatible uses the default OPENAI_BASE_URL',
    );
  }
  return config;
}

/** The variables `loadConfig` reads, for `--help` output and docs/operations.md. */
export const CONFIG_VARIABLES = [
  'PORT',
  'AUDENCI_WORKER_METRICS_PORT',
  'HOST',
  'AUDENCI_PUBLIC_URL',
  'AUDENCI_DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'AUDENCI_SECRET_KEY',
  'AUDENCI_SECRET_KEY_PREVIOUS',
  'AUDENCI_ALLOW_PRIVATE_URLS',
  'AUDENCI_OAUTH_REDIRECT_ORIGINS',
  'AUDENCI_CORS_ORIGINS',
  'LOG_LEVEL',
  'AUDENCI_TRUST_PROXY',
  'AUDENCI_SHUTDOWN_TIMEOUT_MS',
  'AUDENCI_AUTH_CACHE_TTL_MS',
  'AUDENCI_AUTH_FAILURE_LIMIT',
  'AUDENCI_AUTH_FAILURE_WINDOW_SECONDS',
  'AUDENCI_SIGN_IN_FAILURE_LIMIT',
  'AUDENCI_SESSION_LIFETIME_HOURS',
  'AUDENCI_SESSION_IDLE_MINUTES',
  'AUDENCI_PUBLIC_RATE_LIMIT',
  'AUDENCI_FAILPOINTS',
  'AUDENCI_KEY_USAGE_FLUSH_MS',
  'AUDENCI_DB_POOL_SIZE',
  'AUDENCI_SQLITE_CACHE_MB',
  'AUDENCI_DB_CONNECT_TIMEOUT_MS',
  'AUDENCI_DB_STATEMENT_TIMEOUT_MS',
  'AUDENCI_DB_PREPARED_STATEMENTS',
  'AUDENCI_DB_QUERY_TIMEOUT_MS',
  'AUDENCI_REDIS_COMMAND_TIMEOUT_MS',
  'AUDENCI_REDIS_CONNECT_TIMEOUT_MS',
  'AUDENCI_API_PROCESSES',
  'AUDENCI_MAX_EVENT_LOOP_DELAY_MS',
  'AUDENCI_MAX_EVENT_LOOP_UTILIZATION',
  'AUDENCI_MAX_HEAP_MB',
  'AUDENCI_MAX_RSS_MB',
  'AUDENCI_REQUEST_TIMEOUT_MS',
  'AUDENCI_OVERLOAD_RETRY_AFTER',
  'AUDENCI_RATE_LIMIT_WINDOW_SECONDS',
  'AUDENCI_COUNT_CACHE_TTL_MS',
  'AI_PROVIDER',
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'AI_CHAT_MODEL',
  'AI_IMAGE_MODEL',
  'AI_TIMEOUT_MS',
  'AI_MAX_RETRIES',
  'TWITTER_CLIENT_ID',
  'TWITTER_CLIENT_SECRET',
  'TWITTER_API_BASE_URL',
  'TWITTER_AUTH_BASE_URL',
  'FACEBOOK_CLIENT_ID',
  'FACEBOOK_CLIENT_SECRET',
  'FACEBOOK_API_BASE_URL',
  'FACEBOOK_AUTH_BASE_URL',
  'INSTAGRAM_CLIENT_ID',
  'INSTAGRAM_CLIENT_SECRET',
  'INSTAGRAM_API_BASE_URL',
  'INSTAGRAM_AUTH_BASE_URL',
  'AUDENCI_WEBHOOK_RETRY_DELAYS',
  'AUDENCI_WEBHOOK_TIMEOUT_MS',
  'AUDENCI_WEBHOOK_DISABLE_AFTER_HOURS',
  'AUDENCI_PUBLISH_RETRY_DELAYS',
  'AUDENCI_METRICS_SYNC_DELAYS',
  'AUDENCI_COMMENT_SYNC_INTERVAL',
  'AUDENCI_JOB_RETENTION_DAYS',
  'AUDENCI_EVENT_RETENTION_DAYS',
  'AUDENCI_MEDIA_STORAGE',
  'AUDENCI_MEDIA_MAX_IMAGE_BYTES',
  'AUDENCI_MEDIA_MAX_VIDEO_BYTES',
  'S3_BUCKET',
  'S3_REGION',
  'S3_ENDPOINT',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_FORCE_PATH_STYLE',
  'AUDENCI_SMTP_URL',
  'AUDENCI_MAIL_FROM',
  'AUDENCI_SMTP_TIMEOUT_MS',
] as const;
