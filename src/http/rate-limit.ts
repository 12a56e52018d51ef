import type { RedisRateLimitStore } from './redis-rate-limit.js';

/** One counted hit. */
export interface Hit {
  /** Hits of the key in the window, this one included. */
  count: number;
  /**
   * How many processes the count is one share of: 1 when it is the whole count (shared by every
   * process, or there is only one), N when this process counts alone while the shared store is
   * unreachable, as one of N API processes. A limit applies to the count divided among them.
   */
  processes: number;
}

/**
 * Fixed-window request counting per organization and environment. Windows are aligned to the epoch
 * (hourly by default), so every process agrees on when a window resets: `X-RateLimit-Reset`.
 */
export interface RateLimitStore {
  /** Counts one request in the window starting at `windowStart`. Never waits on an unreachable dependency. */
  hit(key: string, windowStart: number, windowMs: number): Promise<Hit>;
  /**
   * The same count, made without waiting, by a store that keeps its counts in this process (the
   * request's authentication then needs no promise); absent on a store that asks another.
   */
  hitNow?(key: string, windowStart: number, windowMs: number): Hit;
  /** This process serves requests from now on: it counts among those a limit is shared by. */
  join?(): void;
  /** This process no longer serves requests. */
  leave?(): Promise<void>;
  close(): Promise<void>;
}

/** A limit as it applies to a count that is one share of `processes` (rounded up: never 0). */
export function shareOf(limit: number, processes: number): number {
  return processes > 1 ? Math.ceil(limit / processes) : limit;
}

export interface RateLimitResult {
  /** The limit this answer enforces: the plan's, or this process's share of it while Redis is unreachable. */
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
  ) {
    this.countsNow = store.hitNow !== undefined;
  }

  /** Whether `checkNow` answers: the store counts in this process. */
  readonly countsNow: boolean;

  async check(key: string, limit: number, now: number): Promise<RateLimitResult> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    return this.result(await this.store.hit(key, windowStart, this.windowMs), limit, windowStart);
  }

  /** `check` without waiting, when the store counts in this process (`countsNow`); otherwise undefined. */
  checkNow(key: string, limit: number, now: number): RateLimitResult | undefined {
    if (!this.store.hitNow) return undefined;
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    return this.result(this.store.hitNow(key, windowStart, this.windowMs), limit, windowStart);
  }

  private result(hit: Hit, limit: number, windowStart: number): RateLimitResult {
    const resetAt = windowStart + this.windowMs;
    const applied = shareOf(limit, hit.processes);
    return {
      limit: applied,
      remaining: Math.max(0, applied - hit.count),
      resetAt,
      allowed: hit.count <= applied,
    };
  }

  /** See RateLimitStore.join: called when the HTTP server is ready. */
  join(): void {
    this.store.join?.();
  }

  /** See RateLimitStore.leave: called when the HTTP server closes. */
  async leave(): Promise<void> {
    await this.store.leave?.();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** One process: a map of counts for the current windows. */
export class MemoryRateLimitStore implements RateLimitStore {
  private counts = new Map<string, number>();
  private window = -1;

  async hit(key: string, windowStart: number): Promise<Hit> {
    return this.hitNow(key, windowStart);
  }

  hitNow(key: string, windowStart: number): Hit {
    if (windowStart > this.window) {
      this.counts.clear();
      this.window = windowStart;
    }
    const composite = `${windowStart}:${key}`;
    const count = (this.counts.get(composite) ?? 0) + 1;
    this.counts.set(composite, count);
    return { count, processes: 1 };
  }

  async close(): Promise<void> {
    this.counts.clear();
  }
}

/**
 * Scale-out: the count shared by every API process in Redis while it answers; while it does not (down,
 * frozen, partitioned), a count in this process, in windows aligned like the shared ones, against this
 * process's share of the limit (the limit divided by the number of API processes, rounded up). A
 * request never waits for Redis longer than its command timeout, and only the requests in flight when
 * it stops answering wait at all. When Redis answers again the shared count is used again; the hits
 * counted here meanwhile are not added to it.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  /** One local store per window length: request limits and failed authentications reset apart. */
  private readonly local = new Map<number, MemoryRateLimitStore>();

  constructor(
    private readonly shared: RedisRateLimitStore,
    /** Called for each hit counted in the process (metrics). */
    private readonly onLocalHit: () => void = () => undefined,
  ) {}

  async hit(key: string, windowStart: number, windowMs: number): Promise<Hit> {
    if (!this.shared.down) {
      try {
        return { count: await this.shared.hit(key, windowStart, windowMs), processes: 1 };
      } catch {
        // The shared store marked itself unavailable and reported why; this hit is counted here.
      }
    }
    let store = this.local.get(windowMs);
    if (!store) this.local.set(windowMs, (store = new MemoryRateLimitStore()));
    const { count } = await store.hit(key, windowStart);
    this.onLocalHit();
    return { count, processes: this.shared.processes };
  }

  join(): void {
    this.shared.join();
  }

  leave(): Promise<void> {
    return this.shared.leave();
  }

  async close(): Promise<void> {
    await this.shared.close();
    for (const store of this.local.values()) await store.close();
  }
}
