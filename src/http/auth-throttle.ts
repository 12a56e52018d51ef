import { shareOf, type RateLimitStore } from './rate-limit.js';

/** Addresses remembered as refused at most; beyond it expired entries are dropped, then all. */
const MAX_REFUSED = 100_000;

/** An address refused until `until` (epoch ms), after `limit` failures. */
export interface Refusal {
  until: number;
  limit: number;
}

export interface FailureCount {
  /** Failures of this address in the current window, this one included. */
  count: number;
  /** The limit that applies: `limit`, or this process's share of it while the shared store is unreachable. */
  limit: number;
  /** Epoch ms until which the address is refused, once `count` reached the limit. */
  refusedUntil: number | undefined;
  /** Epoch ms at which the current window ends (and the count starts again). */
  resetAt: number;
}

/**
 * Failed authentications per client address, in fixed windows aligned to the epoch (as request rate
 * limits are). After `limit` failures an address is refused until its window ends: the auth hook then
 * answers 429 before parsing or looking up any key, so guessing keys or hammering with a revoked one
 * costs the server nothing. The count lives in the rate-limit store (Redis in scale-out mode, shared by
 * every API process; in process otherwise). Which addresses are refused is remembered in each process,
 * learnt from its own failures: a process that has not seen the address fail yet lets it through once
 * more, counts that failure in the shared store and refuses from then on. While the shared store is
 * unreachable each process counts on its own against its share of the limit, as request rate limits do.
 */
export class AuthFailureThrottle {
  private readonly refused = new Map<string, Refusal>();

  constructor(
    private readonly store: RateLimitStore,
    /** Failures allowed per window; 0 turns the throttle off. */
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Until when (and after how many failures) `address` is refused, or undefined when it may try. */
  refusal(address: string, now: number): Refusal | undefined {
    const refusal = this.refused.get(address);
    if (refusal === undefined) return undefined;
    if (refusal.until > now) return refusal;
    this.refused.delete(address);
    return undefined;
  }

  /** Counts one failed authentication of `address`. */
  async fail(address: string, now: number): Promise<FailureCount> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const resetAt = windowStart + this.windowMs;
    if (this.limit === 0) return { count: 0, limit: 0, refusedUntil: undefined, resetAt };
    const hit = await this.store.hit(`auth-failures:${address}`, windowStart, this.windowMs);
    const limit = shareOf(this.limit, hit.processes);
    if (hit.count < limit) return { count: hit.count, limit, refusedUntil: undefined, resetAt };
    if (this.refused.size >= MAX_REFUSED) this.prune(now);
    this.refused.set(address, { until: resetAt, limit });
    return { count: hit.count, limit, refusedUntil: resetAt, resetAt };
  }

  private prune(now: number): void {
    for (const [address, refusal] of this.refused) if (refusal.until <= now) this.refused.delete(address);
    if (this.refused.size >= MAX_REFUSED) this.refused.clear();
  }
}
