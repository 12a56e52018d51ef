/**
 * An HTTP client for user-supplied URLs that enforces the SSRF guard where it matters: at connect time.
 *
 * The agent's DNS lookup resolves every address, refuses the connection if any is private, and hands the
 * checked addresses to the socket, so the address connected to is the one checked (a name that resolved
 * to a public address at registration and to 10.0.0.1 now is refused). IP-literal hosts skip DNS, so the
 * connector checks them itself. Redirects are followed by hand, each hop checked the same way.
 */
import dns from 'node:dns';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Transform, type Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Agent, buildConnector, Dispatcher } from 'undici';
import { withTraceparent } from './trace.js';
import {
  assertAllowedAddress,
  ipLiteralHost,
  parseOutboundUrl,
  UnsafeUrlError,
  type LookupFn,
  type OutboundGuardOptions,
} from './ssrf.js';

export interface SafeFetchOptions extends OutboundGuardOptions {
  /** Deadline for the whole call: connecting, every redirect hop, and reading the body. */
  timeoutMs: number;
  /** Follow 301/302/303/307/308 (each target checked). Default false: a 3xx is returned as is. */
  followRedirects?: boolean;
  /**
   * Follow only 307/308, which keep the method and body; 301/302/303 come back as they are. For a POST
   * whose body matters (a webhook), where a GET without it would be a false success.
   */
  keepMethod?: boolean;
  /** Redirects followed before giving up with `too_many_redirects`. Default 5. */
  maxRedirects?: number;
  /** Bytes of the body kept; the rest is not read. Default 64 KiB. */
  maxResponseBytes?: number;
}

export interface SafeResponse {
  status: number;
  headers: Headers;
  /** At most `maxResponseBytes`, decoded as UTF-8 (a character cut at the limit becomes U+FFFD). */
  body: string;
  /** The final URL, after redirects. */
  url: string;
  durationMs: number;
}

export interface SafeFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export type OutboundErrorCode = 'timeout' | 'network' | 'too_many_redirects' | 'too_large';

/** A request that did not produce a response. Messages name the host only, never headers or body. */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundError';
  }
}

const CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Dropped on a cross-origin redirect, as fetch does: credentials meant for the first origin only. */
const ORIGIN_BOUND_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** Dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language']);

/**
 * A `net.connect` lookup that checks every resolved address. Node asks with `all: true` when it races
 * address families (the default since Node 20) and without it otherwise; both shapes are answered.
 */
