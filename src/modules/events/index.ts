export { EVENT_TYPES, type EventType, type EventRow } from '../../db/tables/events.js';
export {
  recordEvent,
  recordEvents,
  newEventRows,
  eventsInserted,
  toEvent,
  eventsResource,
  type Event,
  type NewEvent,
} from './events.service.js';
export { EventSchema, EventTypeSchema } from './events.schemas.js';
export { eventsRoutes } from './events.routes.js';
export { eventRetentionTask, purgeOldEvents, type EventRetentionReport } from './events.jobs.js';
