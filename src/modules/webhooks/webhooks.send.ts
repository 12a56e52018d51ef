import { parseRetryAfter } from '../../shared/retry.js';
import { OutboundError, safeFetch } from '../../shared/safe-fetch.js';
import { UnsafeUrlError, type LookupFn } from '../../shared/ssrf.js';
import type { AttemptOutcome } from '../../db/tables/webhooks.js';

/** How much of an answer is kept in the delivery log. */
export const RESPONSE_BODY_BYTES = 1024;
/** A receiver's `Retry-After` is honoured up to this; beyond it the retry schedule applies. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  lookup?: LookupFn;
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number;
  /** Why it failed, for the log; null on success. */
  error: string | null;
  /** From `Retry-After` on 429 and 503, capped at MAX_RETRY_AFTER_MS. */
  retryAfterMs?: number;
}

/**
 * One POST of a delivery's body. Never throws for what the receiver or the network did: every outcome
 * becomes a result to record (an unexpected programming error still throws).
 */
export async function sendAttempt(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
  now: number,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await safeFetch(
      url,
      { method: 'POST', headers, body },
      {
        allowPrivate: options.allowPrivate,
        lookup: options.lookup,
        timeoutMs: options.timeoutMs,
        // 307/308 only: a 301/302/303 would turn the POST into a GET without the event.
        followRedirects: true,
        keepMethod: true,
        maxRedirects: 3,
        maxResponseBytes: RESPONSE_BODY_BYTES,
      },
    );
    const ok = res.status >= 200 && res.status < 300;
    return {
      outcome: ok ? 'succeeded' : 'http_error',
      responseStatus: res.status,
      // PostgreSQL text cannot hold NUL.
      responseBody: res.body.replaceAll('\u0000', '\ufffd'),
      durationMs: res.durationMs,
      error: ok ? null : `The endpoint answered HTTP ${res.status}`,
      retryAfterMs:
        res.status === 429 || res.status === 503
          ? parseRetryAfter(res.headers.get('retry-after'), now, MAX_RETRY_AFTER_MS)
          : undefined,
    };
  } catch (error) {
    if (error instanceof UnsafeUrlError) {
      const address = error.address ? ` (${error.address})` : '';
      return failure(
        'blocked',
        elapsed(),
        `Refused by the SSRF guard: ${error.message}${address}; private, loopback and link-local ` +
          'addresses are not sent to',
      );
    }
    if (error instanceof OutboundError) {
      return failure(error.code === 'timeout' ? 'timeout' : 'network_error', elapsed(), error.message);
    }
    throw error;
  }
}

function failure(outcome: AttemptOutcome, durationMs: number, error: string): AttemptResult {
  return { outcome, responseStatus: null, responseBody: null, durationMs, error };
}
