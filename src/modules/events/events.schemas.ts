import { Type } from '@sinclair/typebox';
import { DateOrDateTime, ListQuery } from '../../http/schemas.js';
import { EVENT_TYPES } from '../../db/tables/events.js';
import { eventProperties } from '../webhooks/index.js';

export const EventTypeSchema = Type.Unsafe<(typeof EVENT_TYPES)[number]>({
  type: 'string',
  enum: [...EVENT_TYPES],
  description: 'What happened',
});

export const EventSchema = Type.Object(eventProperties, {
  $id: 'Event',
  title: 'Event',
  additionalProperties: false,
  description: 'A state change, as listed by `GET /events`.',
});

const DateFilter = (description: string) =>
  DateOrDateTime({ description, examples: ['2026-12-01T00:00:00Z'] });

export const ListEventsQuery = ListQuery(['createdAt'], {
  type: Type.Optional(EventTypeSchema),
  startDate: Type.Optional(DateFilter('createdAt on or after this (inclusive)')),
  endDate: Type.Optional(DateFilter('createdAt before this (exclusive)')),
});

const EVENT_ID_EXAMPLE = '48211.evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';
const TYPES_LIST_LENGTH = EVENT_TYPES.join(',').length;

export const StreamEventsQuery = Type.Object(
  {
    types: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: TYPES_LIST_LENGTH,
        description: `Only these event types, comma-separated (of: ${EVENT_TYPES.join(', ')}); all when absent`,
        examples: ['post.published,post.failed'],
      }),
    ),
    lastEventId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'Resume where an `id:` of the stream left off, as `Last-Event-ID` does (for clients that cannot ' +
          'set headers); the id of an event (`evt_…`) resumes after that event. The header wins when both ' +
          'are sent',
        examples: [EVENT_ID_EXAMPLE],
      }),
    ),
  },
  { additionalProperties: false },
);

export const StreamEventsHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'The last `id:` the stream sent (EventSource sends it when it reconnects): the stream resumes there, ' +
        'without loss. The id of an event (`evt_…`, e.g. from `GET /events`) resumes after that event.',
      examples: [EVENT_ID_EXAMPLE],
    }),
  ),
});

/** The body of `GET /events/stream`: server-sent events, without end. */
export const EventStreamText = {
  type: 'string',
  description:
    'Server-sent events (`text/event-stream`), one per event: `id: <position>.<event id>` (where to ' +
    'resume), `event: <type>`, `data: <the event as GET /events shows it, one line of JSON>`, then a ' +
    'blank line. The stream opens with `retry:` and `id: <position>` (where it starts) and sends ' +
    '`: keep-alive` with the current `id:` when idle for 15 s.',
  examples: [
    'retry: 3000\nid: 48210\n\nid: 48211.evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8\nevent: post.published\ndata: {"id":"evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8","type":"post.published",…}\n\n',
  ],
} as const;
