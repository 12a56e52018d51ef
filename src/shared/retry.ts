/**
 * The one retry policy (STYLE 6) for outbound HTTP: what is worth retrying, how long to wait, and a loop
 * that applies both. Platform calls, webhook delivery, AI providers and the SDK decide the same way:
 * network failures, 408, 429 and 5xx are retried; `Retry-After` is honoured (within the cap); otherwise
 * the wait grows exponentially with full jitter. Imports nothing of ours.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  maxRetries: number;
  /** Base of the exponential backoff: attempt k (1-based retry) waits up to `baseDelayMs · 2^(k-1)`. */
  baseDelayMs: number;
  /** No single wait is longer than this, `Retry-After` included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 8_000 };

/** 408 Request Timeout, 429 Too Many Requests and every 5xx are transient; other statuses are answers. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); `undefined` when
 * absent or unreadable. Also reads `retry-after-ms`, which OpenAI-compatible servers send.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const raw = headers.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Wait before retry number `retry` (1-based): the server's `Retry-After` when given, else full jitter
 * over the exponential step; both capped at `maxDelayMs`.
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxDelayMs);
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

/** What one attempt's failure means to the loop. */
export interface RetryDecision {
  retry: boolean;
  /** The server's `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
}

export interface RetryOptions {
  policy?: RetryPolicy;
  /** Classifies a thrown error; the default retries nothing. */
  classify: (error: unknown) => RetryDecision;
  /** Stops waiting (and retrying) when aborted. */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each wait, e.g. to log. */
  onRetry?: (error: unknown, retry: number, delayMs: number) => void;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, `classify` says the error is final, or the retries run out; the
 * last error is rethrown as is. `attempt` receives the attempt number (1-based).
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const sleep = options.sleep ?? defaultSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const decision = options.classify(error);
      if (!decision.retry || n > policy.maxRetries || options.signal?.aborted) throw error;
      const delay = backoffDelay(policy, n, decision.retryAfterMs);
      options.onRetry?.(error, n, delay);
      await sleep(delay, options.signal);
    }
  }
}
