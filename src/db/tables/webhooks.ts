import type { Insertable, Selectable } from 'kysely';
import type { TenantRow, Timestamps } from './common-columns.js';

/**
 * Why an endpoint stopped receiving deliveries without its owner asking: see docs/webhooks.md, "Disabling".
 */
export const DISABLED_REASONS = ['gone', 'failing'] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * How one attempt ended: `succeeded` (2xx), `http_error` (any other status), `timeout`, `network_error`
 * (no answer), `blocked` (the SSRF guard refused the address it resolves to now).
 */
export const ATTEMPT_OUTCOMES = ['succeeded', 'http_error', 'timeout', 'network_error', 'blocked'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Longest error kept of an attempt (and as a delivery's `last_error`); a longer message is cut. */
export const ATTEMPT_ERROR_LENGTH = 1000;
/** Attempts a delivery shows (its latest; manual retries can add any number). */
export const ATTEMPTS_SHOWN = 100;

export { TEST_EVENT_TYPE } from './events.js';

export interface WebhookEndpointsTable extends TenantRow, Timestamps {
  url: string;
  description: string | null;
  /** JSON array of event types, or `["*"]` for all of them. */
  events: string;
  /** 0/1. */
  enabled: number;
  /** Set when Audenci disabled the endpoint itself; null when enabled or disabled by its owner. */
  disabled_reason: DisabledReason | null;
  /** `whsec_…`, sealed with the webhook secret box (AAD = the endpoint id). */
  secret: string;
  /** The secret before the last rotation, sealed likewise; signed with too until it expires. */
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  /** Start of the current unbroken run of failed attempts; null after a success. */
  failing_since: number | null;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type NewWebhookEndpointRow = Insertable<WebhookEndpointsTable>;

export interface WebhookDeliveriesTable extends TenantRow, Timestamps {
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The exact request body, built once at fan-out: every attempt sends these bytes. */
  payload: string;
  status: DeliveryStatus;
  attempt_count: number;
  /** When the next automatic attempt is due; null when none is scheduled. */
  next_attempt_at: number | null;
  last_response_status: number | null;
  /** Why the last attempt failed (or why none was made); null after a success. */
  last_error: string | null;
}

export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NewWebhookDeliveryRow = Insertable<WebhookDeliveriesTable>;

export interface WebhookAttemptsTable extends TenantRow {
  delivery_id: string;
  /** 1-based, across automatic and manual retries. */
  attempt: number;
  started_at: number;
  duration_ms: number;
  response_status: number | null;
  /** The first 1 KB of the answer. */
  response_body: string | null;
  error: string | null;
  outcome: AttemptOutcome;
}

export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
