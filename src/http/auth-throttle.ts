import type { RateLimitStore } from './rate-limit.js';

/** Addresses remembered as refused at most; beyond it expired entries are dropped, then all. */
const MAX_REFUSED = 100_000;

export interface FailureCount {
  /** Failures of this address in the current window, this one included. */
  count: number;
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
 * more, counts that failure in the shared store and refuses from then on. A store that is down throttles
 * nothing (the error is reported), as request rate limits do.
 */
export class AuthFailureThrottle {
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly store: RateLimitStore,
    /** Failures allowed per window; 0 turns the throttle off. */
    readonly limit: number,
    readonly windowMs: number,
    private readonly onStoreError: (error: unknown) => void,
  ) {}

  /** Epoch ms until which `address` is refused, or undefined when it may try. */
  refusedUntil(address: string, now: number): number | undefined {
    const until = this.refused.get(address);
    if (until === undefined) return undefined;
    if (until > now) return until;
    this.refused.delete(address);
    return undefined;
  }

  /** Counts one failed authentication of `address`. */
  async fail(address: string, now: number): Promise<FailureCount> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const resetAt = windowStart + this.windowMs;
    if (this.limit === 0) return { count: 0, refusedUntil: undefined, resetAt };
    let count: number;
    try {
      count = await this.store.hit(`auth-failures:${address}`, windowStart, this.windowMs);
    } catch (error) {
      this.onStoreError(error);
      return { count: 0, refusedUntil: undefined, resetAt };
    }
    if (count < this.limit) return { count, refusedUntil: undefined, resetAt };
    const until = resetAt;
    if (this.refused.size >= MAX_REFUSED) this.prune(now);
    this.refused.set(address, until);
    return { count, refusedUntil: until, resetAt };
  }

  private prune(now: number): void {
    for (const [address, until] of this.refused) if (until <= now) this.refused.delete(address);
    if (this.refused.size >= MAX_REFUSED) this.refused.clear();
  }
}
