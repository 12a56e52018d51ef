import { VERSION } from '../../shared/version.js';
import { apiFailure, EXIT, request, usageError, type ApiTarget } from '../cli-api.js';
import { EventFollower } from '../../shared/event-follow.js';
import { pause } from '../../shared/retry.js';
import { generateSecret, signatureHeaders } from './webhooks.signing.js';

/**
 * `audenci listen`: follows the organization's event log through the API (`GET /events`, oldest first,
 * from where it started or `--after`) and forwards each event to a local receiver, signed per Standard
 * Webhooks with a secret of this run — webhooks developed without exposing a server or allowing private
 * endpoint URLs. The body and `webhook-id` are those a webhook endpoint would get for the event.
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
  /** Start after this event instead of after the newest one. */
  after?: string;
  /** Between two polls of the event log. */
  intervalMs: number;
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl-C / SIGTERM: the command stops cleanly. */
  signal: AbortSignal;
  /** Waits before retrying a refused delivery (default 500 ms, 1 s, 2 s). */
  retryDelaysMs?: number[];
}

const PAGE = 100;
const FORWARD_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_DELAYS_MS = [500, 1000, 2000];
const MAX_POLL_BACKOFF_MS = 30_000;

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

const position = (event: ApiEvent) => ({ id: event.id, createdAtMs: Date.parse(event.createdAt) });

/** Where to start: after `--after`'s event, or after the newest event there is now. */
async function startingPosition(options: ListenOptions): Promise<EventFollower> {
  const res = options.after
    ? await request(options, 'GET', `/events/${encodeURIComponent(options.after)}`)
    : await request(options, 'GET', '/events?limit=1&sortBy=createdAt&sortOrder=desc');
  if (res.status !== 200) throw apiFailure(res);
  const data = (res.json as { data: ApiEvent | ApiEvent[] }).data;
  const start = Array.isArray(data) ? data[0] : data;
  return new EventFollower(start ? position(start) : null);
}

/** Every event from where the follower reads from on, oldest first, following `nextCursor` to the end. */
async function* newEvents(options: ListenOptions, follower: EventFollower): AsyncGenerator<ApiEvent> {
  const query = new URLSearchParams({ sortBy: 'createdAt', sortOrder: 'asc', limit: String(PAGE) });
  const from = follower.readFrom();
  if (from !== undefined) query.set('startDate', new Date(from).toISOString());
  if (options.events.length === 1) query.set('type', options.events[0]!);
  let cursor: string | null = null;
  do {
    if (cursor) query.set('cursor', cursor);
    const res = await request(options, 'GET', `/events?${query}`, undefined, options.signal);
    if (res.status !== 200) throw apiFailure(res);
    const page = res.json as { data: ApiEvent[]; pagination: { nextCursor: string | null } };
    for (const event of page.data) yield event;
    cursor = page.pagination.nextCursor;
  } while (cursor && !options.signal.aborted);
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
  const follower = await startingPosition(options);
  const wanted = new Set(options.events);
  emit(
    `Ready: forwarding ${wanted.size ? [...wanted].join(', ') : 'every event'} to ${options.forwardTo} (Ctrl-C to stop)\n` +
      `Signing secret: ${secret}`,
    { listening: { forwardTo: options.forwardTo, events: [...wanted], secret, apiUrl: options.apiUrl } },
  );
  let forwarded = 0;
  let lastEventId = follower.start?.id ?? null;
  let backoff = 0;
  while (!options.signal.aborted) {
    try {
      for await (const event of newEvents(options, follower)) {
        if (options.signal.aborted) break;
        if (!follower.admit(position(event))) continue;
        if (wanted.size === 0 || wanted.has(event.type)) {
          const delivery = await forward(options, secret, event);
          if (options.signal.aborted) break;
          forwarded++;
          const outcome =
            delivery.status !== null
              ? `[${delivery.status}]`
              : `[failed after ${delivery.attempts} attempts: ${delivery.error ?? 'no answer'}]`;
          emit(`${event.createdAt}  ${event.type.padEnd(16)} ${event.id}  → ${outcome}`, {
            event: { id: event.id, type: event.type, createdAt: event.createdAt },
            ...delivery,
          });
        }
        lastEventId = event.id;
      }
      backoff = 0;
    } catch (error) {
      if (options.signal.aborted) break;
      const failure = error as { exitCode?: number; message?: string };
      if (failure.exitCode !== EXIT.connection) throw error;
      backoff = Math.min(MAX_POLL_BACKOFF_MS, Math.max(options.intervalMs, backoff * 2));
      options.stderr.write(`audenci: ${failure.message}; retrying in ${Math.round(backoff / 1000)} s\n`);
      await pause(backoff, options.signal);
      continue;
    }
    await pause(options.intervalMs, options.signal);
  }
  emit(
    `Stopped after forwarding ${forwarded} event(s).` +
      (lastEventId ? ` Resume with --after ${lastEventId}` : ''),
    { stopped: { forwarded, lastEventId } },
  );
  return 0;
}
