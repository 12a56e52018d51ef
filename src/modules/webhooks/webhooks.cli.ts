import { VERSION } from '../../shared/version.js';
import { apiFailure, CliError, EXIT, usageError, type ApiTarget } from '../cli-api.js';
import { pause } from '../../shared/retry.js';
import { generateSecret, signatureHeaders } from './webhooks.signing.js';

/**
 * `audenci listen`: follows the organization's event log through the API's event stream
 * (`GET /events/stream`, in commit order, from now or from `--after`) and forwards each event to a local
 * receiver, signed per Standard Webhooks with a secret of this run — webhooks developed without exposing
 * a server or allowing private endpoint URLs. The body and `webhook-id` are those a webhook endpoint
 * would get for the event. A lost connection is reopened with `Last-Event-ID`: nothing is missed.
 */

interface ApiEvent {
  id: string;
  type: string;
  createdAt: string;
  organizationId: string;
  environment: string;
  brandId: string | null;
  data: Record<string, unknown>;
}

export interface ListenOptions extends ApiTarget {
  forwardTo: string;
  /** Only these types (all when empty). */
  events: string[];
  /** `whsec_…`; a new one when absent. */
  secret?: string;
  /** Resume here instead of starting now: an event id (after it) or an id the stream sent. */
  after?: string;
  /** The first wait before reconnecting after a lost connection (doubled on each failure, up to 30 s). */
  intervalMs: number;
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl-C / SIGTERM: the command stops cleanly. */
  signal: AbortSignal;
  /** Waits before retrying a refused delivery (default 500 ms, 1 s, 2 s). */
  retryDelaysMs?: number[];
}

const FORWARD_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_DELAYS_MS = [500, 1000, 2000];
const MAX_RECONNECT_BACKOFF_MS = 30_000;

export const LISTEN_INTERVAL = { defaultMs: 2000, minMs: 250, maxMs: 60_000 } as const;

/** Checks a `--secret`: `whsec_` and base64 of at least 24 bytes. */
export function checkSecret(secret: string): string {
  const body = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || Buffer.from(body, 'base64').length < 24) {
    throw usageError('--secret must be whsec_ followed by base64 of at least 24 bytes');
  }
  return secret;
}

interface Delivery {
  status: number | null;
  attempts: number;
  error?: string;
}

