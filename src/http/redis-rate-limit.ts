import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface RedisRateLimitOptions {
  url: string;
  /** Prefix of every key (tests isolate runs with it). */
  prefix?: string;
  /** Bound on one command's answer, and on a connection that answers nothing (AUDENCI_REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs: number;
  /** Bound on opening a connection (AUDENCI_REDIS_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** AUDENCI_API_PROCESSES: how many API processes share a limit; 0 or unset: counted in Redis. */
  apiProcesses?: number;
  /** Redis became unreachable (with the error that showed it) or reachable again. */
  onStateChange?: (available: boolean, error?: unknown) => void;
  /** Instead of HEARTBEAT_MS (tests); registrations expire after three of them. */
  heartbeatMs?: number;
}

/**
 * How often a serving API process renews its entry in the registry of API processes; an entry not
 * renewed for three of them is a process that is gone.
 */
export const HEARTBEAT_MS = 5000;
/** While Redis is unreachable over a live connection, how often it is asked again. */
const PROBE_MS = 1000;

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return count`;

/**
 * Registers ARGV[1] as a live API process at Redis's own time (so that hosts whose clocks differ
 * agree), forgets entries older than ARGV[2] ms and answers how many are left.
 */
const HEARTBEAT_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])`;

type ScriptedRedis = Redis & {
  audenciHit(key: string, expireAt: number): Promise<number>;
  audenciHeartbeat(key: string, member: string, ttlMs: number): Promise<number>;
};

/**
 * Rate-limit counters shared by every API process, in Redis, with every wait bounded: a command gets
 * its answer within the command timeout or fails, a connection that answers nothing within it is
 * dropped and made again (a frozen or partitioned Redis), and nothing is queued while it is down. A
 * failure marks the store unavailable at once, so that the callers stop asking until Redis is back
 * (a new connection is ready, or a probe over the old one is answered); they count in their own
 * process meanwhile (see FallbackRateLimitStore).
 *
 * A serving API process also registers itself, every HEARTBEAT_MS, in a sorted set of live API
 * processes; the count it reads back is how many processes share a limit while Redis is unreachable.
 */
export class RedisRateLimitStore {
  private readonly redis: ScriptedRedis;
  private readonly prefix: string;
  private readonly member = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Whether Redis answers; undefined until the first connection attempt settled. */
  private up: boolean | undefined;
  private lastError: unknown;
  private seenProcesses: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * Settles with the first connection attempt (bounded): the first requests after start-up are counted
   * in Redis rather than in the process.
   */
  private readonly connecting: Promise<void>;

