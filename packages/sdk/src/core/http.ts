import { APIConnectionError, APIError, APITimeoutError, AudenciError } from './errors.js';
import { readEnv } from './env.js';
import {
  abortReason,
  isRetryableStatus,
  retryDelay,
  sleep,
  unreachableReason,
  type RetryTiming,
} from './retry.js';
import { VERSION } from '../version.js';

/** Options of the client, shared by every request unless a request overrides them. */
export interface ClientOptions {
  /**
   * The API key (`sk_prod_…` or `sk_test_…`). Defaults to `AUDENCI_API_KEY`; without either (and without
   * `session`) the constructor throws.
   */
  apiKey?: string;
  /**
   * The server's base URL, e.g. `https://audenci.example.com` (`/api/v1` is added; a URL that already
   * ends with it is taken as is). Defaults to `AUDENCI_BASE_URL`, then `http://localhost:3000`.
   */
  baseUrl?: string;
  /** Milliseconds one attempt may take before it is abandoned (default 30 000). */
  timeout?: number;
  /**
   * Retries after the first attempt for retryable failures (default 2). A refused connection (nothing
   * listens at the base URL) or an unknown host is never retried: it fails at once.
   */
  maxRetries?: number;
  /** The `fetch` to use (default `globalThis.fetch`), e.g. to add a proxy agent or logging. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string>;
  /**
   * @internal The first backoff step in milliseconds (default 1000: 1 s, 2 s, 4 s…). Tests set
   * it low; there is no reason to change it in production.
   */
  retryBaseDelay?: number;
  /**
   * The longest the SDK waits before one retry, in milliseconds (default 60 000). A 429 whose
   * `Retry-After` asks for more is thrown as a `RateLimitError` at once.
   */
  maxRetryDelay?: number;
  /**
   * Browser session mode (the web app): no API key, the session cookie goes with every request
   * (`credentials: 'include'`) and state-changing requests carry `X-CSRF-Token`. `csrfToken` is the token
   * `POST /auth/sign-in` answered, or a function reading the current one (it changes at each sign-in).
   */
  session?: SessionOptions;
}

/** The session mode's settings (see `ClientOptions.session`). */
export interface SessionOptions {
  /** The session's CSRF token, or a function that returns the current one (read before each request). */
  csrfToken?: string | (() => string | undefined);
}

/** Options of one request; they override the client's. */
export interface RequestOptions {
  /** Milliseconds one attempt may take (default: the client's `timeout`). */
  timeout?: number;
  /** Retries after the first attempt (default: the client's `maxRetries`). */
  maxRetries?: number;
  /** Aborts the request, its retries and their waits; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The `Idempotency-Key` of a POST. By default each POST gets a random one, reused by all its retries,
   * so a retry after a lost answer never does the work twice.
   */
  idempotencyKey?: string;
  /** Extra headers for this request. */
  headers?: Record<string, string>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];
export type Query = Record<string, QueryValue> | object;

export interface RequestSpec {
  method: HttpMethod;
  /** Path below `/api/v1`, e.g. `/posts/post_123`. */
  path: string;
  query?: Query;
  /** A JSON body. */
  body?: unknown;
  /** A body sent as is (multipart uploads); must be replayable (`FormData`, `Blob`, string…). */
  rawBody?: RequestInit['body'];
  /** Send an `Idempotency-Key` (every POST; `PUT /posts/batch` too). */
  idempotent?: boolean;
  /** Return a successful answer without reading its body (binary downloads); the timeout ends at the headers. */
  stream?: boolean;
  options?: RequestOptions;
}

const DEFAULT_BASE_URL = 'http://localhost:3000';
/** Methods that change nothing: a session sends its CSRF token with every other method. */
const SAFE_METHODS: ReadonlySet<HttpMethod> = new Set(['GET']);
const API_PREFIX = '/api/v1';
/** The SDK's version (the `version` of its package.json), sent in `X-Audenci-Client`. */
export const SDK_VERSION: string = VERSION;
/** Sent with every request: which client, which version (the server may log it). */
const CLIENT_HEADER = `audenci-sdk-js/${SDK_VERSION}`;

/**
 * `User-Agent` where the runtime lets a script set it (Node, and Bun and Deno, which mimic its
 * `process`); browsers forbid it, so it is not sent there.
 */
function userAgent(): string | undefined {
  const proc = (
    globalThis as { process?: { versions?: { node?: string }; platform?: string; arch?: string } }
  ).process;
  const node = proc?.versions?.node;
  if (!proc || !node || typeof (globalThis as { document?: unknown }).document !== 'undefined')
    return undefined;
  const platform = proc.platform ? ` (${proc.platform}; ${proc.arch ?? 'unknown'})` : '';
  return `${CLIENT_HEADER} node/${node}${platform}`;
}

