import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { invalidInput } from '../../shared/errors.js';
import { EVENT_TYPES, type EventType, type LoggedEventRow } from '../../db/tables/events.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { onEventLog } from './events.bell.js';
import * as repo from './events.repository.js';
import { toEvent } from './events.service.js';

/**
 * `GET /events/stream`: the event log as server-sent events, in commit order, resumable without loss.
 *
 * Each event has a log position given by the database (migration 0017): on SQLite a counter advanced at
 * each insert, in commit order since writers are serialized; on PostgreSQL the recording transaction's
 * id. `repo.settledThrough` is a position at or below which the log is complete: no event at or below it
 * can still commit (PostgreSQL: every transaction older than the snapshot's `xmin` has ended).
 *
 * A stream keeps a cursor (position, id). Each read first takes `through = settledThrough()`, then sends
 * every event after the cursor and at or below `through`, in (position, id) order, paging until a page
 * is short; the cursor then stands at `through`. Every event sent is after the cursor, so none comes
 * twice; every event at or below the cursor had committed before the read that passed it and so was
 * read then, so none is lost — also across a reconnect, since each frame's `id:` is the cursor after it
 * (`<position>.<event id>`), and a frame with only an `id:` (at the start, and with each keep-alive)
 * moves the client's cursor on past events it does not receive (other types, other tenants).
 *
 * On PostgreSQL an event is therefore sent once every transaction that began before its own has ended:
 * a transaction held open delays the stream, it never loses an event. For the same reason a stream opened
 * without a cursor starts at a position that can trail what has committed; the events already visible
 * above it are named when it opens and passed over (`EventStreamStart.seen`), so "now" means now.
 */