  constructor(private readonly options: RedisRateLimitOptions) {
    this.prefix = options.prefix ?? 'audenci:rl:';
    // Loaded here, not at start-up: only scale-out mode (REDIS_URL) has a Redis store.
    const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof IoRedis;
    this.redis = new RedisClient(options.url, {
      connectTimeout: options.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs,
      // A connection with commands outstanding that receives nothing for this long is destroyed and
      // made again: a frozen or partitioned server is left, not waited for.
      socketTimeout: options.commandTimeoutMs,
      // Nothing waits for a connection: a command sent while Redis is down fails at once ...
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // ... and none is sent twice: a counter incremented on the old connection is not incremented
      // again on the new one.
      autoResendUnfulfilledCommands: false,
      keepAlive: HEARTBEAT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      lazyConnect: false,
    }) as ScriptedRedis;
    this.redis.defineCommand('audenciHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis.defineCommand('audenciHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT_SCRIPT });
    this.redis.on('error', (error: unknown) => {
      this.lastError = error;
    });
    this.redis.on('ready', () => this.markUp());
    this.redis.on('close', () => this.markDown(this.lastError ?? new Error('Redis connection closed')));
    this.connecting = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      // ioredis bounds the attempt itself (connectTimeout, then the socket timeout on the handshake),
      // and ends it with 'ready' or 'close'. This is a last resort, which decides nothing: a process
      // whose event loop was busy at start-up finds the connection made a little later.
      const timer = setTimeout(done, 2 * (options.connectTimeoutMs + options.commandTimeoutMs)).unref();
      for (const event of ['ready', 'close', 'end']) this.redis.once(event, done);
    });
  }

  /** Redis answered the last time it was asked. */
  get available(): boolean {
    return this.up === true;
  }

  /** Redis did not answer the last time it was asked (false while the first connection is being made). */
  get down(): boolean {
    return this.up === false;
  }

  /**
   * How many API processes share a limit: AUDENCI_API_PROCESSES when set, otherwise the last count
   * read from the registry (1 until one was read).
   */
  get processes(): number {
    return this.options.apiProcesses || this.seenProcesses || 1;
  }

  /** Counts one hit of `key` in the window at `windowStart`; fails at once while Redis is unavailable. */
  async hit(key: string, windowStart: number, windowMs: number): Promise<number> {
    await this.connecting;
    // Keep the counter a minute past its window so clocks a little apart still agree.
    return this.ask(() =>
      this.redis.audenciHit(`${this.prefix}${key}:${windowStart}`, windowStart + windowMs + 60_000),
    );
  }

  /** Resolves when Redis answers a PING within the command timeout. */
  async ping(): Promise<void> {
    await this.connecting;
    await this.ask(() => this.redis.ping());
  }

  /** Registers this process as a serving API process now and every HEARTBEAT_MS, until `leave()`. */
  join(): void {
    if (this.heartbeat || this.closed) return;
    const every = this.options.heartbeatMs ?? HEARTBEAT_MS;
    const beat = () => {
      this.ask(() => this.redis.audenciHeartbeat(`${this.prefix}api-processes`, this.member, 3 * every)).then(
        (count) => {
          this.seenProcesses = count;
        },
        () => undefined,
      );
    };
    this.heartbeat = setInterval(beat, every).unref();
    void this.connecting.then(beat);
  }

  /** Leaves the registry (best effort, bounded): the other processes' shares grow at their next heartbeat. */
  async leave(): Promise<void> {
    if (!this.heartbeat) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.up === true)
      await this.redis.zrem(`${this.prefix}api-processes`, this.member).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.leave();
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    // QUIT waits for an answer a frozen Redis never gives: bounded by the command timeout.
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** One command, failing at once while Redis is unavailable; a failure makes it unavailable. */
  private async ask<T>(command: () => Promise<T>): Promise<T> {
    if (this.up !== true) throw new Error('Redis is unavailable', { cause: this.lastError });
    try {
      return await command();
    } catch (error) {
      this.markDown(error);
      throw error;
    }
  }

  private markUp(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
    this.lastError = undefined;
    if (this.up === true || this.closed) return;
    this.up = true;
    this.options.onStateChange?.(true);
  }

  private markDown(error: unknown): void {
    if (this.up === false || this.closed) return;
    this.up = false;
    this.options.onStateChange?.(false, error);
    // A command can fail over a connection that stays open (a timeout before the socket is dropped,
    // an error answer): ask again every PROBE_MS. A new connection becoming ready ends it too.
    this.probe = setInterval(() => {
      if (this.redis.status !== 'ready') return;
      this.redis.ping().then(
        () => this.markUp(),
        () => undefined,
      );
    }, PROBE_MS).unref();
  }
}

/**
 * `audenci_rate_limit_local_hits_total` (hits counted in the process because Redis did not answer)
 * and `audenci_api_processes` (how many API processes a limit is shared among meanwhile). Answers the
 * callback that counts a local hit.
 */
export function registerRateLimitMetrics(registry: Registry, store: RedisRateLimitStore): () => void {
  const local = new Counter({
    name: 'audenci_rate_limit_local_hits_total',
    help: 'Rate-limit hits counted in this process because Redis did not answer',
    registers: [registry],
  });
  new Gauge({
    name: 'audenci_api_processes',
    help: 'API processes a rate limit is shared among while Redis does not answer (the last count seen)',
    registers: [registry],
    collect() {
      this.set(store.processes);
    },
  });
  return () => local.inc();
}
