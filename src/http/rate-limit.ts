import { Redis } from 'ioredis';

/**
 * Fixed-window request counting per organization and environment. Windows are aligned to the epoch
 * (hourly by default), so every process agrees on when a window resets: `X-RateLimit-Reset`.
 */
export interface RateLimitStore {
  /** Counts one request in the window starting at `windowStart`; answers the count including it. */
  hit(key: string, windowStart: number, windowMs: number): Promise<number>;
  close(): Promise<void>;
}

export interface RateLimitResult {
  limit: number;
  remaining: number;
  /** Epoch milliseconds at which the window resets. */
  resetAt: number;
  allowed: boolean;
}

export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    readonly windowMs: number,
    private readonly onStoreError: (error: unknown) => void,
  ) {}

  async check(key: string, limit: number, now: number): Promise<RateLimitResult> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const resetAt = windowStart + this.windowMs;
    let count: number;
    try {
      count = await this.store.hit(key, windowStart, this.windowMs);
    } catch (error) {
      // The shared store is down: serve rather than fail every request; the error is logged.
      this.onStoreError(error);
      return { limit, remaining: limit, resetAt, allowed: true };
    }
    return { limit, remaining: Math.max(0, limit - count), resetAt, allowed: count <= limit };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** One process: a map of counts for the current windows. */
export class MemoryRateLimitStore implements RateLimitStore {
  private counts = new Map<string, number>();
  private window = -1;

  async hit(key: string, windowStart: number): Promise<number> {
    if (windowStart > this.window) {
      this.counts.clear();
      this.window = windowStart;
    }
    const composite = `${windowStart}:${key}`;
    const count = (this.counts.get(composite) ?? 0) + 1;
    this.counts.set(composite, count);
    return count;
  }

  async close(): Promise<void> {
    this.counts.clear();
  }
}

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return count`;

/** Shared by every API process: one Redis counter per key and window, expiring with the window. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Redis;
  /**
   * Settles with the first connection attempt (or after 2 s). Without the offline queue a command sent
   * before the connection is up fails at once, so the first requests after start-up went uncounted.
   */
  private readonly connecting: Promise<void>;

  constructor(
    url: string,
    private readonly prefix = 'audenci:rl:',
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('audenciHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.connecting = new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 2000).unref();
      for (const event of ['ready', 'error', 'end']) this.redis.once(event, done);
    });
  }

  async hit(key: string, windowStart: number, windowMs: number): Promise<number> {
    await this.connecting;
    const redis = this.redis as Redis & { audenciHit(key: string, expireAt: number): Promise<number> };
    // Keep the counter a minute past its window so clocks a little apart still agree.
    return redis.audenciHit(`${this.prefix}${key}:${windowStart}`, windowStart + windowMs + 60_000);
  }

  async ping(): Promise<void> {
    await this.connecting;
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
