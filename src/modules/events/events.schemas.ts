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

const EVENT_ID_EXAMPLE = 'evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';
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
          'Resume strictly after this event, as `Last-Event-ID` does (for clients that cannot set headers); ' +
          'the header wins when both are sent',
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
        'The `id:` of the last event received: the stream resumes strictly after it. EventSource sends it ' +
        'when it reconnects.',
      examples: [EVENT_ID_EXAMPLE],
    }),
  ),
});

/** The body of `GET /events/stream`: server-sent events, without end. */
export const EventStreamText = {
  type: 'string',
  description:
    'Server-sent events (`text/event-stream`), one per event: `id: <event id>`, `event: <type>`, ' +
    '`data: <the event as GET /events shows it, one line of JSON>`, then a blank line. The stream opens ' +
    'with a `retry:` line and sends a `: keep-alive` comment when idle for 15 s.',
  examples: [
    'retry: 3000\n\nid: evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8\nevent: post.published\ndata: {"id":"evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8","type":"post.published",…}\n\n',
  ],
} as const;
