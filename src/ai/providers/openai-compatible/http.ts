import { withTraceparent } from '../../../shared/trace.js';
import {
  isRetryableStatus,
  readRetryAfter,
  toRetryAfterSeconds,
  withRetry,
  type RetryPolicy,
} from '../../../shared/retry.js';
import { providerError, providerUnavailable } from '../../errors.js';

/**
 * One JSON POST to an OpenAI-compatible server, with the shared retry policy: network failures, 408,
 * 429 (after `Retry-After`) and 5xx are retried; `timeoutMs` bounds the whole call, retries included.
 * Failures become `AI_PROVIDER_ERROR` (502) or `AI_PROVIDER_UNAVAILABLE` (503).
 */

export interface HttpClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
  policy: RetryPolicy;
  fetch: typeof fetch;
}

/** A non-2xx answer, kept only as far as the retry decision and our message need. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

function classify(error: unknown) {
  if (error instanceof HttpStatusError) {
    return { retry: isRetryableStatus(error.status), retryAfterMs: error.retryAfterMs };
  }
  // fetch rejects with a TypeError on network failures (refused, reset, DNS); aborts are final.
  return { retry: error instanceof TypeError };
}

export async function postJson(options: HttpClientOptions, path: string, body: unknown): Promise<unknown> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  let response: Response;
  try {
    response = await withRetry(
      async () => {
        const res = await options.fetch(`${options.baseUrl}${path}`, {
          method: 'POST',
          headers: withTraceparent(headers),
          body: JSON.stringify(body),
          signal: deadline,
        });
        if (!res.ok) {
          // Drain the body so the connection is reused; its text is never shown to anyone.
          await res.arrayBuffer().catch(() => undefined);
          throw new HttpStatusError(res.status, readRetryAfter(res.headers));
        }
        return res;
      },
      { policy: options.policy, classify, signal: deadline },
    );
  } catch (error) {
    throw failure(error, deadline, options.timeoutMs);
  }
  try {
    return await response.json();
  } catch (error) {
    if (deadline.aborted) throw failure(error, deadline, options.timeoutMs);
    throw providerError('The AI provider answered with something that is not JSON', response.status);
  }
}

function failure(error: unknown, deadline: AbortSignal, timeoutMs: number) {
  if (deadline.aborted) {
    return providerUnavailable(`The AI provider did not answer within ${timeoutMs} ms`);
  }
  if (error instanceof HttpStatusError) {
    if (error.status === 429) {
      const seconds = error.retryAfterMs === undefined ? 30 : toRetryAfterSeconds(error.retryAfterMs);
      return providerUnavailable('The AI provider is rate-limiting requests; retry later', seconds);
    }
    if (error.status === 401 || error.status === 403) {
      return providerError('The AI provider refused our credentials (check OPENAI_API_KEY)', error.status);
    }
    return providerError(`The AI provider answered with HTTP ${error.status}`, error.status);
  }
  return providerUnavailable('The AI provider could not be reached');
}
