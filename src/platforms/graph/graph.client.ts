import { withTraceparent } from '../../shared/trace.js';
import { createHmac } from 'node:crypto';
import {
  PlatformError,
  type AuthorizationRequest,
  type CodeExchange,
  type ConnectorEnvironment,
  type OAuthTokens,
  type PlatformErrorKind,
} from '../connector.js';
import { parseRetryAfter, resendOnReset, toRetryAfterSeconds } from '../../shared/retry.js';

/**
 * The small Graph API client the Facebook and Instagram connectors share: typed GET/POST against
 * `{apiBaseUrl}/{version}/{path}`, the token sent as `access_token` (with `appsecret_proof` when the app
 * secret is configured), a per-request timeout, and every failure turned into a `PlatformError` from the
 * HTTP status and Graph's `error.code` / `error_subcode` / `is_transient` — never from message text.
 *
 * Sources: developers.facebook.com/docs/graph-api/guides/error-handling (codes and subcodes),
 * /docs/graph-api/overview/rate-limiting (usage headers), /docs/instagram-platform/instagram-graph-api/
 * reference/error-codes (2207xxx subcodes), /docs/facebook-login/guides/advanced/manual-flow and
 * /docs/facebook-login/guides/access-tokens/get-long-lived (the OAuth steps at the bottom of this file).
 */

export const DEFAULT_GRAPH_VERSION = 'v21.0';

export type GraphParams = Record<string, string | number | boolean | null | undefined>;

export interface GraphRequestOptions {
  /** Sent as `access_token` (query string for GET, body for POST). */
  accessToken?: string;
  /** Send the POST body as JSON instead of a form (for structured parameters such as `attached_media`). */
  json?: boolean;
}

export interface GraphClient {
  readonly version: string;
  get<T>(path: string, params?: GraphParams, options?: GraphRequestOptions): Promise<T>;
  post<T>(path: string, body?: Record<string, unknown>, options?: GraphRequestOptions): Promise<T>;
}

/** Graph's error object (`{"error": {...}}`). */
export interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  error_user_title?: string;
  error_user_msg?: string;
  fbtrace_id?: string;
}

export function createGraphClient(env: ConnectorEnvironment, version = DEFAULT_GRAPH_VERSION): GraphClient {
  const base = env.apiBaseUrl.replace(/\/+$/, '');

  async function request<T>(
    method: 'GET' | 'POST',
    path: string,
    fields: Record<string, unknown>,
    options: GraphRequestOptions,
  ): Promise<T> {
    const url = new URL(`${base}/${version}/${path.replace(/^\/+/, '')}`);
    const all: Record<string, unknown> = { ...fields };
    if (options.accessToken) {
      all.access_token = options.accessToken;
      // Proves the call comes from the app's server; required when "Require App Secret" is on.
      if (env.clientSecret) {
        all.appsecret_proof = createHmac('sha256', env.clientSecret)
          .update(options.accessToken)
          .digest('hex');
      }
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (method === 'GET') {
      for (const [key, value] of formEntries(all)) url.searchParams.set(key, value);
    } else if (options.json) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(Object.fromEntries(Object.entries(all).filter(([, v]) => v != null)));
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(formEntries(all)).toString();
    }
    let status: number;
    let text: string;
    let responseHeaders: Headers;
    try {
      ({ status, responseHeaders, text } = await resendOnReset(method, async () => {
        const response = await env.fetch(url, {
          method,
          headers: withTraceparent(headers),
          body,
          signal: AbortSignal.timeout(env.timeoutMs),
        });
        return { status: response.status, responseHeaders: response.headers, text: await response.text() };
      }));
    } catch (err) {
      throw networkError(err, method, path);
    }
    const parsed = parseJson(text);
    const error = graphErrorOf(parsed);
    if (status < 200 || status >= 300 || error) {
      throw classifyGraphError(status, error, responseHeaders);
    }
    if (parsed === undefined) {
      throw new PlatformError(
        'transient',
        `Graph API ${method} ${path} answered ${status} without JSON`,
        'invalid_response',
        {
          status,
        },
      );
    }
    return parsed as T;
  }

  return {
    version,
    get: (path, params = {}, options = {}) => request('GET', path, params, options),
    post: (path, body = {}, options = {}) => request('POST', path, body, options),
  };
}

