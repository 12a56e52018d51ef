import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type { Event, EventListParams } from '../types.js';
import { APIResource, seg } from './resource.js';

/** The event log webhooks are made from: `/events`, newest first. */
export class Events extends APIResource {
  /** Lists events (filters `type`, `startDate`/`endDate` on `createdAt`). */
  list(params?: EventListParams, options?: RequestOptions): PagePromise<Event> {
    return this.page<Event>('/events', params, options);
  }

  /** Retrieves an event. */
  retrieve(id: string, options?: RequestOptions): Promise<Event> {
    return this.data('GET', `/events/${seg(id)}`, { options });
  }
}
