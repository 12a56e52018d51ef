import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config/index.js';
import { createDb, isEmbedded, migrateDatabase, type CreateDbOptions, type DbHandle } from './db/index.js';
import type { AppDeps } from './app.js';
import { createMetricsRegistry } from './http/observability.js';
import {
  FallbackRateLimitStore,
  MemoryRateLimitStore,
  RateLimiter,
  type RateLimitStore,
} from './http/rate-limit.js';
import { RedisRateLimitStore, registerRateLimitMetrics } from './http/redis-rate-limit.js';
import type { DependencyCheck } from './http/operations.routes.js';
import { AuthFailureThrottle } from './http/auth-throttle.js';
import { createMediaContext } from './modules/media/index.js';
import { createAiProvider } from './ai/index.js';
import { createMailer } from './mail/index.js';
import { KeyAuthenticator, KeyUsage } from './modules/keys/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import { CursorCodec } from './shared/cursor.js';
import { CountCache } from './db/count-cache.js';
import { createConnectorRegistry } from './platforms/index.js';
import { SecretBox } from './shared/secret-box.js';
import { makePrivateDir, tightenDataDir } from './shared/private-files.js';
import { createJobTypeRegistry } from './worker/job-types.js';
import { Queue } from './db/queue/queue.js';
import { Gauge, type Registry } from 'prom-client';

export interface Runtime extends AppDeps {
  secretKey: Buffer;
  /** Flushes buffered state and closes every connection. Idempotent. */
  close(): Promise<void>;
}

export interface RuntimeOptions extends CreateDbOptions {
  clock?: Clock;
  /** Rate-limit window (default one hour; tests shorten it). */
  rateLimitWindowMs?: number;
  /** Prefix of Redis keys (tests isolate runs with it). */
  redisPrefix?: string;
  onBackgroundError?: (error: unknown, what: string) => void;
}

/**
 * The secret that encrypts platform tokens and signs cursors. Embedded mode generates one into the data
 * dir on first start (mode 0600, in a 0700 dir); scale-out mode must be given `AUDENCI_SECRET_KEY`
 * (config enforces it).
 */
