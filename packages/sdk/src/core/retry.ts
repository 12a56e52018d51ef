/**
 * The retry policy: what is worth retrying, and how long to wait before the next attempt.
 *
 * Retried: network errors and timeouts, 408, 429, 5xx, and a 409 that says a request with the same
 * `Idempotency-Key` is still being processed (the server answers it with `Retry-After`; any other 409 is
 * a real conflict that a retry cannot fix). Not retried: a refused connection or an unknown host (nothing
 * to talk to: behind a proxy or load balancer a restarting server answers 502/503, which are retried).
 * The wait doubles from `baseDelay` (1 s, 2 s, 4 s…)
 * plus up to 25 % jitter, and is stretched to what `Retry-After` or, for a 429, `X-RateLimit-Reset` asks
 * for. When the server asks for more than `maxDelay` (e.g. an hourly rate-limit window that just began)
 * the SDK does not sleep through it: the error is thrown and the caller decides.
 */

export interface RetryTiming {
  /** The first backoff step in milliseconds (default 1000). */
  baseDelay: number;
  /** The longest the SDK waits before one retry, in milliseconds (default 60 000). */
  maxDelay: number;
}

/** Is an API answer with this status (and headers) worth another attempt? */
export function isRetryableStatus(status: number, code: string | undefined, headers: Headers): boolean {
  if (status === 408 || status === 429 || status >= 500) return true;
  // The idempotency layer's "still being processed" answer: 409 CONFLICT with Retry-After (see the
  // server's src/http/idempotency.ts). A conflict of state has no Retry-After.
  return status === 409 && code === 'CONFLICT' && headers.has('retry-after');
}

/** Error codes of a connection that cannot succeed on retry: refused (nothing listens), unknown host. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused by',
  ENOTFOUND: 'unknown host in',
};

/**
 * Why `fetch`'s error means the base URL cannot be reached at all (e.g. `connection refused by`), or
 * undefined. Node's `fetch` fails with `TypeError('fetch failed')` whose `cause` carries the system
 * error's `code` (an `AggregateError` of them when a name has several addresses); browsers say nothing
 * so specific, and their failures are retried.
 */
export function unreachableReason(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && UNREACHABLE[code]) return UNREACHABLE[code];
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return undefined;
}

/** Milliseconds the server asks the client to wait, from `Retry-After` or (on 429) `X-RateLimit-Reset`. */
export function serverRequestedDelay(status: number, headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter != null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (status === 429 && headers.has('x-ratelimit-reset') && Number.isFinite(reset)) {
    return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

/**
 * How long to wait before retry number `retry` (0 for the first retry); `undefined` when the server asks
 * for a longer wait than `timing.maxDelay` allows, i.e. do not retry.
 */
export function retryDelay(
  retry: number,
  timing: RetryTiming,
  answer?: { status: number; headers: Headers },
): number | undefined {
  const backoff = Math.min(timing.baseDelay * 2 ** retry, timing.maxDelay);
  const jittered = backoff + Math.random() * backoff * 0.25;
  const requested = answer ? serverRequestedDelay(answer.status, answer.headers) : undefined;
  if (requested === undefined) return jittered;
  if (requested > timing.maxDelay) return undefined;
  // Never earlier than the server asked; a little after, so the next attempt lands in the new window.
  return Math.max(jittered, requested + Math.min(250, timing.baseDelay));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What a call aborted by `signal` rejects with: the signal's reason, as `fetch` does. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
