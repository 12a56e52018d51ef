import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { EventFollower, type LogPosition } from '../../shared/event-follow.js';
import { invalidInput } from '../../shared/errors.js';
import { pause } from '../../shared/retry.js';
import { scoped } from '../../db/tenant.js';
import { EVENT_TYPES, type EventRow, type EventType } from '../../db/tables/events.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import * as repo from './events.repository.js';
import { toEvent } from './events.service.js';

/**
 * `GET /events/stream`: the event log as server-sent events. The stream follows the log as
 * `audenci listen` does (src/shared/event-follow.ts): each poll reads again from the newest event seen
 * minus the lookback, oldest first, so an event whose transaction commits after a later one was sent
 * still comes, once.
 */

export interface EventStreamTimings {
  /** Between two reads of the log. */
  pollMs: number;
  /** A `: keep-alive` comment when nothing was written for this long (proxies cut idle connections). */
  keepAliveMs: number;
  /** The `retry:` hint: how long a client waits before reconnecting. */
  retryMs: number;
  /** Events per query; a read pages through until a page is short. */
  pageSize: number;
}

export const EVENT_STREAM_TIMINGS: EventStreamTimings = {
  pollMs: 1000,
  keepAliveMs: 15_000,
  retryMs: 3000,
  pageSize: 100,
};

/** Where a stream starts and what it sends: checked before its first byte. */
export interface EventStreamStart {
  tenant: Tenant;
  types: EventType[];
  /** The event the stream starts after (the newest there was, or the one resumed from); null: the log is empty. */
  start: LogPosition | null;
}

export interface EventStreamRequest {
  /** Comma-separated event types; all when absent. */
  types?: string;
  /** The `Last-Event-ID` header (what EventSource sends on reconnect); wins over `lastEventId`. */
  lastEventIdHeader?: string;
  /** The `lastEventId` query parameter (for clients that cannot set headers). */
  lastEventId?: string;
}

const EVENT_ID = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;

function parseTypes(text: string | undefined): EventType[] {
  if (text === undefined) return [];
  const names = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = names.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (names.length === 0 || unknown.length) {
    const reason =
      `${unknown.length ? `Unknown event type '${unknown[0]}'; ` : ''}` +
      `give a comma-separated subset of: ${EVENT_TYPES.join(', ')}`;
    throw invalidInput([{ field: 'types', reason }], undefined, { location: 'query' });
  }
  return EVENT_TYPES.filter((t) => names.includes(t));
}

/**
 * Checks a stream request and finds where it starts: after the event a client resumes from (which must
 * be an event of this organization and environment), or after the newest event there is now. A bad
 * `types`, a malformed id or one this tenant's log does not hold is a 400, before the stream starts.
 */
export async function openEventStream(
  ctx: ServiceContext,
  tenant: Tenant,
  request: EventStreamRequest,
): Promise<EventStreamStart> {
  const types = parseTypes(request.types);
  const fromHeader = request.lastEventIdHeader !== undefined;
  const resumeFrom = fromHeader ? request.lastEventIdHeader : request.lastEventId;
  if (resumeFrom !== undefined) {
    const field = fromHeader ? 'Last-Event-ID' : 'lastEventId';
    const location = fromHeader ? 'header' : 'query';
    if (!EVENT_ID.test(resumeFrom)) {
      throw invalidInput(
        [{ field, reason: 'Must be the id of an event (evt_ and 26 characters), as the stream sent it' }],
        undefined,
        { location },
      );
    }
    const row = await repo.findEvent(ctx.db, tenant, resumeFrom);
    if (!row) {
      throw invalidInput(
        [
          {
            field,
            reason:
              'No such event in this organization and environment (or it is older than the retention period)',
          },
        ],
        undefined,
        { location },
      );
    }
    return { tenant, types, start: { id: row.id, createdAtMs: row.created_at } };
  }
  const newest = await scoped(ctx.db, tenant)
    .selectFrom('events')
    .select(['id', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { tenant, types, start: newest ? { id: newest.id, createdAtMs: newest.created_at } : null };
}

/** One server-sent event: the id to resume from, the type, and the event as `GET /events` shows it. */
export function eventFrame(row: EventRow): string {
  return `id: ${row.id}\nevent: ${row.type}\ndata: ${JSON.stringify(toEvent(row))}\n\n`;
}

let running = 0;

/** How many streams of this process are reading the log now (each stops when its signal aborts). */
export function runningEventStreams(): number {
  return running;
}

/**
 * Writes the stream to `out` until `signal` aborts (the client went away, or the server is closing):
 * the `retry:` hint, then each new event as it commits, oldest first, and a keep-alive comment when
 * idle. A slow reader is waited for (the socket's buffer, not memory, holds what it has not read).
 * Rejects when the database fails; the caller ends the stream and the client resumes.
 */
export async function pumpEvents(
  ctx: ServiceContext,
  stream: EventStreamStart,
  out: Writable,
  signal: AbortSignal,
  timings: EventStreamTimings = EVENT_STREAM_TIMINGS,
): Promise<void> {
  running++;
  try {
    await follow(ctx, stream, out, signal, timings);
  } finally {
    running--;
  }
}

async function follow(
  ctx: ServiceContext,
  stream: EventStreamStart,
  out: Writable,
  signal: AbortSignal,
  timings: EventStreamTimings,
): Promise<void> {
  const follower = new EventFollower(stream.start);
  let lastWrite = 0;
  const write = async (text: string) => {
    lastWrite = Date.now();
    if (out.write(text) || signal.aborted) return;
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([
        once(out, 'drain', { signal: ac.signal }),
        once(out, 'close', { signal: ac.signal }),
      ]);
    } catch {
      // aborted: the stream is ending
    } finally {
      signal.removeEventListener('abort', stop);
      ac.abort();
    }
  };
  await write(`retry: ${timings.retryMs}\n\n`);
  while (!signal.aborted) {
    const from = follower.readFrom();
    let after: repo.LogKey | undefined;
    for (;;) {
      const rows = await repo.eventsFrom(ctx.db, stream.tenant, {
        from,
        after,
        types: stream.types,
        limit: timings.pageSize,
      });
      for (const row of rows) {
        if (signal.aborted) return;
        if (follower.admit({ id: row.id, createdAtMs: row.created_at })) await write(eventFrame(row));
      }
      if (rows.length < timings.pageSize || signal.aborted) break;
      const last = rows[rows.length - 1]!;
      after = { createdAt: last.created_at, id: last.id };
    }
    if (signal.aborted) return;
    if (Date.now() - lastWrite >= timings.keepAliveMs) await write(': keep-alive\n\n');
    await pause(timings.pollMs, signal);
  }
}
