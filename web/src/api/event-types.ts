import type { EventType } from '@audenci/sdk-js';

/**
 * Every event type the server records (the event log's filter, a webhook's subscriptions), as the API
 * document lists them: `satisfies` and the check below keep this list equal to the server's (a type
 * added there fails the web app's type check until it is here).
 */
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
] as const satisfies readonly EventType[];
type Missing = Exclude<EventType, (typeof EVENT_TYPES)[number]>;
const everyTypeListed: [Missing] extends [never] ? true : Missing = true;
void everyTypeListed;

export function isEventType(value: string | undefined): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value ?? '');
}