/** Form/query encoding: scalars as strings, arrays and objects as JSON (what Graph expects of them). */
function formEntries(fields: Record<string, unknown>): [string, string][] {
  return Object.entries(fields)
    .filter(([, value]) => value != null)
    .map(([key, value]) => [key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function graphErrorOf(body: unknown): GraphErrorBody | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (error && typeof error === 'object') return error as GraphErrorBody;
  }
  return undefined;
}

function networkError(err: unknown, method: string, path: string): PlatformError {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new PlatformError('transient', `Graph API ${method} ${path} timed out`, 'timeout');
  }
  return new PlatformError('transient', `Graph API ${method} ${path} failed: network error`, 'network_error');
}

// ---------------------------------------------------------------------------------------------------
// Classification. The order matters: an expired token wins over everything (refreshing is the fix);
// Instagram's publishing subcodes are more precise than the codes they come with (2207051 arrives
// with code 4, yet it is a spam block, not throttling); `is_transient` is Graph saying "retry".
// ---------------------------------------------------------------------------------------------------

/** 190 (access token), 102 (API session): the token is expired, revoked or invalid. */
const AUTH_CODES = new Set([102, 190]);
/** Session subcodes: app removed, checkpoint, password changed, expired, unconfirmed, logged out, invalid. */
const AUTH_SUBCODES = new Set([458, 459, 460, 463, 464, 467, 492]);
/** 4 app, 17 user, 32 page, 613 custom limit, 341 app limit, 368 temporary policy block. */
const RATE_CODES = new Set([4, 17, 32, 341, 368, 613]);
/** 1 unknown, 2 service (downtime), -1/-2 Instagram server errors, 9007 container not ready yet. */
const TRANSIENT_CODES = new Set([-2, -1, 1, 2, 9007]);
/**
 * 100 invalid parameter, 352 video format, 506 duplicate post, 1609005 link scrape failure, 9004 media
 * not fetchable, 36000–36004 Instagram image size / format / aspect ratio / caption length.
 */
const INVALID_CODES = new Set([100, 352, 506, 1609005, 9004, 36000, 36001, 36002, 36003, 36004]);

/** Instagram content-publishing subcodes whose meaning differs from their code's. */
const INSTAGRAM_SUBCODES: Record<number, PlatformErrorKind> = {
  2207001: 'transient', // Instagram server error
  2207003: 'transient', // media download timed out
  2207008: 'transient', // temporary error publishing a container
  2207020: 'transient', // container expired: a new attempt creates a new one
  2207027: 'transient', // media not ready for publishing yet
  2207032: 'transient', // container creation failed, re-create
  2207053: 'transient', // unknown upload error, re-create
  2207042: 'rate_limited', // daily content-publishing limit reached
  2207050: 'permanent', // account inactive, checkpointed or restricted
  2207051: 'permanent', // publishing suspected to be spam
};

/** Which `PlatformErrorKind` a failed Graph call is, from its HTTP status and error body. */
export function graphErrorKind(status: number, error: GraphErrorBody | undefined): PlatformErrorKind {
  const code = error?.code;
  const subcode = error?.error_subcode;
  if (code === undefined) {
    if (status === 429) return 'rate_limited';
    if (status === 401) return 'auth_expired';
    if (status === 408 || status >= 500) return 'transient';
    return 'permanent';
  }
  if (AUTH_CODES.has(code) || (subcode !== undefined && AUTH_SUBCODES.has(subcode))) return 'auth_expired';
  if (subcode !== undefined && INSTAGRAM_SUBCODES[subcode]) return INSTAGRAM_SUBCODES[subcode];
  if (RATE_CODES.has(code) || (code >= 80001 && code <= 80014) || status === 429) return 'rate_limited';
  if (error?.is_transient === true || TRANSIENT_CODES.has(code)) return 'transient';
  // 100/33: the object does not exist or the token cannot see it (deleted Page, lost access).
  if (code === 100 && subcode === 33) return 'permanent';
  if (INVALID_CODES.has(code) || (subcode !== undefined && subcode >= 2207000 && subcode < 2208000)) {
    return 'invalid_content';
  }
  if (code === 3 || code === 10 || (code >= 200 && code <= 299)) return 'permanent';
  return status >= 500 ? 'transient' : 'permanent';
}

