import { Type } from '@sinclair/typebox';
import { readOnlyFields } from '../../http/read-only.js';
import { Count, DateTime, Id, Int32, ListQuery, Nullable } from '../../http/schemas.js';
import { EVENT_TYPES } from '../../db/tables/events.js';
import { WEBHOOK_EVENT_TYPES, WebhookEventSchema } from './webhooks.payload.schemas.js';
import { RESPONSE_BODY_BYTES } from './webhooks.send.js';
import {
  ATTEMPT_ERROR_LENGTH,
  ATTEMPT_OUTCOMES,
  ATTEMPTS_SHOWN,
  DELIVERY_STATUSES,
  DISABLED_REASONS,
} from '../../db/tables/webhooks.js';

const WEBHOOK_EXAMPLE = 'whk_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';
const DELIVERY_EXAMPLE = 'dlv_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';
const SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3nRJ4Kz2Jxo=';

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where deliveries are POSTed: http or https, resolving to a public address (private, loopback and ' +
    'link-local addresses are refused unless the server sets AUDENCI_ALLOW_PRIVATE_URLS=true)',
  examples: ['https://example.com/webhooks/audenci'],
});
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 64, examples: ['post.published'] }), {
  minItems: 1,
  maxItems: EVENT_TYPES.length + 1,
  uniqueItems: true,
  description: `Event types to receive (${EVENT_TYPES.join(', ')}), or \`["*"]\` for all of them`,
});
/** A status an endpoint answered (Node reads three digits). */
const HttpStatus = Int32(100, 999);
const Description = Nullable(Type.String({ maxLength: 500, examples: ['Production CRM sync'] }));

const endpointProperties = {
  id: Id(WEBHOOK_EXAMPLE),
  url: Url,
  description: Description,
  events: Events,
  enabled: Type.Boolean(),
  disabledReason: Nullable(
    Type.Unsafe<(typeof DISABLED_REASONS)[number]>({ type: 'string', enum: [...DISABLED_REASONS] }),
    {
      description:
        'Why Audenci disabled the endpoint: `gone` (it answered 410), `failing` (every attempt failed for ' +
        'AUDENCI_WEBHOOK_DISABLE_AFTER_HOURS); null otherwise. `PATCH {"enabled": true}` re-enables it.',
    },
  ),
  failingSince: Nullable(DateTime(), {
    description: 'Start of the current unbroken run of failed attempts; null after a success',
  }),
  previousSecretExpiresAt: Nullable(DateTime(), {
    description: 'While a rotated-out secret still signs deliveries (both signatures are sent): until when',
  }),
  createdAt: DateTime(),
  updatedAt: DateTime(),
};

export const WebhookEndpointSchema = Type.Object(endpointProperties, {
  $id: 'WebhookEndpoint',
  title: 'WebhookEndpoint',
  description:
    'A URL that receives signed event deliveries. Its secret is shown only at creation and rotation.',
  additionalProperties: false,
});

export const WebhookEndpointWithSecretSchema = Type.Object(
  {
    ...endpointProperties,
    secret: Type.String({
      maxLength: 100,
      description:
        'The signing secret (Standard Webhooks `whsec_…`). Shown only in this response: store it now.',
      examples: [SECRET_EXAMPLE],
    }),
  },
  { $id: 'WebhookEndpointWithSecret', title: 'WebhookEndpointWithSecret', additionalProperties: false },
);

export const WebhookAttemptSchema = Type.Object(
  {
    attempt: Count({ minimum: 1 }),
    startedAt: DateTime(),
    // An attempt is cut off by AUDENCI_WEBHOOK_TIMEOUT_MS (at most 120 s) long before this.
    durationMs: Int32(0, 2_147_483_647),
    outcome: Type.Unsafe<(typeof ATTEMPT_OUTCOMES)[number]>({
      type: 'string',
      enum: [...ATTEMPT_OUTCOMES],
      description:
        '`succeeded` (2xx), `http_error` (another status), `timeout`, `network_error` (no answer), ' +
        '`blocked` (the address is private: refused by the SSRF guard)',
    }),
    responseStatus: Nullable(HttpStatus),
    responseBody: Nullable(Type.String({ maxLength: RESPONSE_BODY_BYTES }), {
      description: 'The first 1 KB of the answer',
    }),
    error: Nullable(Type.String({ maxLength: ATTEMPT_ERROR_LENGTH })),
  },
  { $id: 'WebhookAttempt', title: 'WebhookAttempt', additionalProperties: false },
);