function guardedLookup(guard: OutboundGuardOptions): net.LookupFunction {
  const lookup: LookupFn = guard.lookup ?? dns.lookup;
  return (hostname, opts, callback) => {
    const family = opts.family === 'IPv4' ? 4 : opts.family === 'IPv6' ? 6 : (opts.family ?? 0);
    lookup(hostname, { all: true, family, hints: opts.hints }, (err, addresses) => {
      if (err) return callback(err, '');
      const first = addresses[0];
      if (first === undefined) {
        return callback(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
          '',
        );
      }
      try {
        for (const { address } of addresses) assertAllowedAddress(address, guard);
      } catch (refused) {
        return callback(refused as UnsafeUrlError, '');
      }
      if (opts.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * undici, loaded on the first outbound call rather than at start-up (a few megabytes, and most
 * processes call out only now and then: webhook deliveries, media imports, AI providers).
 */
let undiciModule: typeof Undici | undefined;
const undici = (): typeof Undici =>
  (undiciModule ??= createRequire(import.meta.url)('undici') as typeof Undici);

function guardedConnector(guard: OutboundGuardOptions): buildConnector.connector {
  const connect = undici().buildConnector({ lookup: guardedLookup(guard), timeout: CONNECT_TIMEOUT_MS });
  return (opts, callback) => {
    // net.connect does not call lookup for an IP literal: check it here, before any packet is sent.
    if (net.isIP(opts.hostname) !== 0) {
      try {
        assertAllowedAddress(opts.hostname, guard);
      } catch (refused) {
        return callback(refused as UnsafeUrlError, null);
      }
    }
    connect(opts, callback);
  };
}

// One agent per guard configuration, so keep-alive pools survive across deliveries.
const agents = new Map<LookupFn, Map<string, Agent>>();

function agentFor(options: SafeFetchOptions): Agent {
  const lookup: LookupFn = options.lookup ?? dns.lookup;
  const key = `${options.allowPrivate}|${[...(options.allowAddresses ?? [])].sort().join(',')}`;
  let byKey = agents.get(lookup);
  if (byKey === undefined) agents.set(lookup, (byKey = new Map()));
  let agent = byKey.get(key);
  if (agent === undefined) {
    const guard = { allowPrivate: options.allowPrivate, lookup, allowAddresses: options.allowAddresses };
    agent = new (undici().Agent)({ connect: guardedConnector(guard) });
    byKey.set(key, agent);
  }
  return agent;
}

/** Closes every pooled connection; call on shutdown. Later calls to safeFetch make new agents. */
export async function closeOutboundAgents(): Promise<void> {
  const all = [...agents.values()].flatMap((byKey) => [...byKey.values()]);
  agents.clear();
  await Promise.all(all.map((agent) => agent.close()));
}

/**
 * Sends one request to a user-supplied URL under the SSRF guard. Resolves with any HTTP status; throws
 * UnsafeUrlError when the guard refuses a URL or address (first hop or redirect) and OutboundError when no
 * response arrives (network failure, timeout, too many redirects).
 */
export async function safeFetch(
  url: string,
  init: SafeFetchInit,
  options: SafeFetchOptions,
): Promise<SafeResponse> {
  const started = performance.now();
  const state = { hop: firstHop(url, init) };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const res = await exchange(state, options, controller.signal);
    const body = await readCapped(res.body, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    const durationMs = Math.round(performance.now() - started);
    return {
      status: res.statusCode,
      headers: toHeaders(res.headers),
      body,
      url: state.hop.url.href,
      durationMs,
    };
  } catch (err) {
    throw outboundFailure(err, controller.signal, state.hop.url, options.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

export interface SafeStreamResponse {
  status: number;
  headers: Headers;
  /**
   * The body, unread. It fails with OutboundError (`timeout`, `network`, `too_large`) when the download
   * does; destroying it stops the download.
   */
  body: Readable;
  /** The final URL, after redirects. */
  url: string;
}

/**
 * `safeFetch` for large bodies (a media import): the same guard, agent and redirect rules, but the body
 * comes back as a stream, never buffered. `timeoutMs` bounds the whole exchange, the body's download
 * included; `maxResponseBytes` (default: no limit) is enforced from `Content-Length` up front and while
 * streaming.
 */
export async function safeStream(
  url: string,
  init: SafeFetchInit,
  options: SafeFetchOptions,
): Promise<SafeStreamResponse> {
  const state = { hop: firstHop(url, init) };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const fail = (err: unknown) => outboundFailure(err, controller.signal, state.hop.url, options.timeoutMs);
  let res: Dispatcher.ResponseData;
  try {
    res = await exchange(state, options, controller.signal);
  } catch (err) {
    clearTimeout(timer);
    throw fail(err);
  }
  const max = options.maxResponseBytes ?? Infinity;
  const host = state.hop.url.host;
  const tooLarge = () =>
    new OutboundError('too_large', `the response from ${host} is larger than ${max} bytes`);
  if (Number(res.headers['content-length'] ?? 0) > max) {
    clearTimeout(timer);
    res.body.destroy();
    throw tooLarge();
  }
  let received = 0;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback(received > max ? tooLarge() : null, chunk);
    },
  });
  res.body.on('error', (err) => body.destroy(fail(err)));
  body.on('close', () => {
    clearTimeout(timer);
    if (!res.body.destroyed) res.body.destroy();
  });
  res.body.pipe(body);
  return { status: res.statusCode, headers: toHeaders(res.headers), body, url: state.hop.url.href };
}

function firstHop(url: string, init: SafeFetchInit): Hop {
  return {
    url: parseOutboundUrl(url),
    method: (init.method ?? 'GET').toUpperCase(),
    // The current request's or job's W3C trace, when there is one.
    headers: withTraceparent({ ...init.headers }),
    body: init.body,
  };
}

/**
 * Sends the request and follows redirects as `options` say, each hop checked; resolves with the final
 * response, its body unread. `state.hop` is the hop in flight (for error messages).
 */
async function exchange(
  state: { hop: Hop },
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  const dispatcher = agentFor(options);
  for (let redirects = 0; ; redirects++) {
    const hop = state.hop;
    const literal = ipLiteralHost(hop.url);
    if (literal !== null) assertAllowedAddress(literal, options);
    const res = await undici().request(hop.url, {
      method: hop.method as Dispatcher.HttpMethod,
      headers: hop.headers,
      body: hop.body,
      dispatcher,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const location = options.followRedirects ? redirectLocation(res, options.keepMethod) : undefined;
    if (location === undefined) return res;
    // Read a small redirect body so the connection can be reused; a large one is cut off.
    await res.body.dump({ limit: 16 * 1024, signal });
    if (redirects >= (options.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) {
      throw new OutboundError('too_many_redirects', `more than ${redirects} redirects from ${hop.url.host}`);
    }
    state.hop = nextHop(hop, res.statusCode, location);
  }
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The request a redirect asks for, with fetch's rules on method, body and origin-bound headers. */
function nextHop(hop: Hop, status: number, location: string): Hop {
  const url = redirectTarget(location, hop.url);
  let { method, headers, body } = hop;
  // 303 (except after GET/HEAD), and 301/302 after POST, become a GET without a body.
  if (
    (status === 303 && method !== 'GET' && method !== 'HEAD') ||
    ((status === 301 || status === 302) && method === 'POST')
  ) {
    method = 'GET';
    body = undefined;
    headers = withoutHeaders(headers, BODY_HEADERS);
  }
  if (url.origin !== hop.url.origin) headers = withoutHeaders(headers, ORIGIN_BOUND_HEADERS);
  return { url, method, headers, body };
}

function redirectLocation(res: Dispatcher.ResponseData, keepMethod = false): string | undefined {
  if (!REDIRECT_STATUSES.has(res.statusCode)) return undefined;
  if (keepMethod && res.statusCode !== 307 && res.statusCode !== 308) return undefined;
  const location = res.headers.location;
  return typeof location === 'string' && location !== '' ? location : undefined;
}

function redirectTarget(location: string, base: URL): URL {
  let resolved: string;
  try {
    resolved = new URL(location, base).href;
  } catch {
    throw new UnsafeUrlError('invalid', 'redirect Location is not a valid URL');
  }
  return parseOutboundUrl(resolved);
}

function withoutHeaders(headers: Record<string, string>, drop: Set<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop.has(name.toLowerCase())));
}

/** Reads at most `max` bytes, then destroys the stream so the rest is never downloaded. */
async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (buf.length > max - size) {
      chunks.push(buf.subarray(0, max - size));
      body.destroy();
      break;
    }
    chunks.push(buf);
    size += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/** Maps whatever undici threw to UnsafeUrlError or OutboundError; programming errors pass unchanged. */
function outboundFailure(err: unknown, signal: AbortSignal, url: URL, timeoutMs: number): Error {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof UnsafeUrlError || e instanceof OutboundError) return e;
  }
  if (signal.aborted) {
    return new OutboundError('timeout', `request to ${url.host} timed out after ${timeoutMs} ms`);
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_INVALID_ARG') return err as Error;
  if (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new OutboundError('timeout', `request to ${url.host} timed out`, { cause: err });
  }
  const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return new OutboundError('network', `request to ${url.host} failed: ${detail}`, { cause: err });
}
