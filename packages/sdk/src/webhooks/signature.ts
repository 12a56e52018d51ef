/**
 * Standard Webhooks (https://www.standardwebhooks.com) verification with Web Crypto, so it runs in Node,
 * Deno, Bun, edge runtimes and browsers alike. A delivery carries `webhook-id`, `webhook-timestamp` (unix
 * seconds) and `webhook-signature`: one or more space-separated `v1,<base64 HMAC-SHA256>` of
 * `{id}.{timestamp}.{body}`, keyed with the base64 part of the `whsec_…` secret (two during a secret
 * rotation; any one that matches is enough).
 */
import { WebhookVerificationError } from '../core/errors.js';
import type { Event, EventType } from '../types.js';

/** Deliveries whose timestamp is further than this from now are refused (replay protection). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';

/** Incoming headers: a `Headers`, or a plain object as Node's `req.headers` (any letter case). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;
/** The raw body exactly as received — not re-serialized JSON, whose bytes may differ. */
export type WebhookPayload = string | Uint8Array | ArrayBuffer;

/** Options of `verify` / `unwrap`. */
export interface VerifyOptions {
  /** Allowed clock difference in seconds (default 300). */
  tolerance?: number;
  /** The time to check against, in milliseconds (default `Date.now()`); for tests. */
  now?: number;
}

/**
 * An event as delivered to a webhook endpoint: the same object `GET /events/{id}` shows, or a
 * `webhook.test` event sent by `webhooks.test()` (never in the event log). Switch on `type` to narrow.
 */
export type WebhookEvent = Omit<Event, 'type'> & { type: EventType | 'webhook.test' };

/** What `sign` signs: a delivery id, its Unix timestamp, the raw body and the endpoint secret. */
export interface SignParams {
  /** The `webhook-id` (the event id). */
  id: string;
  /** Unix seconds, or a Date. */
  timestamp: number | Date;
  body: WebhookPayload;
  /** The `whsec_…` secret. */
  secret: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Subtle = (typeof globalThis.crypto)['subtle'];

function subtle(): Subtle {
  const value = globalThis.crypto?.subtle;
  if (!value) throw new WebhookVerificationError('Web Crypto (globalThis.crypto.subtle) is not available');
  return value;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function bodyText(body: WebhookPayload): string {
  return typeof body === 'string' ? body : decoder.decode(body);
}

function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  try {
    return base64ToBytes(encoded);
  } catch {
    throw new WebhookVerificationError('The webhook secret is not valid base64 (expected whsec_…)');
  }
}

async function hmac(secret: string, message: string): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', secretBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await subtle().sign('HMAC', key, encoder.encode(message)));
}

/** Compares without stopping at the first difference, so timing does not reveal the signature. */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The `webhook-signature` value (`v1,<base64>`) Audenci would send for this body: for receivers' tests.
 */
export async function sign(params: SignParams): Promise<string> {
  const timestamp =
    params.timestamp instanceof Date ? Math.floor(params.timestamp.getTime() / 1000) : params.timestamp;
  const mac = await hmac(params.secret, `${params.id}.${timestamp}.${bodyText(params.body)}`);
  return `v1,${bytesToBase64(mac)}`;
}

/**
 * Checks a delivery's signature and timestamp; throws `WebhookVerificationError` when a header is
 * missing, no signature matches, or the timestamp is more than 5 minutes away from now.
 *
 * ```ts
 * await Audenci.webhooks.verify(rawBody, req.headers, process.env.AUDENCI_WEBHOOK_SECRET!);
 * ```
 */
export async function verify(
  payload: WebhookPayload,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyOptions = {},
): Promise<void> {
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  const timestamp = Number(timestampText);
  if (!/^\d+$/.test(timestampText.trim()) || !Number.isSafeInteger(timestamp)) {
    throw new WebhookVerificationError('Invalid webhook-timestamp header');
  }
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance) throw new WebhookVerificationError('Webhook timestamp is too old');
  if (timestamp > now + tolerance) throw new WebhookVerificationError('Webhook timestamp is in the future');

  const expected = await hmac(secret, `${id}.${timestampText.trim()}.${bodyText(payload)}`);
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(value);
    } catch {
      continue;
    }
    if (timingSafeEqual(bytes, expected)) return;
  }
  throw new WebhookVerificationError('No matching webhook signature');
}

/** Verifies a delivery (as `verify`) and returns its event, parsed. */
export async function unwrap(
  payload: WebhookPayload,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyOptions = {},
): Promise<WebhookEvent> {
  await verify(payload, headers, secret, options);
  try {
    return JSON.parse(bodyText(payload)) as WebhookEvent;
  } catch {
    throw new WebhookVerificationError('The webhook body is not JSON');
  }
}

/** The static webhook helpers: `Audenci.webhooks.verify / unwrap / sign`. */
export const webhookHelpers: {
  /** Checks a delivery's signature and age; throws `WebhookVerificationError` when it does not hold. */
  readonly verify: typeof verify;
  /** `verify`, then the parsed, typed event. */
  readonly unwrap: typeof unwrap;
  /** The `webhook-signature` value a delivery of `body` would carry (for receivers' own tests). */
  readonly sign: typeof sign;
} = { verify, unwrap, sign };
