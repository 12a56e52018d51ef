export { enqueueDeliveries, fanoutEndpointsQuery, type FanoutEndpoint } from './webhooks.fanout.js';
export { DELIVER_JOB } from './webhooks.jobs.js';
export { webhooksWorkerParts, type DeliveryDeps, type DeliveryObservation } from './webhooks.jobs.js';
export {
  WebhookAttemptSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from './webhooks.schemas.js';
export { eventProperties, WebhookEventSchema } from './webhooks.payload.schemas.js';
export { webhooksRoutes, type WebhooksRouteDeps } from './webhooks.routes.js';
