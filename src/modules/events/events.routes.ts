import { PassThrough } from 'node:stream';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../route-deps.js';
import { dateRangeProblems } from '../../shared/dates.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { IdParams } from '../../http/schemas.js';
import {
  EventSchema,
  EventStreamText,
  ListEventsQuery,
  StreamEventsHeaders,
  StreamEventsQuery,
} from './events.schemas.js';
import * as service from './events.service.js';
import { openEventStream, pumpEvents } from './events.stream.js';

const Params = IdParams('Event', 'evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Events'];

export async function eventsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;
  const events = resourceRoutes(app, { path: '/events', tags: TAGS, params: Params, item: EventSchema });

  events.list(
    {
      config: { scope: 'read', inputChecks: { query: dateRangeProblems } },
      operationId: 'listEvents',
      summary: 'List events',
      description:
        'The event log webhooks are made from, newest first. Filter by `type` and by a `createdAt` range ' +
        '(`startDate` inclusive, `endDate` exclusive).',
      querystring: ListEventsQuery,
    },
    async (request, page) => {
      const { type, startDate, endDate } = request.query;
      return service.listEvents(ctx, request.principal, page, { type, startDate, endDate });
    },
  );

  events.get(
    { config: { scope: 'read' }, operationId: 'getEvent', summary: 'Retrieve an event' },
    (request, id) => service.getEvent(ctx, request.principal, id),
  );

  streamRoute(app, deps);
}

const STREAM_DESCRIPTION = [
  "The organization's event log in this environment as server-sent events (`text/event-stream`), for",
  'EventSource (with the session cookie, same origin), API keys and the CLI. Each event is a frame:',
  '`id: <position>.<event id>`, `event: <event type>`, `data: <the event exactly as GET /events shows one',
  'item>`, then a blank line. The stream opens with `retry: 3000` and `id: <position>` (where it starts),',
  'and sends a `: keep-alive` comment with the current `id:` after 15 s without an event.',
  '',
  'Without `Last-Event-ID` (or `lastEventId`) the stream starts now: only events committed from then on.',
  'With the last `id:` the stream sent (EventSource sends it on reconnect by itself), it resumes exactly',
  'there: every event a `GET /events` would list that the client has not received, none twice, none',
  'lost — also an event whose transaction was still open when the client left. The id of an event',
  "(`evt_…`) resumes after that event; one that is not this tenant's (or older than the retention",
  'period), a stream id ahead of the log (kept across a restore of the database) or a malformed id is a',
  '400 before the stream starts.',
  '',
  'Order: commit order, oldest first. An event is sent once its place in the log is settled: on',
  'PostgreSQL once every transaction that began before its own has ended (a transaction held open',
  'delays the stream, it never loses an event). `types` keeps only the listed types.',
  '',
  'The stream is one request for the rate limit (counted when it opens) and has no time limit; it ends',
  'when the client disconnects, and when the server shuts down (reconnect with `Last-Event-ID`).',
].join('\n');

/** `GET /events/stream`; open streams end when the app closes, so a shutdown never waits on them. */
function streamRoute(app: FastifyInstance, deps: RouteDeps): void {
  const { ctx } = deps;
  const open = new Map<AbortController, Promise<void>>();
  app.addHook('preClose', async () => {
    for (const stop of open.keys()) stop.abort();
    await Promise.allSettled(open.values());
  });

  app.get<{ Querystring: Static<typeof StreamEventsQuery>; Headers: Static<typeof StreamEventsHeaders> }>(
    '/events/stream',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'streamEvents',
        summary: 'Stream events',
        description: STREAM_DESCRIPTION,
        querystring: StreamEventsQuery,
        headers: StreamEventsHeaders,
        response: {
          200: {
            description: 'The event stream (it does not end by itself)',
            content: { 'text/event-stream': { schema: EventStreamText } },
          },
        },
      },
    },
    async (request, reply) => {
      const start = await openEventStream(ctx, request.principal, {
        types: request.query.types,
        lastEventId: request.query.lastEventId,
        lastEventIdHeader: request.headers['last-event-id'],
      });
      reply
        .type('text/event-stream; charset=utf-8')
        .header('Cache-Control', 'no-cache')
        // nginx and proxies like it buffer responses; events must reach the client as they come.
        .header('X-Accel-Buffering', 'no');
      if (request.method === 'HEAD') return reply.send();
      const body = new PassThrough();
      // Fastify destroys the body when the client goes away; a write racing that must not throw.
      body.on('error', () => undefined);
      const stop = new AbortController();
      reply.raw.once('close', () => stop.abort());
      const pumping = pumpEvents(ctx, start, body, stop.signal)
        .catch((error: unknown) => {
          // The client resumes from its last event; the stream ends rather than sending a broken frame.
          request.log.warn({ err: error }, 'event stream stopped: reading the event log failed');
        })
        .finally(() => {
          open.delete(stop);
          body.end();
        });
      open.set(stop, pumping);
      return reply.send(body);
    },
  );
}
