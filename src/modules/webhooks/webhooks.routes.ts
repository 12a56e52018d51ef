import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { listParams } from '../../http/list-params.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { auditOrigin } from '../audit/index.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorResponse, IdParams, ListEnvelope } from '../../http/schemas.js';
import type { SecretBox } from '../../shared/secret-box.js';
import * as deliveries from './webhooks.deliveries.js';
import * as schema from './webhooks.schemas.js';
import * as service from './webhooks.service.js';

const Params = IdParams('Webhook endpoint', 'whk_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const DeliveryParams = Type.Object(
  {
    ...Params.properties,
    deliveryId: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Delivery id',
      examples: ['dlv_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'],
    }),
  },
  { additionalProperties: false },
);
const TAGS = ['Webhooks'];
const readOnly = schema.WEBHOOK_READ_ONLY_FIELDS;
const ENABLE_NOTE =
  '`enabled: true` re-enables an endpoint Audenci disabled and clears `disabledReason` and `failingSince`. ' +
  'A new `url` is checked as at creation (public addresses only).';
// Webhooks are organization settings: every route, reads included, needs `admin` (docs/api.md, scopes).
const config = { scope: 'admin' } as const;

export interface WebhooksRouteDeps extends RouteDeps {
  webhookBox: SecretBox;
}

