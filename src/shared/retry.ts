/**
 * The one retry policy for outbound HTTP: what is worth retrying, how long to wait, and a loop that
 * applies both. Platform connectors, webhook delivery, AI providers and the queue read `Retry-After`
 * here and nowhere else. Network failures, 408, 429 and 5xx are retried; `Retry-After` is honoured
 * (within the caller's cap); otherwise a call retried in place waits exponentially longer with full
 * jitter, and a queued job follows its fixed schedule. The SDK (`packages/sdk`, which imports nothing
 * from `src/`) mirrors these rules. Imports nothing of ours.
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
 * HTTP-dates (IMF-fixdate and the two obsolete forms of RFC 9110 §5.6.7) begin with the day's name.
 * Anything else is not one, whatever `Date.parse` makes of it (to V8, "1.5" and "-5" are dates in 2001).
 */
const HTTP_DATE = /^[A-Za-z]{3}/;
/** Delay-seconds; a fraction, which some servers send, is honoured rather than ignored. */
const DELAY_SECONDS = /^\d+(\.\d+)?$/;

/**
 * One `Retry-After` value in milliseconds from `now`: delay-seconds or an HTTP-date (RFC 9110
 * §10.2.3), a date already past being 0; at most `maxMs`. `undefined` when absent, negative or
 * unreadable: the caller's own schedule applies.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
  maxMs: number = Number.POSITIVE_INFINITY,
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let ms: number;
  if (DELAY_SECONDS.test(text)) ms = Math.round(Number(text) * 1000);
  else {
    const at = HTTP_DATE.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), maxMs);
}

/**
 * The wait a server asks for in its answer's headers, in milliseconds: `retry-after-ms` (which
 * OpenAI-compatible servers send) before `Retry-After` (see parseRetryAfter).
 */
export function readRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now: number = Date.now(),
  maxMs: number = Number.POSITIVE_INFINITY,
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && DELAY_SECONDS.test(ms)) return Math.min(Number(ms), maxMs);
  return parseRetryAfter(headers.get('retry-after'), now, maxMs);
}

/** A wait in whole seconds, as a `Retry-After` header or `retryAfterSeconds` carries it: rounded up, at least 1. */
export function toRetryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
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

/**
 * The wait before the next attempt on a fixed schedule, for the queue's jobs and webhook deliveries
 * (whose steps are minutes to hours apart, set by configuration): the step for the attempt that just
 * failed (1-based; the last step repeats; none given: 5 s), but at least the server's `Retry-After`.
 */
export function scheduledDelay(
  delaysSeconds: readonly number[],
  attempt: number,
  retryAfterMs: number = 0,
): number {
  const steps = delaysSeconds.length > 0 ? delaysSeconds : [5];
  const step = steps[Math.min(Math.max(0, attempt - 1), steps.length - 1)]! * 1000;
  return Math.max(step, retryAfterMs);
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

/**
 * Waits `ms`, or less when `signal` aborts first: a polling loop's pause, which its caller ends by
 * aborting (resolves either way; the loop then reads `signal.aborted`).
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
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

/**
 * Error codes of a connection that closed under a request: a kept-alive connection the server shut as
 * the client reused it (the two idle timers race, more so on a loaded machine), or a server restarting.
 */
const CONNECTION_RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** True when `fetch` rejected because the connection was reset (its `cause` names the code). */
export function isConnectionReset(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = (error as { code?: unknown } | null)?.code ?? cause?.code;
  return typeof code === 'string' && CONNECTION_RESET_CODES.has(code);
}

/**
 * Sends an idempotent request (GET, HEAD) once more, at once, when the connection was reset under it,
 * as HTTP clients do for a reused connection (RFC 9110 §9.2.2 allows it for idempotent methods). Any
 * other failure, a second reset, and every reset of a POST go to the caller, whose own policy decides.
 */
export async function resendOnReset<T>(method: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if ((method === 'GET' || method === 'HEAD') && isConnectionReset(error)) return send();
    throw error;
  }
}