/**
 * The `PlatformError` for a failed call. `code` is Graph's code, with `/subcode` when it gave one
 * (`190/463`, `36003/2207009`), or `http_<status>` when the body was not a Graph error.
 */
export function classifyGraphError(
  status: number,
  error: GraphErrorBody | undefined,
  headers?: Headers,
): PlatformError {
  const kind = graphErrorKind(status, error);
  const code =
    error?.code === undefined
      ? `http_${status}`
      : error.error_subcode
        ? `${error.code}/${error.error_subcode}`
        : String(error.code);
  const trace = error?.fbtrace_id ? ` (fbtrace_id ${error.fbtrace_id})` : '';
  const message = error?.message
    ? `Graph API error ${code}: ${error.message}${trace}`
    : `Graph API answered HTTP ${status}`;
  const retryAfterSeconds = kind === 'rate_limited' && headers ? retryAfterFromHeaders(headers) : undefined;
  return new PlatformError(kind, message, code, {
    status,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

/**
 * Seconds until access is regained: `Retry-After`, else the largest `estimated_time_to_regain_access`
 * (minutes) in `X-Business-Use-Case-Usage` (`{"<id>": [{type, call_count, …}]}`) or `X-App-Usage`.
 */
export function retryAfterFromHeaders(headers: Headers): number | undefined {
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  if (retryAfterMs) return toRetryAfterSeconds(retryAfterMs);
  const minutes: number[] = [];
  const collect = (entry: unknown) => {
    const value = (entry as { estimated_time_to_regain_access?: unknown } | null)
      ?.estimated_time_to_regain_access;
    if (typeof value === 'number' && value > 0) minutes.push(value);
  };
  const business = parseJson(headers.get('x-business-use-case-usage') ?? '');
  if (business && typeof business === 'object') {
    for (const entries of Object.values(business)) if (Array.isArray(entries)) entries.forEach(collect);
  }
  collect(parseJson(headers.get('x-app-usage') ?? ''));
  return minutes.length ? Math.max(...minutes) * 60 : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Facebook Login (manual flow): the dialog URL, code → short-lived user token → long-lived user token
// (about 60 days), the Pages the user manages, and the permissions they actually granted.
// ---------------------------------------------------------------------------------------------------

interface TokenAnswer {
  access_token: string;
  token_type?: string;
  expires_in?: number;
}

export interface UserToken {
  accessToken: string;
  /** Epoch ms; null when Graph did not say. */
  expiresAt: number | null;
}

function credentials(env: ConnectorEnvironment): { clientId: string; clientSecret: string } {
  if (!env.clientId || !env.clientSecret) {
    throw new PlatformError(
      'permanent',
      'The Facebook app id and secret are not configured',
      'not_configured',
    );
  }
  return { clientId: env.clientId, clientSecret: env.clientSecret };
}

/** `{authBaseUrl}/{version}/dialog/oauth?client_id&redirect_uri&state&scope&response_type=code`. */
export function facebookAuthorizationUrl(
  env: ConnectorEnvironment,
  version: string,
  scopes: readonly string[],
  request: AuthorizationRequest,
): string {
  const url = new URL(`${env.authBaseUrl.replace(/\/+$/, '')}/${version}/dialog/oauth`);
  url.searchParams.set('client_id', credentials(env).clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('state', request.state);
  url.searchParams.set('scope', scopes.join(','));
  url.searchParams.set('response_type', 'code');
  return url.toString();
}

/** An invalid or used authorization code is Graph code 100: for OAuth that is not "content". */
async function oauthCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PlatformError && err.kind === 'invalid_content') {
      throw new PlatformError('permanent', err.message, err.code, err.options);
    }
    throw err;
  }
}

function userToken(env: ConnectorEnvironment, answer: TokenAnswer): UserToken {
  if (typeof answer?.access_token !== 'string') {
    throw new PlatformError('transient', 'Graph API token answer has no access_token', 'invalid_response');
  }
  const expiresIn = Number(answer.expires_in);
  return {
    accessToken: answer.access_token,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? env.now() + expiresIn * 1000 : null,
  };
}

/** Trades a user token (short- or long-lived, not expired) for a fresh long-lived one. */
export function extendUserToken(
  graph: GraphClient,
  env: ConnectorEnvironment,
  token: string,
): Promise<UserToken> {
  const { clientId, clientSecret } = credentials(env);
  return oauthCall(async () =>
    userToken(
      env,
      await graph.get<TokenAnswer>('oauth/access_token', {
        grant_type: 'fb_exchange_token',
        client_id: clientId,
        client_secret: clientSecret,
        fb_exchange_token: token,
      }),
    ),
  );
}

/** A long-lived user token traded for a fresh one: `tokens` with its new value and expiry. */
export async function renewUserToken(
  graph: GraphClient,
  env: ConnectorEnvironment,
  tokens: OAuthTokens,
): Promise<OAuthTokens> {
  const user = await extendUserToken(graph, env, tokens.accessToken);
  return { ...tokens, accessToken: user.accessToken, expiresAt: user.expiresAt };
}

/** The authorization code → short-lived user token → long-lived user token. */
export async function exchangeCodeForUserToken(
  graph: GraphClient,
  env: ConnectorEnvironment,
  exchange: CodeExchange,
): Promise<UserToken> {
  const { clientId, clientSecret } = credentials(env);
  const short = await oauthCall(async () =>
    userToken(
      env,
      await graph.get<TokenAnswer>('oauth/access_token', {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uri: exchange.redirectUri,
        code: exchange.code,
      }),
    ),
  );
  return extendUserToken(graph, env, short.accessToken);
}

interface Page<T> {
  data?: T[];
  paging?: { cursors?: { after?: string }; next?: string };
}

const MAX_ACCOUNT_PAGES = 20;

/** `GET /me/accounts` with `fields`, following cursors: the Pages the user can act on. */
export async function listManagedPages<T>(
  graph: GraphClient,
  accessToken: string,
  fields: string,
): Promise<T[]> {
  const pages: T[] = [];
  let after: string | undefined;
  for (let i = 0; i < MAX_ACCOUNT_PAGES; i++) {
    const answer = await graph.get<Page<T>>('me/accounts', { fields, limit: 100, after }, { accessToken });
    pages.push(...(answer.data ?? []));
    after = answer.paging?.cursors?.after;
    if (!answer.paging?.next || !after) break;
  }
  return pages;
}

/** The permissions the user granted (`GET /me/permissions`); fails when a required one was declined. */
export async function grantedScopes(
  graph: GraphClient,
  accessToken: string,
  required: readonly string[],
): Promise<string[]> {
  const answer = await graph.get<Page<{ permission: string; status: string }>>(
    'me/permissions',
    {},
    { accessToken },
  );
  const granted = (answer.data ?? []).filter((p) => p.status === 'granted').map((p) => p.permission);
  const missing = required.filter((scope) => !granted.includes(scope));
  if (missing.length) {
    throw new PlatformError(
      'permanent',
      `Facebook Login did not grant the required permissions: ${missing.join(', ')}`,
      'permissions_declined',
    );
  }
  return granted;
}

/**
 * What a Facebook Login yields: the long-lived user token, the permissions granted (all of `required`),
 * and the Pages the user manages, each with `pageFields`.
 */
export async function connectWithFacebookLogin<T>(
  graph: GraphClient,
  env: ConnectorEnvironment,
  exchange: CodeExchange,
  required: readonly string[],
  pageFields: string,
): Promise<{ user: UserToken; scopes: string[]; pages: T[] }> {
  const user = await exchangeCodeForUserToken(graph, env, exchange);
  const scopes = await grantedScopes(graph, user.accessToken, required);
  const pages = await listManagedPages<T>(graph, user.accessToken, pageFields);
  return { user, scopes, pages };
}

/** Graph's timestamps (`2024-05-01T12:00:00+0000`) as epoch ms, or `fallback` when absent or unparsable. */
export function graphTime(value: unknown, fallback: number): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : fallback;
}

/** A required string field of a Graph answer; a missing one is a malformed answer (retry). */
export function requireString(answer: unknown, field: string, what: string): string {
  const value = (answer as Record<string, unknown> | null)?.[field];
  if (typeof value === 'string' && value) return value;
  throw new PlatformError('transient', `Graph API answer for ${what} has no ${field}`, 'invalid_response');
}
