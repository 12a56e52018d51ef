import { Type } from '@sinclair/typebox';
import { DateTime, Id, Nullable } from '../../http/schemas.js';
import { EVENT_TYPES, TEST_EVENT_TYPE } from '../../db/tables/events.js';

/**
 * The event object: what `GET /events` lists and what a webhook delivery carries as its body
 * (`eventPayload` writes it key for key). It is defined here, with the deliveries, because the events
 * module fans each event out to the webhooks: the events module builds its `Event` from these
 * properties, and the webhooks module never imports the events module.
 */
export const eventProperties = {
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