export function resolveSecretKey(config: Config): Buffer {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret.key');
  try {
    const stored = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
    if (stored.length === 32) return stored;
    throw new Error(`${file} does not hold a 32-byte hex key; fix or remove it`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  makePrivateDir(config.dataDir);
  const key = randomBytes(32);
  fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

export function deriveKey(secret: Buffer, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`audenci:${purpose}`).digest();
}

/** The boxes of stored secrets: platform tokens (and PKCE verifiers), webhook endpoint secrets. */
export function secretBoxes(secretKey: Buffer, previousKeys: readonly Buffer[] = []) {
  const box = (purpose: string) =>
    new SecretBox(
      deriveKey(secretKey, purpose),
      previousKeys.map((k) => deriveKey(k, purpose)),
    );
  return {
    tokens: box('platform-tokens'),
    webhooks: box('webhook-secrets'),
    idempotency: box('idempotent-responses'),
    twoFactor: box('two-factor-secrets'),
  };
}

/**
 * `audenci_queue_due_jobs` and `audenci_queue_oldest_due_job_age_seconds`, read from the queue table
 * when `/metrics` is scraped (two index-bounded queries, run once per scrape for both gauges). While
 * the database does not answer they read NaN.
 */
export function registerQueueMetrics(registry: Registry, queue: Queue, clock: Clock): void {
  let pending: Promise<{ due: number; oldestDueAt: number | undefined } | undefined> | undefined;
  // One read per scrape: both gauges' collect() run concurrently and share it.
  const read = () => {
    pending ??= queue
      .dueStats()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: 'audenci_queue_due_jobs',
    help: 'Queued jobs due to run now (counted up to 10000), all types',
    registers: [registry],
    async collect() {
      const stats = await read();
      this.set(stats ? stats.due : NaN);
    },
  });
  new Gauge({
    name: 'audenci_queue_oldest_due_job_age_seconds',
    help: 'How long the oldest due queued job has waited past its run time (0 when none is due)',
    registers: [registry],
    async collect() {
      const stats = await read();
      if (!stats) this.set(NaN);
      else
        this.set(stats.oldestDueAt === undefined ? 0 : Math.max(0, clock.now() - stats.oldestDueAt) / 1000);
    },
  });
}

/** Opens the database and builds every long-lived dependency of the API and the worker. */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const onError = options.onBackgroundError ?? (() => undefined);
  // Files an earlier version (or a restore) left readable by others become owner-only; best effort
  // (e.g. a data dir owned by another user cannot be changed), the failure is reported.
  await tightenDataDir(config.dataDir).catch((e: unknown) =>
    onError(e, 'making the data directory owner-only'),
  );
  const secretKey = resolveSecretKey(config);
  const previousKeys = config.previousSecretKeys.filter((k) => !k.equals(secretKey));
  const db: DbHandle = createDb(config, options);
  try {
    await migrateDatabase(config, db, options);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }

  const metrics = createMetricsRegistry();
  const readinessChecks: Record<string, DependencyCheck> = {};
  let store: RateLimitStore;
  if (config.redisUrl) {
    // Every wait on Redis is bounded; while it does not answer, each API process counts on its own
    // against its share of the limit, and `/readyz` reports it degraded, not down.
    const redisStore = new RedisRateLimitStore({
      url: config.redisUrl,
      prefix: options.redisPrefix,
      commandTimeoutMs: config.redisCommandTimeoutMs,
      connectTimeoutMs: config.redisConnectTimeoutMs,
      apiProcesses: config.apiProcesses,
      onStateChange: (available, error) => {
        if (!available) onError(error, 'Redis (rate limits are counted per process until it answers)');
      },
    });
    readinessChecks.redis = {
      required: false,
      check: () => redisStore.ping(),
      available: () => redisStore.available,
    };
    store = new FallbackRateLimitStore(redisStore, registerRateLimitMetrics(metrics, redisStore));
  } else {
    store = new MemoryRateLimitStore();
  }
  const rateLimiter = new RateLimiter(
    store,
    options.rateLimitWindowMs ?? config.rateLimitWindowSeconds * 1000,
  );
  // Scale-out: the same Redis connection (keys of their own); embedded: a store of its own, whose
  // windows are not the request limits'.
  const authFailures = new AuthFailureThrottle(
    config.redisUrl ? store : new MemoryRateLimitStore(),
    config.authFailureLimit,
    config.authFailureWindowSeconds * 1000,
  );
  // Failed sign-ins per account (the email tried), in the same store as the per-address count.
  const signInFailures = new AuthFailureThrottle(
    config.redisUrl ? store : new MemoryRateLimitStore(),
    config.signInFailureLimit,
    config.authFailureWindowSeconds * 1000,
  );
  const keyUsage = new KeyUsage(db.db, config.keyUsageFlushMs, (e) => onError(e, 'key usage flush'));
  keyUsage.start();
  const authenticator = new KeyAuthenticator(db.db, clock, config.authCacheTtlMs);

  const ctx = {
    db: db.db,
    clock,
    cursors: new CursorCodec(
      deriveKey(secretKey, 'cursor'),
      previousKeys.map((k) => deriveKey(k, 'cursor')),
    ),
    counts: new CountCache(config.countCacheTtlMs, () => clock.now()),
    queue: new Queue(db, clock),
    capabilities: db.capabilities,
    webhookRetryDelays: config.webhookRetryDelays,
    mailer: createMailer(config),
  };
  registerQueueMetrics(metrics, ctx.queue, clock);
  const media = await createMediaContext(ctx, config, secretKey, previousKeys, onError);
  const boxes = secretBoxes(secretKey, previousKeys);
  // One provider for the API and the worker (whose `images.generate` jobs use it).
  const ai = createAiProvider(config);

  let closed: Promise<void> | undefined;
  return {
    config,
    db,
    ctx,
    media,
    rateLimiter,
    authFailures,
    signInFailures,
    authenticator,
    keyUsage,
    metrics,
    connectors: createConnectorRegistry(config, () => clock.now()),
    tokenBox: boxes.tokens,
    webhookBox: boxes.webhooks,
    idempotencyBox: boxes.idempotency,
    twoFactorBox: boxes.twoFactor,
    ai,
    jobTypes: createJobTypeRegistry(config, { ai, media }),
    readinessChecks,
    secretKey,
    close() {
      closed ??= (async () => {
        await keyUsage.stop().catch((e: unknown) => onError(e, 'key usage flush'));
        await rateLimiter.close().catch(() => undefined);
        await media.storage.close().catch(() => undefined);
        await ctx.mailer.close().catch(() => undefined);
        await db.destroy();
      })();
      return closed;
    },
  };
}

export { isEmbedded };