export async function webhooksRoutes(app: FastifyInstance, deps: WebhooksRouteDeps): Promise<void> {
  const ctx: service.WebhooksContext = {
    ...deps.ctx,
    secrets: deps.webhookBox,
    allowPrivateUrls: deps.config.allowPrivateUrls,
  };
  const webhooks = resourceRoutes(app, {
    path: '/webhooks',
    tags: TAGS,
    params: Params,
    item: schema.WebhookEndpointSchema,
  });
  /** Routes whose body names a URL and events: checked by `webhookInputProblems` with the schema. */
  const bodyChecked = {
    ...config,
    inputChecks: {
      body: (body: Record<string, unknown>) => service.webhookInputProblems(body, ctx.allowPrivateUrls),
      message: service.webhookProblemsMessage,
    },
  };

  webhooks.list(
    {
      config,
      operationId: 'listWebhooks',
      summary: 'List webhook endpoints',
      querystring: schema.ListWebhooksQuery,
      answer: 'A page of webhook endpoints',
    },
    (request, page) => service.listEndpoints(ctx, request.principal, page),
  );

  webhooks.create(
    {
      config: bodyChecked,
      preValidation: readOnly.refuse,
      operationId: 'createWebhook',
      summary: 'Create a webhook endpoint',
      description:
        'Answers with the signing `secret`, shown only here. The URL must resolve to a public address ' +
        '(400 naming `url` otherwise); unknown event types are 400 naming them.',
      body: schema.CreateWebhookBody,
      item: schema.WebhookEndpointWithSecretSchema,
      answer: 'The endpoint and its secret',
    },
    (request) => service.createEndpoint(ctx, request.principal, request.body, auditOrigin(request)),
    (request, path) => resourceUrl(deps, request, path),
  );

  webhooks.get({ config, operationId: 'getWebhook', summary: 'Retrieve a webhook endpoint' }, (request, id) =>
    service.getEndpoint(ctx, request.principal, id),
  );

  webhooks.edit(
    {
      config: bodyChecked,
      readOnly,
      current: (request, id) => service.getEndpoint(ctx, request.principal, id),
      replace: {
        operationId: 'replaceWebhook',
        summary: 'Replace a webhook endpoint',
        description:
          'PUT replaces the editable fields: `url` and `events` are required; `description` left out becomes ' +
          'null and `enabled` true (as at creation). Use PATCH to change some fields only. The body may carry ' +
          'the read-only fields (`id`, `disabledReason`, `failingSince`, `previousSecretExpiresAt`, ' +
          '`createdAt`, `updatedAt`) exactly as GET returned them, so an endpoint read with GET can be sent ' +
          `back edited; a read-only field with another value, or \`secret\`, is 400 naming it. ${ENABLE_NOTE}`,
        body: schema.ReplaceWebhookBody,
      },
      update: {
        operationId: 'updateWebhook',
        summary: 'Update some fields of a webhook endpoint',
        description:
          'PATCH changes the fields it names; fields left out are unchanged. Read-only fields are refused ' +
          `(400). ${ENABLE_NOTE}`,
        body: schema.UpdateWebhookBody,
      },
    },
    (request, id, mode) =>
      service.updateEndpoint(ctx, request.principal, id, request.body, mode, auditOrigin(request)),
  );

  webhooks.delete(
    {
      config,
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook endpoint',
      description: 'Its delivery log goes with it; nothing more is sent to it.',
    },
    (request, id) => service.deleteEndpoint(ctx, request.principal, id, auditOrigin(request)),
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof schema.RotateSecretBody> }>(
    '/webhooks/:id/rotate-secret',
    {
      config,
      schema: {
        tags: TAGS,
        operationId: 'rotateWebhookSecret',
        summary: "Rotate a webhook endpoint's secret",
        description:
          'Issues a new secret, shown only here. For `overlapSeconds` (default 24 h) deliveries carry two ' +
          'signatures, `v1,<new> v1,<old>`, so receivers can switch without missing one.',
        params: Params,
        body: schema.RotateSecretBody,
        response: {
          200: DataEnvelope(
            Type.Ref(schema.WebhookEndpointWithSecretSchema),
            'The endpoint and its new secret',
          ),
        },
      },
    },
    async (request) => ({
      data: await service.rotateSecret(
        ctx,
        request.principal,
        request.params.id,
        auditOrigin(request),
        request.body.overlapSeconds,
      ),
    }),
  );

  app.post<{ Params: Static<typeof Params> }>(
    '/webhooks/:id/test',
    {
      // The test event is delivered while the request waits.
      config: { ...config, outbound: true },
      schema: {
        tags: TAGS,
        operationId: 'testWebhook',
        summary: 'Send a test event',
        description:
          'Sends a `webhook.test` event (not written to the event log) like any other delivery: signed, ' +
          'retried, and shown in the delivery log. 409 when the endpoint is disabled.',
        params: Params,
        response: {
          409: ErrorResponse('The endpoint is disabled; enable it first'),
          202: DataEnvelope(Type.Ref(schema.WebhookDeliverySchema), 'The delivery, pending'),
        },
      },
    },
    async (request, reply) => {
      const delivery = await deliveries.sendTestEvent(ctx, request.principal, request.params.id);
      reply
        .code(202)
        .header(
          'Location',
          resourceUrl(deps, request, `/webhooks/${delivery.webhookId}/deliveries/${delivery.id}`),
        );
      return { data: delivery };
    },
  );

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof schema.ListDeliveriesQuery> }>(
    '/webhooks/:id/deliveries',
    {
      config,
      schema: {
        tags: TAGS,
        operationId: 'listWebhookDeliveries',
        summary: "List a webhook endpoint's deliveries",
        description: 'Newest first, each with its attempts. Filter by `status`.',
        params: Params,
        querystring: schema.ListDeliveriesQuery,
        response: { 200: ListEnvelope(Type.Ref(schema.WebhookDeliverySchema), 'A page of deliveries') },
      },
    },
    async (request) =>
      deliveries.listDeliveries(ctx, request.principal, request.params.id, listParams(request.query), {
        status: request.query.status,
      }),
  );

  app.get<{ Params: Static<typeof DeliveryParams> }>(
    '/webhooks/:id/deliveries/:deliveryId',
    {
      config,
      schema: {
        tags: TAGS,
        operationId: 'getWebhookDelivery',
        summary: 'Retrieve a delivery',
        params: DeliveryParams,
        response: { 200: DataEnvelope(Type.Ref(schema.WebhookDeliverySchema)) },
      },
    },
    async (request) => ({
      data: await deliveries.getDelivery(
        ctx,
        request.principal,
        request.params.id,
        request.params.deliveryId,
      ),
    }),
  );

  app.post<{ Params: Static<typeof DeliveryParams> }>(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config,
      schema: {
        tags: TAGS,
        operationId: 'retryWebhookDelivery',
        summary: 'Retry a delivery',
        description:
          'One more attempt now, with the same body and `webhook-id`, of a succeeded or failed delivery. ' +
          '409 while an attempt is pending or when the endpoint is disabled.',
        params: DeliveryParams,
        response: {
          409: ErrorResponse('The endpoint is disabled, or an attempt of this delivery is already pending'),
          202: DataEnvelope(Type.Ref(schema.WebhookDeliverySchema), 'The delivery, pending'),
        },
      },
    },
    async (request, reply) => {
      const { id, deliveryId } = request.params;
      const delivery = await deliveries.retryDelivery(ctx, request.principal, id, deliveryId);
      reply
        .code(202)
        .header('Location', resourceUrl(deps, request, `/webhooks/${id}/deliveries/${deliveryId}`));
      return { data: delivery };
    },
  );
}