/** Joins the base URL and `/api/v1` (unless the base URL already ends with it). */
function apiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/api(\/v\d+)?$/.test(trimmed) ? trimmed : `${trimmed}${API_PREFIX}`;
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query) as [string, QueryValue][]) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) params.set(key, value.join(','));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function randomKey(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * The transport every resource uses: builds the URL and headers, runs one attempt with a timeout, maps
 * failures to typed errors and retries what is retryable (see `retry.ts`).
 */
export class HttpClient {
  readonly apiKey: string | undefined;
  readonly baseUrl: string;
  readonly timeout: number;
  readonly maxRetries: number;
  private readonly root: string;
  private readonly fetchImpl: typeof fetch;
  private readonly defaultHeaders: Record<string, string>;
  private readonly timing: RetryTiming;
  private readonly session: SessionOptions | undefined;
  private readonly userAgent = userAgent();

  constructor(options: ClientOptions = {}) {
    this.session = options.session;
    // A session authenticates by its cookie: an environment key must not slip in beside it.
    this.apiKey = options.apiKey?.trim() || (this.session ? undefined : readEnv('AUDENCI_API_KEY'));
    if (!this.apiKey && !this.session) {
      throw new AudenciError(
        'No API key: pass `apiKey` (new Audenci({ apiKey: "sk_test_…" })) or set AUDENCI_API_KEY. ' +
          'Keys come from the web app (Settings → API keys), POST /api/v1/api-keys or `audenci keys create`; ' +
          'a browser page signed in to the web app uses `session` instead.',
      );
    }
    this.baseUrl = options.baseUrl ?? readEnv('AUDENCI_BASE_URL') ?? DEFAULT_BASE_URL;
    this.root = apiRoot(this.baseUrl);
    this.timeout = options.timeout ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') {
      throw new AudenciError('No fetch implementation: pass `fetch` in the client options');
    }
    // Called as a plain function: browsers throw "Illegal invocation" when `fetch` runs with another
    // object (this client) as its `this`.
    this.fetchImpl = (input, init) => fetchImpl(input, init);
    // Lower-cased, so that one of them (e.g. `User-Agent`) replaces the SDK's header of that name.
    this.defaultHeaders = Object.fromEntries(
      Object.entries(options.defaultHeaders ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    this.timing = { baseDelay: options.retryBaseDelay ?? 1000, maxDelay: options.maxRetryDelay ?? 60_000 };
  }

  /** Sends a request and returns its parsed JSON body. */
  async json<T>(spec: RequestSpec): Promise<T> {
    const response = await this.send(spec);
    return (await readBody(response)) as T;
  }

  /** Sends a request and returns the successful `Response` itself (for binary content). */
  async send(spec: RequestSpec): Promise<Response> {
    const options = spec.options ?? {};
    const maxRetries = options.maxRetries ?? this.maxRetries;
    const timeout = options.timeout ?? this.timeout;
    const url = `${this.root}${spec.path}${encodeQuery(spec.query)}`;
    const headers = this.headers(spec);
    const body = spec.rawBody ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));

    for (let retry = 0; ; retry++) {
      const last = retry >= maxRetries;
      let error: AudenciError;
      let answer: { status: number; headers: Headers } | undefined;
      try {
        const response = await this.attempt(url, spec, headers, body, timeout);
        if (response.ok) return response;
        const parsed = await readBody(response).catch(() => undefined);
        const apiError = APIError.from(response.status, parsed, response.headers);
        if (!isRetryableStatus(response.status, apiError.code, response.headers)) throw apiError;
        error = apiError;
        answer = response;
      } catch (thrown) {
        if (options.signal?.aborted) throw abortReason(options.signal);
        if (thrown instanceof APIError) throw thrown;
        if (thrown instanceof AudenciError) error = thrown;
        else {
          // Nothing listens there, or no such host: no retry will change that, so say so at once.
          const unreachable = unreachableReason(thrown);
          if (unreachable) {
            throw new APIConnectionError(
              `Connection error: ${unreachable} ${this.baseUrl} (is the server running? check baseUrl or AUDENCI_BASE_URL)`,
              { cause: thrown },
            );
          }
          error = new APIConnectionError(`Connection error: ${(thrown as Error)?.message ?? thrown}`, {
            cause: thrown,
          });
        }
      }
      if (last) throw error;
      const delay = retryDelay(retry, this.timing, answer);
      if (delay === undefined) throw error;
      await sleep(delay, options.signal);
    }
  }

  private headers(spec: RequestSpec): Record<string, string> {
    const options = spec.options ?? {};
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-audenci-client': CLIENT_HEADER,
      ...(this.userAgent ? { 'user-agent': this.userAgent } : {}),
      ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
      ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...this.defaultHeaders,
    };
    // One key for the request and all its retries: a retry after a lost answer is replayed, not redone.
    if (spec.idempotent || spec.method === 'POST') {
      headers['idempotency-key'] = options.idempotencyKey ?? randomKey();
    }
    const csrfToken = this.csrfToken();
    if (csrfToken && !SAFE_METHODS.has(spec.method)) headers['x-csrf-token'] = csrfToken;
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    return headers;
  }

  private csrfToken(): string | undefined {
    const token = this.session?.csrfToken;
    return typeof token === 'function' ? token() : token;
  }

  /** One attempt, abandoned after `timeout` ms (APITimeoutError) or when the caller's signal aborts. */
  private async attempt(
    url: string,
    spec: RequestSpec,
    headers: Record<string, string>,
    body: RequestInit['body'],
    timeout: number,
  ): Promise<Response> {
    const signal = spec.options?.signal;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        body,
        signal: controller.signal,
        ...(this.session ? { credentials: 'include' as const } : {}),
      });
      if (spec.stream && response.ok) return response;
      // The body is read under the same timeout: a server that stalls mid-answer times out too.
      const content = response.status === 204 || response.status === 304 ? null : await response.blob();
      return new Response(content, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (error) {
      if (timedOut) throw new APITimeoutError(`Request timed out after ${timeout} ms`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