const DeliveryStatus = Type.Unsafe<(typeof DELIVERY_STATUSES)[number]>({
  type: 'string',
  enum: [...DELIVERY_STATUSES],
  description:
    '`pending`: an attempt is due (see `nextAttemptAt`); `succeeded`; `failed`: no attempt is left',
});

export const WebhookDeliverySchema = Type.Object(
  {
    id: Id(DELIVERY_EXAMPLE),
    webhookId: Id(WEBHOOK_EXAMPLE),
    eventId: Id('evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', { description: 'Sent as `webhook-id` on every attempt' }),
    eventType: Type.Unsafe<(typeof WEBHOOK_EVENT_TYPES)[number]>({
      type: 'string',
      enum: [...WEBHOOK_EVENT_TYPES],
      examples: ['post.published'],
    }),
    status: DeliveryStatus,
    attemptCount: Count(),
    nextAttemptAt: Nullable(DateTime()),
    lastResponseStatus: Nullable(HttpStatus),
    lastError: Nullable(Type.String({ maxLength: ATTEMPT_ERROR_LENGTH })),
    payload: Type.Ref(WebhookEventSchema, { description: 'The request body every attempt sends' }),
    attempts: Type.Array(Type.Ref(WebhookAttemptSchema), {
      maxItems: ATTEMPTS_SHOWN,
      description: `The latest ${ATTEMPTS_SHOWN} attempts, oldest first (\`attemptCount\` counts them all)`,
    }),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  {
    $id: 'WebhookDelivery',
    title: 'WebhookDelivery',
    description: 'One event sent to one endpoint, with every attempt made so far.',
    additionalProperties: false,
  },
);

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  {
    additionalProperties: false,
    examples: [{ url: 'https://example.com/webhooks/audenci', events: ['post.published', 'post.failed'] }],
  },
);

const Enabled = Type.Boolean({
  description: 'true re-enables an endpoint Audenci disabled (clears disabledReason and failingSince)',
});

/** PATCH: only the fields to change. */
export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    enabled: Type.Optional(Enabled),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ enabled: true }] },
);

export const RotateSecretBody = Type.Object(
  {
    overlapSeconds: Type.Optional(
      Int32(0, 7 * 86_400, {
        default: 86_400,
        description:
          'How long the old secret keeps signing alongside the new one (default 24 h, at most 7 days; 0 ends it now)',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ overlapSeconds: 3600 }] },
);

export const ListWebhooksQuery = ListQuery(['createdAt'], {});

export const ListDeliveriesQuery = ListQuery(['createdAt'], {
  status: Type.Optional(DeliveryStatus),
});

/** Fields clients may not set on an endpoint: refused by POST and PATCH, compared by PUT. */
export const WEBHOOK_READ_ONLY = [
  'id',
  'secret',
  'disabledReason',
  'failingSince',
  'previousSecretExpiresAt',
  'createdAt',
  'updatedAt',
] as const;

export const WEBHOOK_READ_ONLY_FIELDS = readOnlyFields(WebhookEndpointSchema, WEBHOOK_READ_ONLY);

/**
 * PUT: the whole editable endpoint; `description` left out becomes null and `enabled` true (as at
 * creation). It may also carry the read-only fields exactly as GET returned them (never `secret`).
 */
export const ReplaceWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    description: Type.Optional(Description),
    enabled: Type.Optional(
      Type.Boolean({
        default: true,
        description: `${Enabled.description}; left out, true`,
      }),
    ),
    ...WEBHOOK_READ_ONLY_FIELDS.echo,
  },
  {
    additionalProperties: false,
    examples: [
      {
        url: 'https://example.com/webhooks/audenci',
        events: ['post.published', 'post.failed'],
        description: 'Production CRM sync',
        enabled: true,
      },
    ],
  },
);
