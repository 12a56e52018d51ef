import type { RequestOptions } from '../core/http.js';
import { APIError } from '../core/errors.js';
import type { PagePromise } from '../core/pagination.js';
import { isRetryableStatus, sleep } from '../core/retry.js';
import { readEventStream, type StreamState } from '../core/sse.js';
import type { Event, EventListParams, EventType } from '../types.js';
import { APIResource, seg } from './resource.js';

/** What `events.stream()` takes. */
export interface EventStreamParams {
  /** Only these event types (all when absent). */
  types?: EventType[];
  /**
   * Resume instead of starting now: the `lastEventId` of an earlier stream (nothing lost or repeated in
   * between), or the id of an event (`evt_…`, e.g. the last one a previous run handled) to start after it.
   */
  lastEventId?: string;
  /** Ends the stream: the iteration finishes without an error. */
  signal?: AbortSignal;
  /** The longest wait before reconnecting after a dropped connection, in ms (default 30 000). */
  maxReconnectDelay?: number;
  /**
   * Told when the stream is connected (`open`, the server answered) and when it lost its connection and
   * waits to reconnect (`reconnecting`): e.g. for a "Live / Reconnecting…" indicator.
   */
  onConnectionChange?: (state: 'open' | 'reconnecting') => void;
  /**
   * Reconnect when the connection carried nothing for this long, in ms (off by default). The server
   * sends a keep-alive every 15 s, so e.g. 45 000 finds a connection that died without closing (a
   * laptop that slept, a network that changed) without waiting for TCP to notice.
   */
  idleTimeout?: number;
}

/** The event stream: iterate it with `for await`; `lastEventId` is where it would resume. */
export interface EventStream extends AsyncIterable<Event> {
  /**
   * Where the stream would resume: the last `id:` the server sent (`<position>.<event id>` after an
   * event, `<position>` where it started or stands when idle). Keep it to resume a later stream.
   */
  readonly lastEventId: string | undefined;
}

const DEFAULT_RETRY_MS = 3000;

/** The event log webhooks are made from: `/events`, newest first; `stream()` follows it live. */
export class Events extends APIResource {
  /** Lists events (filters `type`, `startDate`/`endDate` on `createdAt`). */
  list(params?: EventListParams, options?: RequestOptions): PagePromise<Event> {
    return this.page<Event>('/events', params, options);
  }

  /** Retrieves an event. */
  retrieve(id: string, options?: RequestOptions): Promise<Event> {
    return this.data('GET', `/events/${seg(id)}`, { options });
  }

  /**
   * Follows the event log as it is written (`GET /events/stream`, server-sent events): each new event,
   * oldest first, typed as `list()` gives them. Starts now, or strictly after `lastEventId`. A dropped
   * connection is reopened with `Last-Event-ID` after a growing wait (the server's `retry:` hint, doubled
   * on each failure up to `maxReconnectDelay`), so no event is lost or repeated. Ends when `signal`
   * aborts or the loop breaks; rejects on an answer a retry cannot change (401, 403, a 400 for an
   * unknown `lastEventId`).
   *
   * ```ts
   * for await (const event of client.events.stream({ types: ['post.published'], signal })) {
   *   console.log(event.type, event.data);
   * }
   * ```
   */
  stream(params: EventStreamParams = {}): EventStream {
    const state: StreamState = { lastEventId: params.lastEventId };
    const follow = () => this.follow(params, state);
    return {
      get lastEventId() {
        return state.lastEventId;
      },
      [Symbol.asyncIterator]: () => follow()[Symbol.asyncIterator](),
    };
  }

  private async *follow(params: EventStreamParams, state: StreamState): AsyncGenerator<Event> {
    const { signal } = params;
    const maxDelay = params.maxReconnectDelay ?? 30_000;
    let failures = 0;
    while (!signal?.aborted) {
      let response: Response | undefined;
      try {
        response = await this.http.send({
          method: 'GET',
          path: '/events/stream',
          query: params.types?.length ? { types: params.types.join(',') } : {},
          stream: true,
          options: {
            signal,
            headers: {
              accept: 'text/event-stream',
              ...(state.lastEventId ? { 'last-event-id': state.lastEventId } : {}),
            },
          },
        });
      } catch (error) {
        if (signal?.aborted) return;
        if (error instanceof APIError && !isRetryableStatus(error.status, error.code, error.headers))
          throw error;
      }
      if (response?.body) {
        params.onConnectionChange?.('open');
        // This connection ends when the stream's signal aborts, or when it stays silent too long.
        const connection = new AbortController();
        const end = () => connection.abort();
        signal?.addEventListener('abort', end, { once: true });
        let idle: ReturnType<typeof setTimeout> | undefined;
        const alive = () => {
          if (params.idleTimeout === undefined) return;
          clearTimeout(idle);
          idle = setTimeout(end, params.idleTimeout);
        };
        alive();
        try {
          for await (const frame of readEventStream(response.body, state, connection.signal, alive)) {
            failures = 0;
            yield JSON.parse(frame.data) as Event;
          }
        } catch {
          // The connection dropped mid-stream: reconnect below.
        } finally {
          clearTimeout(idle);
          signal?.removeEventListener('abort', end);
        }
      }
      if (signal?.aborted) return;
      params.onConnectionChange?.('reconnecting');
      const delay = Math.min(maxDelay, (state.retryMs ?? DEFAULT_RETRY_MS) * 2 ** Math.min(failures, 10));
      failures++;
      try {
        await sleep(delay, signal);
      } catch {
        return;
      }
    }
  }
}
