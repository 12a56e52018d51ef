import { parseRetryAfter, toRetryAfterSeconds } from '../../shared/retry.js';
import { PlatformError } from '../connector.js';

/**
 * How X's answers become a `PlatformErrorKind`: by HTTP status, the problem `type` of the
 * X API v2 error body (RFC 7807, `https://api.x.com/2/problems/<slug>`; X still answers with the
 * `api.twitter.com` host) and the OAuth `error` code of the token endpoint — never by message text.
 * `detail` and `error_description` only go into the message, for people.
 *
 * Sources: docs.x.com/x-api/fundamentals/response-codes-and-errors, /x-api/fundamentals/rate-limits,
 * /fundamentals/authentication/oauth-2-0/user-access-token.
 */

/** An X API v2 problem (`type` is `about:blank` for X's generic problems). */
export interface XProblem {
  type: string;
  title: string | null;
  detail: string | null;
}

/** Problem types that say "this app, token or target is off limits": retrying or editing will not help. */
const PERMANENT_PROBLEMS = new Set([
  'unsupported-authentication',
  'client-forbidden',
  'oauth1-permissions',
  'not-authorized-for-resource',
  'disallowed-resource',
  'resource-not-found',
]);

/** OAuth 2.0 token-endpoint errors meaning the code or refresh token is spent, expired or revoked. */
const DEAD_GRANT_ERRORS = new Set(['invalid_grant', 'invalid_request']);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' ? value : null;
}

/** The problem in an X error body: the body itself, or the first of its `errors`. */
export function problemOf(body: unknown): XProblem | null {
  if (!isRecord(body)) return null;
  const first = Array.isArray(body.errors) && isRecord(body.errors[0]) ? body.errors[0] : null;
  const source = typeof body.type === 'string' ? body : first;
  if (!source) return null;
  return {
    type: stringField(source, 'type') ?? 'about:blank',
    title: stringField(source, 'title'),
    detail: stringField(source, 'detail') ?? stringField(source, 'message'),
  };
}

/** `https://api.x.com/2/problems/usage-capped` → `usage-capped`; `about:blank` → null. */
export function problemSlug(problem: XProblem | null): string | null {
  const match = problem?.type.match(/\/2\/problems\/([a-z0-9-]+)$/);
  return match ? match[1]! : null;
}

function numberHeader(headers: Headers, name: string): number | null {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

/**
 * Seconds until X accepts requests again. X sends the 15-minute window as `x-rate-limit-*` and, on
 * write endpoints, the 24-hour user and app windows as `x-user-limit-24hour-*` / `x-app-limit-24hour-*`
 * (reset = epoch seconds). The latest reset among exhausted windows wins; then the 15-minute reset;
 * then `retry-after` (read by the shared retry policy).
 */
export function retryAfterSeconds(headers: Headers, nowMs: number): number | undefined {
  const windows = ['x-rate-limit', 'x-user-limit-24hour', 'x-app-limit-24hour'];
  const exhausted = windows
    .filter((w) => numberHeader(headers, `${w}-remaining`) === 0)
    .map((w) => numberHeader(headers, `${w}-reset`))
    .filter((reset): reset is number => reset !== null);
  const reset = exhausted.length > 0 ? Math.max(...exhausted) : numberHeader(headers, 'x-rate-limit-reset');
  if (reset !== null) return toRetryAfterSeconds(reset * 1000 - nowMs);
  const ms = parseRetryAfter(headers.get('retry-after'), nowMs);
  return ms === undefined ? undefined : toRetryAfterSeconds(ms);
}

function messageFor(status: number, what: string, problem: XProblem | null): string {
  const text = problem?.detail ?? problem?.title;
  return `X ${what} answered ${status}${text ? `: ${text}` : ''}`;
}

/**
 * An X API v2 error response. 403 with X's generic `about:blank` problem is how X refuses content —
 * a duplicate of a recent post, text over the limit, a reply it does not allow — so it is
 * `invalid_content` (code `'403'`); a 403 with a named problem (unsupported authentication, a client
 * not enrolled, missing permissions) is `permanent`.
 */
export function classifyApiError(
  status: number,
  headers: Headers,
  body: unknown,
  nowMs: number,
): PlatformError {
  const problem = problemOf(body);
  const slug = problemSlug(problem);
  const code = slug ?? String(status);
  const message = messageFor(status, 'API', problem);
  const options = { status };
  if (status === 429 || slug === 'usage-capped') {
    return new PlatformError('rate_limited', message, code, {
      status,
      retryAfterSeconds: retryAfterSeconds(headers, nowMs),
    });
  }
  if (status === 401) return new PlatformError('auth_expired', message, code, options);
  if (status === 408 || status >= 500) return new PlatformError('transient', message, code, options);
  if (status === 403) {
    return new PlatformError(slug === null ? 'invalid_content' : 'permanent', message, code, options);
  }
  if (slug !== null && PERMANENT_PROBLEMS.has(slug))
    return new PlatformError('permanent', message, code, options);
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    return new PlatformError('invalid_content', message, code, options);
  }
  return new PlatformError('permanent', message, code, options);
}

/** An error from `POST /2/oauth2/token` (`{error, error_description}`, RFC 6749 §5.2). */
export function classifyTokenError(
  status: number,
  headers: Headers,
  body: unknown,
  nowMs: number,
): PlatformError {
  if (status === 429 || status === 408 || status >= 500)
    return classifyApiError(status, headers, body, nowMs);
  const error = isRecord(body) ? stringField(body, 'error') : null;
  const description = isRecord(body) ? stringField(body, 'error_description') : null;
  const message = `X token endpoint answered ${status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`;
  // X answers a spent, expired or revoked code or refresh token with 400 `invalid_request`.
  const kind = error !== null && DEAD_GRANT_ERRORS.has(error) ? 'auth_expired' : 'permanent';
  return new PlatformError(kind, message, error ?? String(status), { status });
}

/** `fetch` rejected: no answer, a dropped connection, or our `AbortSignal.timeout`. */
export function classifyNetworkError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError') return new PlatformError('transient', 'X did not answer in time', 'timeout');
  const cause = error instanceof Error && isRecord(error.cause) ? stringField(error.cause, 'code') : null;
  const reason = error instanceof Error ? error.message : String(error);
  return new PlatformError('transient', `Could not reach X: ${cause ?? reason}`, 'network_error');
}

/** A 2xx answer that is not what the X docs describe (a proxy page, a truncated body). */
export function malformedResponse(what: string): PlatformError {
  return new PlatformError('transient', `X ${what} answered with an unexpected body`, 'malformed_response');
}

/**
 * X refused the content with its generic 403 — possibly because the same text was already posted.
 * The publish path checks this on retries before calling the post a failure.
 */
export function isContentRefusal(error: unknown): error is PlatformError {
  return error instanceof PlatformError && error.kind === 'invalid_content' && error.options.status === 403;
}