/** POSTs one event; a refused connection, a timeout or a 5xx is retried after each of `delays`. */
async function forward(options: ListenOptions, secret: string, event: ApiEvent): Promise<Delivery> {
  const body = JSON.stringify(event);
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  let last: Delivery = { status: null, attempts: 0 };
  for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
    if (attempt > 1) await pause(delays[attempt - 2]!, options.signal);
    if (options.signal.aborted) return last;
    try {
      const res = await fetch(options.forwardTo, {
        method: 'POST',
        headers: {
          ...signatureHeaders([secret], event.id, Math.floor(Date.now() / 1000), body),
          'content-type': 'application/json',
          'user-agent': `Audenci-CLI/${VERSION}`,
        },
        body,
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(FORWARD_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      last = { status: res.status, attempts: attempt };
      if (res.status < 500) return last;
    } catch (error) {
      if (options.signal.aborted) return last;
      const cause = (error as Error & { cause?: Error }).cause;
      last = {
        status: null,
        attempts: attempt,
        error: (cause?.message ?? (error as Error).message) || String(error),
      };
    }
  }
  return last;
}

/** Where the stream stands: the last `id:` it sent (what a reconnection sends as `Last-Event-ID`). */
interface StreamState {
  id?: string;
}

/**
 * Opens `GET /events/stream` (of `--events`' types, from `state.id`): its body. A server that cannot be
 * reached is a CONNECTION_ERROR (exit 3); an answer other than 200 is the API's failure (a refused key:
 * exit 4; an unknown `--after`: exit 1).
 */
async function openStream(options: ListenOptions, state: StreamState): Promise<ReadableStream<Uint8Array>> {
  const query = options.events.length ? `?types=${encodeURIComponent(options.events.join(','))}` : '';
  const url = `${options.apiUrl.replace(/\/+$/, '')}/api/v1/events/stream${query}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        authorization: `Bearer ${options.key}`,
        accept: 'text/event-stream',
        'user-agent': `audenci-cli/${VERSION}`,
        ...(state.id ? { 'last-event-id': state.id } : {}),
      },
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    const cause = (error as Error & { cause?: Error }).cause?.message ?? String(error);
    throw new CliError(EXIT.connection, 'CONNECTION_ERROR', `cannot reach ${url}: ${cause}`, { url });
  }
  if (res.status === 200 && res.body) return res.body;
  const text = await res.text().catch(() => '');
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  throw apiFailure({ status: res.status, json, text });
}

/**
 * The events of a `text/event-stream` body, in order, until it ends (the WHATWG event stream format:
 * `id:`, `event:`, `data:` lines, a blank line ends a frame; comments and id-only frames dispatch
 * nothing). `state.id` follows every `id:` the stream sends.
 */
async function* streamEvents(body: ReadableStream<Uint8Array>, state: StreamState): AsyncGenerator<ApiEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop()!;
    for (const line of lines) {
      if (line === '') {
        if (data.length) yield JSON.parse(data.join('\n')) as ApiEvent;
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id') state.id = value;
    }
  }
}

/**
 * Runs until `signal` aborts (exit 0). Fails at start when the server cannot be reached (exit 3) or the
 * key is refused (exit 4); later, an unreachable server is retried with backoff and a refused key ends
 * the command.
 */
export async function listen(options: ListenOptions): Promise<number> {
  const secret = options.secret ?? generateSecret();
  const emit = (text: string, value: unknown) =>
    options.json ? options.stdout.write(`${JSON.stringify(value)}\n`) : options.stdout.write(`${text}\n`);
  const state: StreamState = { id: options.after };
  let body: ReadableStream<Uint8Array> | undefined = await openStream(options, state);
  const wanted = new Set(options.events);
  emit(
    `Ready: forwarding ${wanted.size ? [...wanted].join(', ') : 'every event'} to ${options.forwardTo} (Ctrl-C to stop)\n` +
      `Signing secret: ${secret}`,
    { listening: { forwardTo: options.forwardTo, events: [...wanted], secret, apiUrl: options.apiUrl } },
  );
  let forwarded = 0;
  let lastEvent: string | undefined;
  let backoff = 0;
  while (!options.signal.aborted) {
    try {
      body ??= await openStream(options, state);
      backoff = 0;
      for await (const event of streamEvents(body, state)) {
        if (options.signal.aborted) break;
        const delivery = await forward(options, secret, event);
        if (options.signal.aborted) break;
        forwarded++;
        lastEvent = event.id;
        const outcome =
          delivery.status !== null
            ? `[${delivery.status}]`
            : `[failed after ${delivery.attempts} attempts: ${delivery.error ?? 'no answer'}]`;
        emit(`${event.createdAt}  ${event.type.padEnd(16)} ${event.id}  → ${outcome}`, {
          event: { id: event.id, type: event.type, createdAt: event.createdAt },
          ...delivery,
        });
      }
      body = undefined;
      if (options.signal.aborted) break;
      // The server ended the stream (it is shutting down): reconnect where it left off.
      await pause(options.intervalMs, options.signal);
    } catch (error) {
      body = undefined;
      if (options.signal.aborted) break;
      const failure = error as { exitCode?: number; message?: string; details?: { status?: number } };
      // A dropped connection, an unreachable server or a 5xx are retried; a refused key ends the command.
      const status = failure.details?.status;
      if (
        failure.exitCode !== undefined &&
        failure.exitCode !== EXIT.connection &&
        !(status && status >= 500)
      )
        throw error;
      backoff = Math.min(MAX_RECONNECT_BACKOFF_MS, Math.max(options.intervalMs, backoff * 2));
      const why = failure.exitCode !== undefined ? failure.message : 'the event stream was cut';
      options.stderr.write(`audenci: ${why}; retrying in ${Math.round(backoff / 1000)} s\n`);
      await pause(backoff, options.signal);
    }
  }
  // The last event forwarded, or where the stream stood: `--after` resumes from either.
  const lastEventId = lastEvent ?? state.id ?? null;
  emit(
    `Stopped after forwarding ${forwarded} event(s).` +
      (lastEventId ? ` Resume with --after ${lastEventId}` : ''),
    { stopped: { forwarded, lastEventId } },
  );
  return 0;
}
