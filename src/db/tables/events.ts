import type { Generated, Insertable, Selectable } from 'kysely';
import type { TenantRow } from './common-columns.js';

/** Every event type the log records (docs/webhooks.md, "Events"). `webhook.test` is sent, never logged. */
export const EVENT_TYPES = [
  'post.created',
  'post.updated',
  'post.deleted',
  'post.scheduled',
  'post.published',
  'post.failed',
  'campaign.started',
  'comment.received',
  'job.completed',
  'job.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The test event's type: sent by `POST /webhooks/{id}/test`, never written to the event log. */
export const TEST_EVENT_TYPE = 'webhook.test';

export interface EventsTable extends TenantRow {
  type: EventType;
  brand_id: string | null;
  /** JSON: the object as the API showed it at that moment. */
  data: string;
  created_at: number;
  /**
   * Where the event stands in commit order (migration 0017): given by the database at insert, read by
   * `GET /events/stream`. Not part of the event as the API shows it.
   */
  log_position: Generated<number>;
}

/** An event as recorded (the log position, given by the database, aside). */
export type EventRow = Omit<Selectable<EventsTable>, 'log_position'>;
/** An event read back with its log position. */
export type LoggedEventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
