// client.events.stream() against a real server: typed events as they are recorded, the types filter,
// reconnecting with Last-Event-ID after the connection drops (nothing lost, nothing twice), and the end
// when the signal aborts.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Audenci, InvalidInputError, type Event } from '@audenci/sdk-js';
import { dialects, makeBrand, startServer, type LiveServer } from './helpers.js';

/** Takes `n` events from an iterator, failing after `ms`. */
async function take(iterator: AsyncIterator<Event>, n: number, ms = 8000): Promise<Event[]> {
  const out: Event[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, left)).unref()),
    ]);
    if (next === 'timeout') throw new Error(`${out.length} of ${n} events within ${ms} ms`);
    if (next.done) throw new Error(`the stream ended after ${out.length} of ${n} events`);
    out.push(next.value);
  }
  return out;
}

for (const dialect of dialects) {
  describe(`events.stream against a real server (${dialect})`, () => {
    let server: LiveServer;
    let client: Audenci;
    let brandId: string;

    before(async () => {
      server = await startServer(dialect);
      client = server.client();
      brandId = await makeBrand(client);
    });
    after(async () => {
      // Node's fetch opens a fresh connection to the origin after a streaming request is aborted; it
      // sends nothing, and the server's close would wait for it until the headers timeout.
      server.t.app.server.closeAllConnections();
      await server.close();
    });

    const createPost = async (caption: string) =>
      (await client.posts.create({ brandId, platform: 'twitter', caption })).id;

    /** Waits until the stream's connection is open (its first read is done), then a moment more. */
    const opened = () => new Promise((r) => setTimeout(r, 400));

    it('yields each new event, typed, and filters by type', async () => {
      const abort = new AbortController();
      const all = client.events.stream({ signal: abort.signal })[Symbol.asyncIterator]();
      const deletions = client.events.stream({ types: ['post.deleted'], signal: abort.signal });
      const published = deletions[Symbol.asyncIterator]();
      const firstAll = take(all, 2);
      const firstDeleted = take(published, 1);
      await opened();
      const id = await createPost('Streamed');
      await client.posts.delete(id);
      const events = await firstAll;
      assert.deepEqual(
        events.map((e) => [e.type, (e.data as { id: string }).id]),
        [
          ['post.created', id],
          ['post.deleted', id],
        ],
      );
      assert.match(events[0]!.id, /^evt_/);
      assert.equal(events[0]!.organizationId, server.tenant.org.id);
      const [deleted] = await firstDeleted;
      assert.equal(deleted!.id, events[1]!.id);
      abort.abort();
      assert.deepEqual(await all.next(), { done: true, value: undefined });
      assert.deepEqual(await published.next(), { done: true, value: undefined });
    });

    it('reconnects with Last-Event-ID after a dropped connection: nothing lost, nothing twice', async () => {
      const abort = new AbortController();
      const states: string[] = [];
      const stream = client.events.stream({
        signal: abort.signal,
        maxReconnectDelay: 300,
        onConnectionChange: (state) => states.push(state),
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = take(iterator, 1);
      await opened();
      const a = await createPost('before the drop');
      const [eventA] = await first;
      assert.equal((eventA!.data as { id: string }).id, a);
      // The stream's id: the event's place in the log, then its id.
      assert.match(String(stream.lastEventId), new RegExp(`^\\d+\\.${eventA!.id}$`));
      // The server drops every connection; events are written while the client is away.
      server.t.app.server.closeAllConnections();
      const missed = [await createPost('while away 1'), await createPost('while away 2')];
      const after = await take(iterator, 2);
      assert.deepEqual(
        after.map((e) => (e.data as { id: string }).id),
        missed,
      );
      const c = await createPost('after');
      const [eventC] = await take(iterator, 1);
      assert.equal((eventC!.data as { id: string }).id, c, 'the next event, not a repeat');
      assert.deepEqual(states, ['open', 'reconnecting', 'open'], 'told of the drop and the reconnection');
      abort.abort();
      assert.equal((await iterator.next()).done, true);
    });

    it('starts after lastEventId, and rejects one the server does not know', async () => {
      const from = await createPost('resume from here');
      const listed = await client.events.list({ type: 'post.created', limit: 1 });
      const fromEvent = listed.data[0]!;
      assert.equal((fromEvent.data as { id: string }).id, from);
      const next = await createPost('after it');
      const abort = new AbortController();
      const resumed = client.events.stream({ lastEventId: fromEvent.id, signal: abort.signal });
      const iterator = resumed[Symbol.asyncIterator]();
      const [event] = await take(iterator, 1);
      assert.equal((event!.data as { id: string }).id, next);
      abort.abort();
      await iterator.return?.();

      const unknown = client.events.stream({ lastEventId: 'evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8' });
      await assert.rejects(
        (async () => {
          for await (const e of unknown) void e;
        })(),
        (error) => error instanceof InvalidInputError && error.status === 400,
      );
    });
  });
}

describe('events.stream idle timeout', () => {
  it('reconnects, with the last id, a connection that stays silent longer than idleTimeout', async () => {
    // A server that answers the stream, sends its opening id and then nothing, as a dead connection would.
    const seen: (string | undefined)[] = [];
    const responses: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`retry: 50\nid: ${40 + seen.length}\n\n`);
      responses.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = new Audenci({ apiKey: 'sk_test_idle', baseUrl: `http://127.0.0.1:${port}` });
    const abort = new AbortController();
    const states: string[] = [];
    const stream = client.events.stream({
      signal: abort.signal,
      idleTimeout: 300,
      maxReconnectDelay: 100,
      onConnectionChange: (state) => states.push(state),
    });
    const iterating = (async () => {
      for await (const event of stream) void event;
    })();
    try {
      const deadline = Date.now() + 5000;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        seen.slice(0, 3),
        [undefined, '41', '42'],
        'each reconnection resumes from the last id',
      );
      assert.deepEqual(states.slice(0, 4), ['open', 'reconnecting', 'open', 'reconnecting']);
    } finally {
      abort.abort();
      await iterating;
      for (const res of responses) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
