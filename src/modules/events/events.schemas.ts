import { Type } from '@sinclair/typebox';
import { DateOrDateTime, DateTime, Id, ListQuery, Nullable } from '../../http/schemas.js';
import { EVENT_TYPES, TEST_EVENT_TYPE } from '../../db/tables/events.js';

export const EventTypeSchema = Type.Unsafe<(typeof EVENT_TYPES)[number]>({
  type: 'string',
  enum: [...EVENT_TYPES],
  description: 'What happened',
});

const eventProperties = {
  id: Id('evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
  type: Type.Unsafe<(typeof EVENT_TYPES)[number]>({
    type: 'string',
    enum: [...EVENT_TYPES],
    description: 'What happened',
    examples: ['post.published'],
  }),
  createdAt: DateTime(),
  organizationId: Id('org_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
  environment: Type.Unsafe<'live' | 'test'>({ type: 'string', enum: ['live', 'test'] }),
  brandId: Nullable(Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8')),
  data: Type.Object(
    {},
    {
      additionalProperties: true,
      description: 'The object the event is about, as the API showed it when the event happened',
    },
  ),
};

export const EventSchema = Type.Object(eventProperties, {
  $id: 'Event',
  title: 'Event',
  additionalProperties: false,
  description: 'A state change, as listed by `GET /events`.',
});

/** The types a webhook delivery can carry: every logged event type, and the test event. */
export const WEBHOOK_EVENT_TYPES = [...EVENT_TYPES, TEST_EVENT_TYPE] as const;

export const WebhookEventSchema = Type.Object(
  {
    ...eventProperties,
    type: Type.Unsafe<(typeof WEBHOOK_EVENT_TYPES)[number]>({
      type: 'string',
      enum: [...WEBHOOK_EVENT_TYPES],
      description:
        'What happened: an event type of the log, or `webhook.test` for a delivery sent by `POST /webhooks/{id}/test`',
      examples: ['post.published'],
    }),
  },
  {
    $id: 'WebhookEvent',
    title: 'WebhookEvent',
    additionalProperties: false,
    description:
      'The body of a webhook delivery: an event of the log as `GET /events` shows it, or a test event.',
  },
);

const DateFilter = (description: string) =>
  DateOrDateTime({ description, examples: ['2026-12-01T00:00:00Z'] });

export const ListEventsQuery = ListQuery(['createdAt'], {
  type: Type.Optional(EventTypeSchema),
  startDate: Type.Optional(DateFilter('createdAt on or after this (inclusive)')),
  endDate: Type.Optional(DateFilter('createdAt before this (exclusive)')),
});
