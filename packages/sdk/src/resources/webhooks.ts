import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  Deleted,
  WebhookCreateParams,
  WebhookDelivery,
  WebhookDeliveryListParams,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookListParams,
  WebhookReplaceParams,
  WebhookRotateSecretParams,
  WebhookUpdateParams,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/**
 * Webhook endpoints: `/webhooks` (admin scope). To check a delivery's signature use the static
 * `Audenci.webhooks.verify` / `unwrap`.
 */
export class Webhooks extends APIResource {
  /** Lists endpoints. */
  list(params?: WebhookListParams, options?: RequestOptions): PagePromise<WebhookEndpoint> {
    return this.page<WebhookEndpoint>('/webhooks', params, options);
  }

  /** Registers an endpoint `{url, events, description?}`; the answer holds its `whsec_` secret, shown once. */
  create(params: WebhookCreateParams, options?: RequestOptions): Promise<WebhookEndpointWithSecret> {
    return this.data('POST', '/webhooks', { body: params, options });
  }

  /** Retrieves an endpoint. */
  retrieve(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.data('GET', `/webhooks/${seg(id)}`, { options });
  }

  /**
   * Changes some fields of an endpoint (`PATCH`): fields left out are unchanged. `{"enabled": true}`
   * re-enables an endpoint Audenci disabled.
   */
  update(id: string, params: WebhookUpdateParams, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.data('PATCH', `/webhooks/${seg(id)}`, { body: params, options });
  }

  /**
   * Replaces an endpoint (`PUT`): `url` and `events` are required; `description` left out becomes null
   * and `enabled` true. The read-only fields may be sent back exactly as `retrieve` returned them.
   */
  replace(id: string, params: WebhookReplaceParams, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.data('PUT', `/webhooks/${seg(id)}`, { body: params, options });
  }

  /** Deletes an endpoint. */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.data('DELETE', `/webhooks/${seg(id)}`, { options });
  }

  /** Replaces the secret; during `overlapSeconds` both signatures are sent. The answer holds the new secret. */
  rotateSecret(
    id: string,
    params: WebhookRotateSecretParams = {},
    options?: RequestOptions,
  ): Promise<WebhookEndpointWithSecret> {
    return this.data('POST', `/webhooks/${seg(id)}/rotate-secret`, { body: params, options });
  }

  /** Sends a `webhook.test` event to the endpoint; resolves to the pending delivery. */
  test(id: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.data('POST', `/webhooks/${seg(id)}/test`, { options });
  }

  /** The endpoint's delivery log, every attempt included. */
  deliveries(
    id: string,
    params?: WebhookDeliveryListParams,
    options?: RequestOptions,
  ): PagePromise<WebhookDelivery> {
    return this.page<WebhookDelivery>(`/webhooks/${seg(id)}/deliveries`, params, options);
  }

  /** One delivery with its attempts. */
  retrieveDelivery(id: string, deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.data('GET', `/webhooks/${seg(id)}/deliveries/${seg(deliveryId)}`, { options });
  }

  /** Makes one more attempt of a delivery now. */
  retryDelivery(id: string, deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.data('POST', `/webhooks/${seg(id)}/deliveries/${seg(deliveryId)}/retry`, { options });
  }
}