export interface EventStreamTimings {
  /** Between two reads of the log (when nothing rang: see events.bell.ts). */
  pollMs: number;
  /** A keep-alive (with the cursor) when nothing was written for this long (proxies cut idle connections). */
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

/**
 * After this process records an event for the stream's tenant, reads come this soon (ms, one after the
 * other), then the poll resumes: the ring comes before the event's transaction commits.
 */
export const AFTER_RING_MS: readonly number[] = [5, 25, 100, 250];

/** Where a stream starts and what it sends: checked before its first byte. */
export interface EventStreamStart {
  tenant: Tenant;
  types: EventType[];
  /** The stream sends what comes after this. */
  start: repo.LogCursor;
  /**
   * Events after `start` that had already committed when a stream opened without a cursor (PostgreSQL,
   * where the settled position can trail what is visible): "now" excludes them; each is passed over once.
   */
  seen?: Set<string>;
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
const CURSOR = /^(\d{1,15})(?:\.(evt_[0-9A-HJKMNP-TV-Z]{26}))?$/;

/** The `id:` of a frame: the cursor a client resumes from. */
export function cursorId(cursor: repo.LogCursor): string {
  return cursor.id === null ? String(cursor.position) : `${cursor.position}.${cursor.id}`;
}

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
 * Checks a stream request and finds where it starts: after the cursor a client resumes from (an `id:`
 * the stream sent, or the id of one of this tenant's events), or now. A bad `types`, a malformed id or an
 * event id this tenant's log does not hold is a 400, before the stream starts.
 */
export async function openEventStream(
  ctx: ServiceContext,
  tenant: Tenant,
  request: EventStreamRequest,
): Promise<EventStreamStart> {
  const types = parseTypes(request.types);
  const fromHeader = request.lastEventIdHeader !== undefined;
  const resumeFrom = fromHeader ? request.lastEventIdHeader : request.lastEventId;
  if (resumeFrom === undefined) {
    // Starts now. The settled position can trail the events already visible (any transaction of the
    // cluster that is still open holds it back), so those are named and passed over: read after the
    // position, they are all the events a read at the position would still send although they came first.
    const position = await repo.settledThrough(ctx.db, ctx.capabilities);
    const seen = ctx.capabilities.singleWriter
      ? []
      : await repo.eventIdsAfter(ctx.db, tenant, { after: position, types });
    return {
      tenant,
      types,
      start: { position, id: null },
      ...(seen.length ? { seen: new Set(seen) } : {}),
    };
  }
  const field = fromHeader ? 'Last-Event-ID' : 'lastEventId';
  const location = fromHeader ? 'header' : 'query';
  const cursor = CURSOR.exec(resumeFrom);
  if (cursor) {
    const position = Number(cursor[1]);
    // Every id the stream sends is at or below the settled position, which never goes back: an id ahead of
    // it was not sent by this database (a forged one, or the database was restored from a backup since).
    if (position > (await repo.settledThrough(ctx.db, ctx.capabilities))) {
      throw invalidInput(
        [
          {
            field,
            reason:
              'This id is ahead of the event log (was the database restored?): reconnect without it to start now',
          },
        ],
        undefined,
        { location },
      );
    }
    return { tenant, types, start: { position, id: cursor[2] ?? null } };
  }
  if (!EVENT_ID.test(resumeFrom)) {
    throw invalidInput(
      [
        {
          field,
          reason:
            'Must be an id the stream sent (`<position>` or `<position>.evt_…`) or the id of an event (evt_ and 26 characters)',
        },
      ],
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
  return { tenant, types, start: { position: row.log_position, id: row.id } };
}

/** One server-sent event: the cursor after it, the type, and the event as `GET /events` shows it. */
export function eventFrame(row: LoggedEventRow): string {
  const id = cursorId({ position: row.log_position, id: row.id });
  return `id: ${id}\nevent: ${row.type}\ndata: ${JSON.stringify(toEvent(row))}\n\n`;
}

let running = 0;

/** How many streams of this process are reading the log now (each stops when its signal aborts). */
export function runningEventStreams(): number {
  return running;
}

/**
 * Writes the stream to `out` until `signal` aborts (the client went away, or the server is closing):
 * the `retry:` hint and the starting cursor, then each event as its place in the log settles, and a
 * keep-alive (with the cursor) when idle. A slow reader is waited for (the socket's buffer, not memory,
 * holds what it has not read). Rejects when the database fails; the caller ends the stream and the
 * client resumes.
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
  let cursor = stream.start;
  const seen = stream.seen;
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

  // A ring (this process recorded an event for the tenant) cuts the wait short and asks for quick reads.
  let quick = 0;
  let wake: (() => void) | undefined;
  const stopListening = onEventLog(stream.tenant, () => {
    quick = AFTER_RING_MS.length;
    wake?.();
  });
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      wake = done;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      }
    });
  try {
    await write(`retry: ${timings.retryMs}\nid: ${cursorId(cursor)}\n\n`);
    while (!signal.aborted) {
      const through = await repo.settledThrough(ctx.db, ctx.capabilities);
      for (;;) {
        const rows = await repo.eventsAfter(ctx.db, stream.tenant, {
          after: cursor,
          through,
          types: stream.types,
          limit: timings.pageSize,
        });
        for (const row of rows) {
          if (signal.aborted) return;
          cursor = { position: row.log_position, id: row.id };
          if (seen?.delete(row.id)) continue; // committed before the stream opened
          await write(eventFrame(row));
        }
        if (rows.length < timings.pageSize || signal.aborted) break;
      }
      if (signal.aborted) return;
      // Everything at or below `through` was read: the cursor stands there.
      if (through >= cursor.position) cursor = { position: through, id: null };
      if (Date.now() - lastWrite >= timings.keepAliveMs)
        await write(`: keep-alive\nid: ${cursorId(cursor)}\n\n`);
      const waitMs = quick > 0 ? AFTER_RING_MS[AFTER_RING_MS.length - quick--]! : timings.pollMs;
      await wait(waitMs);
    }
  } finally {
    stopListening();
  }
}
