import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { browserHeaders, signUpMember } from '../../../test/helpers/people.js';
import type { Tenant as TenantScope } from '../../shared/tenant.js';
import type { EventType } from '../../db/tables/events.js';
import { recordEvent } from './events.service.js';
import { AFTER_RING_MS, openEventStream, pumpEvents, runningEventStreams } from './events.stream.js';
import { watchTimers } from '../../../test/helpers/timers.js';

/**
 * `GET /api/v1/events/stream` (docs/api.md, "Events"): the event log as server-sent events over a real
 * HTTP connection — tenant-scoped, resumable with `Last-Event-ID` without loss or duplicates, late
 * commits still delivered, and ended by the client going away or the server closing.
 */

const T0 = Date.parse('2026-06-01T12:00:00Z');

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  comment?: string;
}

/** A stream read over fetch: its frames as they come. */
interface OpenStream {
  res: { status: number; headers: { get(name: string): string | null }; body: AsyncIterable<Uint8Array> };
  /** The next frame (comments included), or fails after `ms`. */
  next(ms?: number): Promise<Frame>;
  /**
   * The next event frame, skipping the retry hint, comments and id-only frames: `id` is the event's id
   * (from its data), `cursor` the frame's `id:` (checked to be `<position>.<event id>`).
   */
  nextEvent(ms?: number): Promise<{ id: string; cursor: string; event: string; data: string }>;
  /** The last `id:` the stream sent (what EventSource would resume from). */
  lastId(): string | undefined;
  /** Resolves true when no event frame comes within `ms`. */
  quiet(ms: number): Promise<boolean>;
  close(): void;
}

async function openStream(url: string, headers: Record<string, string>): Promise<OpenStream> {
  // node:http rather than fetch: an aborted fetch leaves its pool opening a new connection that sends
  // nothing, which the server's close then waits on until the headers timeout.
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, resolve);
    req.on('error', reject);
  });
  const res = {
    status: response.statusCode!,
    headers: { get: (name: string) => (response.headers[name] as string | undefined) ?? null },
    body: response as AsyncIterable<Uint8Array>,
  };
  const abort = { abort: () => response.destroy() };
  const frames: Frame[] = [];
  let lastId: string | undefined;
  const waiters: (() => void)[] = [];
  let ended = false;
  if (res.status === 200) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const frame: Frame = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) frame.comment = line.slice(1).trim();
              else {
                const at = line.indexOf(':');
                const [name, value] = [line.slice(0, at), line.slice(at + 1).replace(/^ /, '')];
                if (name === 'retry') frame.retry = Number(value);
                else (frame as Record<string, string>)[name] = value;
              }
            }
            if (frame.id !== undefined) lastId = frame.id;
            frames.push(frame);
            waiters.splice(0).forEach((w) => w());
          }
        }
      } catch {
        // aborted by close()
      }
      ended = true;
      waiters.splice(0).forEach((w) => w());
    })();
  }
  const next = async (ms = 5000): Promise<Frame> => {
    const deadline = Date.now() + ms;
    while (frames.length === 0) {
      if (ended) throw new Error('the stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(left)]);
    }
    return frames.shift()!;
  };
  const nextEvent = async (ms = 5000) => {
    for (;;) {
      const frame = await next(ms);
      if (frame.data === undefined) continue;
      const id = (JSON.parse(frame.data) as { id: string }).id;
      assert.match(String(frame.id), new RegExp(`^\\d+\\.${id}$`), 'the id: is <position>.<event id>');
      return { id, cursor: frame.id!, event: frame.event!, data: frame.data };
    }
  };
  return {
    res,
    next,
    nextEvent,
    async quiet(ms) {
      try {
        await nextEvent(ms);
        return false;
      } catch (error) {
        if (/no frame within/.test(String(error))) return true;
        throw error;
      }
    },
    lastId: () => lastId,
    close: () => abort.abort(),
  };
}

