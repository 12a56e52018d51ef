import { Type } from '@sinclair/typebox';
import { DateTime, ListQuery, Nullable } from '../../http/schemas.js';
import { EVENT_TYPES } from './events.table.js';

export const EventTypeSchema = Type.Unsafe<(typeof EVENT_TYPES)[number]>({
  type: 'string',
  enum: [...EVENT_TYPES],
  description: 'What happened',
});

export const EventSchema = Type.Object(
  {
    id: Type.String({ examples: ['evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'] }),
    type: Type.Unsafe<(typeof EVENT_TYPES)[number]>({
      type: 'string',
      enum: [...EVENT_TYPES],
      description: 'What happened. A webhook delivery sent by `POST /webhooks/{id}/test` is `webhook.test`.',
      examples: ['post.published'],
    }),
    createdAt: DateTime(),
    organizationId: Type.String(),
    environment: Type.Unsafe<'live' | 'test'>({ type: 'string', enum: ['live', 'test'] }),
    brandId: Nullable(Type.String()),
    data: Type.Object(
      {},
      {
        additionalProperties: true,
        description: 'The object the event is about, as the API showed it when the event happened',
      },
    ),
  },
  {
    $id: 'Event',
    title: 'Event',
    additionalProperties: false,
    description:
      'A state change, as listed by `GET /events` and sent to webhook endpoints (the body of a delivery).',
  },
);

const DateFilter = (description: string) =>
  Type.String({ minLength: 10, maxLength: 40, description, examples: ['2026-12-01T00:00:00Z'] });

export const ListEventsQuery = ListQuery(['createdAt'], {
  type: Type.Optional(EventTypeSchema),
  startDate: Type.Optional(DateFilter('createdAt on or after this (inclusive)')),
  endDate: Type.Optional(DateFilter('createdAt before this (exclusive)')),
});
