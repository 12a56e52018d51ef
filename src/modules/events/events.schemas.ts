import { Type } from '@sinclair/typebox';
import { DateOrDateTime, ListQuery } from '../../http/schemas.js';
import { EVENT_TYPES } from '../../db/tables/events.js';
import { eventProperties } from '../webhooks/index.js';

export const EventTypeSchema = Type.Unsafe<(typeof EVENT_TYPES)[number]>({
  type: 'string',
  enum: [...EVENT_TYPES],
  description: 'What happened',
});

export const EventSchema = Type.Object(eventProperties, {
  $id: 'Event',
  title: 'Event',
  additionalProperties: false,
  description: 'A state change, as listed by `GET /events`.',
});

const DateFilter = (description: string) =>
  DateOrDateTime({ description, examples: ['2026-12-01T00:00:00Z'] });

export const ListEventsQuery = ListQuery(['createdAt'], {
  type: Type.Optional(EventTypeSchema),
  startDate: Type.Optional(DateFilter('createdAt on or after this (inclusive)')),
  endDate: Type.Optional(DateFilter('createdAt before this (exclusive)')),
});