for (const dialect of dialects) {
  describe(`event stream (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let base: string;
    const clock = new ManualClock(T0);
    const scope = (x: Tenant, environment: 'live' | 'test' = 'live'): TenantScope => ({
      organizationId: x.org.id,
      environment,
    });

    /** Records an event at the clock's time, committed at once; answers its id. */
    async function record(
      x: Tenant,
      type: EventType = 'post.created',
      environment: 'live' | 'test' = 'live',
    ) {
      const row = await recordEvent(t.runtime.ctx, t.runtime.ctx.db, scope(x, environment), {
        type,
        brandId: null,
        data: { id: `pst_${clock.now()}`, n: clock.now() },
      });
      clock.advance(1);
      return row.id;
    }

    const open = (key: string | undefined, query = '', headers: Record<string, string> = {}) =>
      openStream(`${base}/api/v1/events/stream${query}`, {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      });

    before(async () => {
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address() as { port: number };
      base = `http://127.0.0.1:${address.port}`;
    });
    after(() => t.close());

    it('opens with the headers and the retry hint, then sends each new event as GET /events shows it', async () => {
      const before = await record(tenant);
      const stream = await open(tenant.live.read);
      try {
        assert.equal(stream.res.status, 200);
        assert.equal(stream.res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        assert.equal(stream.res.headers.get('cache-control'), 'no-cache');
        assert.equal(stream.res.headers.get('x-accel-buffering'), 'no');
        assert.match(String(stream.res.headers.get('x-request-id')), /\S/);
        const opening = await stream.next();
        assert.equal(opening.retry, 3000);
        assert.match(String(opening.id), /^\d+$/, 'the opening frame carries where the stream starts');
        assert.equal(opening.data, undefined);
        // Starts now: the event before it is not sent.
        assert.equal(await stream.quiet(1500), true);
        const id = await record(tenant, 'post.published');
        const frame = await stream.nextEvent();
        assert.equal(frame.id, id);
        assert.equal(frame.event, 'post.published');
        const listed = await call(t.app, 'GET', `/api/v1/events/${id}`, { key: tenant.live.read });
        assert.deepEqual(JSON.parse(frame.data), listed.body.data);
        assert.notEqual(frame.id, before);
      } finally {
        stream.close();
      }
    });

    it("never sends another organization's or environment's events", async () => {
      const stream = await open(tenant.live.read);
      try {
        await stream.next(); // retry
        await record(other);
        await record(tenant, 'post.created', 'test');
        const mine = await record(tenant);
        assert.equal((await stream.nextEvent()).id, mine);
        assert.equal(await stream.quiet(1500), true);
      } finally {
        stream.close();
      }
      // The other organization's stream sees its own events only.
      const theirs = await open(other.live.read);
      try {
        await theirs.next();
        await record(tenant);
        const their = await record(other);
        const frame = await theirs.nextEvent();
        assert.equal(frame.id, their);
        assert.equal(JSON.parse(frame.data).organizationId, other.org.id);
      } finally {
        theirs.close();
      }
    });

    it('resumes with Last-Event-ID: exactly the missed events, in order, none twice', async () => {
      const first = await open(tenant.live.read);
      const seen: string[] = [];
      try {
        await first.next();
        const a = await record(tenant);
        const b = await record(tenant);
        seen.push((await first.nextEvent()).id, (await first.nextEvent()).id);
        assert.deepEqual(seen, [a, b]);
      } finally {
        first.close();
      }
      const missed: string[] = [];
      for (let i = 0; i < 5; i++) missed.push(await record(tenant, i % 2 ? 'post.failed' : 'post.updated'));
      const again = await open(tenant.live.read, '', { 'last-event-id': seen.at(-1)! });
      try {
        assert.equal(again.res.status, 200);
        await again.next();
        const got: string[] = [];
        for (let i = 0; i < missed.length; i++) got.push((await again.nextEvent()).id);
        assert.deepEqual(got, missed);
        assert.equal(await again.quiet(1500), true, 'nothing twice');
        const live = await record(tenant);
        assert.equal((await again.nextEvent()).id, live);
      } finally {
        again.close();
      }
      // The query parameter resumes the same way; the header wins over it.
      const byQuery = await open(tenant.live.read, `?lastEventId=${missed[2]}`);
      try {
        await byQuery.next();
        assert.equal((await byQuery.nextEvent()).id, missed[3]);
      } finally {
        byQuery.close();
      }
      const both = await open(tenant.live.read, `?lastEventId=${missed[0]}`, { 'last-event-id': missed[3]! });
      try {
        await both.next();
        assert.equal((await both.nextEvent()).id, missed[4]);
      } finally {
        both.close();
      }
    });

    it('pages through a backlog larger than one read, in order', async () => {
      const from = await record(tenant);
      const backlog: string[] = [];
      for (let i = 0; i < 230; i++) backlog.push(await record(tenant));
      const stream = await open(tenant.live.read, `?lastEventId=${from}`);
      try {
        await stream.next();
        const got: string[] = [];
        for (let i = 0; i < backlog.length; i++) got.push((await stream.nextEvent()).id);
        assert.deepEqual(got, backlog);
        assert.equal(await stream.quiet(1200), true);
      } finally {
        stream.close();
      }
    });

    it('sends in commit order: an event dated before one already sent still comes, once', async () => {
      const stream = await open(tenant.live.read);
      try {
        await stream.next();
        clock.advance(5000);
        const later = await record(tenant);
        assert.equal((await stream.nextEvent()).id, later);
        // Its id was given 3 s earlier, inside a transaction that commits only now.
        clock.advance(-3000);
        const late = await record(tenant);
        clock.advance(3000);
        const [lateEvent, laterEvent] = await Promise.all(
          [late, later].map((id) => call(t.app, 'GET', `/api/v1/events/${id}`, { key: tenant.live.read })),
        );
        assert.ok(lateEvent!.body.data.createdAt < laterEvent!.body.data.createdAt);
        assert.equal((await stream.nextEvent()).id, late);
        assert.equal(await stream.quiet(2500), true, 'each event once');
      } finally {
        stream.close();
      }
    });

    it('reconnecting with the last id loses nothing: an event dated before the last one received, committed after the client left, comes', async () => {
      const stream = await open(tenant.live.read);
      let resumeFrom: string;
      clock.advance(5000);
      try {
        await stream.next();
        const later = await record(tenant);
        assert.equal((await stream.nextEvent()).id, later);
        resumeFrom = stream.lastId()!;
      } finally {
        stream.close();
      }
      // Dated (createdAt and id) 3 s before the event the client got last: only the commit is later.
      clock.advance(-3000);
      const late = await record(tenant);
      clock.advance(3000);
      const next = await record(tenant);
      const again = await open(tenant.live.read, '', { 'last-event-id': resumeFrom });
      try {
        assert.equal(again.res.status, 200);
        await again.next();
        assert.deepEqual([(await again.nextEvent()).id, (await again.nextEvent()).id], [late, next]);
        assert.equal(await again.quiet(1500), true, 'nothing twice');
      } finally {
        again.close();
      }
    });

    it('a client that leaves before any event resumes from the id the stream opened with', async () => {
      const stream = await open(tenant.live.read);
      const opening = await stream.next();
      stream.close();
      const missed = [await record(tenant), await record(tenant, 'post.published')];
      const again = await open(tenant.live.read, '', { 'last-event-id': opening.id! });
      try {
        await again.next();
        assert.deepEqual([(await again.nextEvent()).id, (await again.nextEvent()).id], missed);
        assert.equal(await again.quiet(1200), true);
      } finally {
        again.close();
      }
    });

    it('an event whose transaction is held open is neither lost nor sent twice, live or across a reconnect', async (test) => {
      const ctx = t.runtime.ctx;
      // SQLite has one writer: no other event can commit while a write transaction is open.
      if (ctx.capabilities.singleWriter)
        return test.skip('one writer at a time: no transaction is held open');
      const staying = await open(tenant.live.read);
      const leaving = await open(tenant.live.read);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let held: Promise<void> | undefined;
      try {
        await staying.next();
        await leaving.next();
        const first = await record(tenant);
        assert.equal((await staying.nextEvent()).id, first);
        assert.equal((await leaving.nextEvent()).id, first);
        let heldId = '';
        let recorded!: () => void;
        const inTransaction = new Promise<void>((resolve) => (recorded = resolve));
        held = ctx.db.transaction().execute(async (trx) => {
          const row = await recordEvent(ctx, trx, scope(tenant), {
            type: 'post.failed',
            brandId: null,
            data: { id: 'pst_held' },
          });
          heldId = row.id;
          recorded();
          await gate;
        });
        await inTransaction;
        // Committed while the older transaction is open: held back until that one ends.
        const after = await record(tenant, 'post.published');
        assert.equal(await leaving.quiet(1500), true, 'nothing passes an open older transaction');
        const resumeFrom = leaving.lastId()!;
        leaving.close();
        release();
        await held;
        assert.deepEqual([(await staying.nextEvent()).id, (await staying.nextEvent()).id], [heldId, after]);
        const again = await open(tenant.live.read, '', { 'last-event-id': resumeFrom });
        try {
          await again.next();
          assert.deepEqual([(await again.nextEvent()).id, (await again.nextEvent()).id], [heldId, after]);
          assert.equal(await again.quiet(1500), true, 'nothing twice');
          assert.equal(await staying.quiet(500), true, 'nothing twice');
        } finally {
          again.close();
        }
      } finally {
        release();
        await held;
        staying.close();
        leaving.close();
      }
    });

    it('opening while an older transaction is open sends what commits later, not what had committed', async (test) => {
      const ctx = t.runtime.ctx;
      if (ctx.capabilities.singleWriter)
        return test.skip('one writer at a time: no transaction is held open');
      // Any open transaction of the cluster holds the settled position back; here another tenant's.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let recorded!: () => void;
      const inTransaction = new Promise<void>((resolve) => (recorded = resolve));
      const held = ctx.db.transaction().execute(async (trx) => {
        await recordEvent(ctx, trx, scope(other), {
          type: 'post.failed',
          brandId: null,
          data: { id: 'pst_o' },
        });
        recorded();
        await gate;
      });
      await inTransaction;
      const stream = await open(tenant.live.read);
      try {
        const committed = await record(tenant, 'post.updated');
        const opened = await open(tenant.live.read);
        try {
          await opened.next();
          await stream.next();
          release();
          await held;
          // The stream open before it gets it; the one opened after it had committed does not.
          assert.equal((await stream.nextEvent()).id, committed);
          assert.equal(await opened.quiet(1500), true, 'an event committed before the stream opened');
          const later = await record(tenant, 'post.published');
          assert.equal((await opened.nextEvent()).id, later);
          assert.equal((await stream.nextEvent()).id, later);
        } finally {
          opened.close();
        }
      } finally {
        release();
        await held;
        stream.close();
      }
    });

    it('an event committed after one the client saw, and dated before it, arrives on reconnect', async (test) => {
      const ctx = t.runtime.ctx;
      if (ctx.capabilities.singleWriter)
        return test.skip('one writer at a time: no transaction is held open');
      /** Records an event in a transaction held open until `commit()`. */
      const hold = async (type: EventType, dataId: string) => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let id = '';
        let recorded!: () => void;
        const inTransaction = new Promise<void>((resolve) => (recorded = resolve));
        const done = ctx.db.transaction().execute(async (trx) => {
          id = (await recordEvent(ctx, trx, scope(tenant), { type, brandId: null, data: { id: dataId } })).id;
          recorded();
          await gate;
        });
        await inTransaction;
        return {
          id,
          commit: async () => {
            release();
            await done;
          },
        };
      };
      const stream = await open(tenant.live.read);
      let second: Awaited<ReturnType<typeof hold>> | undefined;
      try {
        await stream.next();
        // The first transaction begins first, its event dated 5 s after the second one's.
        const now = clock.now();
        clock.set(now + 5000);
        const first = await hold('post.updated', 'pst_first');
        clock.set(now);
        second = await hold('post.failed', 'pst_second');
        clock.set(now + 6000);
        await first.commit();
        // The client gets the first (its transaction is older than every one still open), then leaves.
        assert.equal((await stream.nextEvent()).id, first.id);
        const resumeFrom = stream.lastId()!;
        stream.close();
        await second.commit();
        const [a, b] = await Promise.all(
          [first.id, second.id].map((id) =>
            call(t.app, 'GET', `/api/v1/events/${id}`, { key: tenant.live.read }),
          ),
        );
        assert.ok(b!.body.data.createdAt < a!.body.data.createdAt, 'dated before the event the client saw');
        const again = await open(tenant.live.read, '', { 'last-event-id': resumeFrom });
        try {
          await again.next();
          assert.equal((await again.nextEvent()).id, second.id, 'not lost');
          assert.equal(await again.quiet(1500), true, 'nothing twice');
        } finally {
          again.close();
        }
      } finally {
        stream.close();
        await second?.commit();
      }
    });

    it('keeps only the listed types with `types`', async () => {
      const stream = await open(tenant.live.read, '?types=post.failed,job.failed');
      try {
        await stream.next();
        await record(tenant, 'post.created');
        const failed = await record(tenant, 'post.failed');
        await record(tenant, 'post.published');
        const job = await record(tenant, 'job.failed');
        assert.deepEqual(
          [await stream.nextEvent(), await stream.nextEvent()].map((f) => [f.id, f.event]),
          [
            [failed, 'post.failed'],
            [job, 'job.failed'],
          ],
        );
      } finally {
        stream.close();
      }
    });

    it('serves a signed-in person through the session cookie', async () => {
      const browser = await signUpMember(t, tenant.org.id, 'viewer', `viewer-${dialect}@example.com`);
      const stream = await openStream(`${base}/api/v1/events/stream`, browserHeaders(browser, 'GET'));
      try {
        assert.equal(stream.res.status, 200);
        await stream.next();
        // A session starts in the live environment.
        await record(tenant, 'post.created', 'test');
        const id = await record(tenant, 'post.created', 'live');
        assert.equal((await stream.nextEvent()).id, id);
      } finally {
        stream.close();
      }
    });

    it('refuses bad input in the envelope before the stream starts', async () => {
      const foreign = await record(other);
      const cases: [string, Record<string, string>, string, string][] = [
        ['', { 'last-event-id': 'nope' }, 'Last-Event-ID', 'header'],
        ['', { 'last-event-id': foreign }, 'Last-Event-ID', 'header'],
        // A stream id ahead of the log was never sent by this database (e.g. one kept across a restore).
        ['', { 'last-event-id': '999999999999999' }, 'Last-Event-ID', 'header'],
        ['?lastEventId=999999999999999.evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', {}, 'lastEventId', 'query'],
        ['?lastEventId=evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', {}, 'lastEventId', 'query'],
        ['?types=post.created,post.exploded', {}, 'types', 'query'],
        ['?types=,', {}, 'types', 'query'],
      ];
      for (const [query, headers, field, location] of cases) {
        const res = await call(t.app, 'GET', `/api/v1/events/stream${query}`, {
          key: tenant.live.read,
          headers,
        });
        assert.equal(res.status, 400, `${query} ${JSON.stringify(headers)}: ${res.raw}`);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field);
        assert.equal(res.body.error.details.location, location);
      }
      // Another environment's event is foreign too.
      const testEvent = await record(tenant, 'post.created', 'test');
      const res = await call(t.app, 'GET', '/api/v1/events/stream', {
        key: tenant.live.read,
        headers: { 'last-event-id': testEvent },
      });
      assert.equal(res.status, 400);
      const anonymous = await call(t.app, 'GET', '/api/v1/events/stream');
      assert.equal(anonymous.status, 401);
    });

    it('stops reading the log when the client goes away', async () => {
      const settled = async (n: number) => {
        const deadline = Date.now() + 3000;
        while (runningEventStreams() !== n && Date.now() < deadline) await sleep(20);
        return runningEventStreams();
      };
      // The streams of the tests before have ended.
      assert.equal(await settled(0), 0);
      const streams = await Promise.all([open(tenant.live.read), open(tenant.live.read)]);
      for (const s of streams) await s.next();
      assert.equal(runningEventStreams(), 2);
      for (const s of streams) s.close();
      assert.equal(await settled(0), 0);
    });

    it('a pump stops at once when its signal aborts, leaving no timer behind', async () => {
      const start = await openEventStream(t.runtime.ctx, scope(tenant), {});
      const out = new PassThrough();
      const chunks: string[] = [];
      out.on('data', (c: Buffer) => chunks.push(c.toString()));
      const stop = new AbortController();
      const timings = { pollMs: 50, keepAliveMs: 120, retryMs: 1000, pageSize: 2 };
      // The pump's waits: the poll, and the quick reads after a ring.
      const waits = [timings.pollMs, ...AFTER_RING_MS];
      const watch = watchTimers();
      const pumping = pumpEvents(t.runtime.ctx, start, out, stop.signal, timings).finally(() => watch.stop());
      const ids = [await record(tenant), await record(tenant), await record(tenant)];
      await sleep(400);
      const text = chunks.join('');
      assert.match(text, /^retry: 1000\nid: \d+\n\n/, text);
      assert.deepEqual(
        [...text.matchAll(/^id: \d+\.(\S+)$/gm)].map((m) => m[1]),
        ids,
      );
      assert.match(text, /^: keep-alive\nid: \d+$/m);
      const stoppedAt = Date.now();
      stop.abort();
      await pumping;
      assert.ok(Date.now() - stoppedAt < 200, 'stopped within a poll');
      assert.ok(
        waits.some((ms) => watch.started(ms) > 0),
        'the pump waited between reads',
      );
      assert.equal(watch.pending(waits), 0, 'no wait left pending');
      const written = chunks.length;
      await record(tenant);
      await sleep(200);
      assert.equal(chunks.length, written, 'nothing read or written after the stop');
    });

    it('app.close() ends open streams promptly instead of waiting for them', async () => {
      const own = await createTestApp(dialect, { clock });
      const x = await createTenant(own);
      await own.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (own.app.server.address() as { port: number }).port;
      const stream = await openStream(`http://127.0.0.1:${port}/api/v1/events/stream`, {
        authorization: `Bearer ${x.live.read}`,
      });
      await stream.next();
      const started = Date.now();
      await own.close();
      assert.ok(Date.now() - started < 3000, `closed in ${Date.now() - started} ms`);
      await assert.rejects(stream.next(2000), /the stream ended/);
    });
  });
}
