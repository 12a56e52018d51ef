import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../route-deps.js';
import { dateRangeProblems } from '../../shared/dates.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { IdParams } from '../../http/schemas.js';
import { EventSchema, ListEventsQuery } from './events.schemas.js';
import * as service from './events.service.js';

const Params = IdParams('Event', 'evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Events'];

export async function eventsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;
  const events = resourceRoutes(app, { path: '/events', tags: TAGS, params: Params, item: EventSchema });

  events.list(
    {
      config: { scope: 'read', inputChecks: { query: dateRangeProblems } },
      operationId: 'listEvents',
      summary: 'List events',
      description:
        'The event log webhooks are made from, newest first. Filter by `type` and by a `createdAt` range ' +
        '(`startDate` inclusive, `endDate` exclusive).',
      querystring: ListEventsQuery,
    },
    async (request, page) => {
      const { type, startDate, endDate } = request.query;
      return service.listEvents(ctx, request.principal, page, { type, startDate, endDate });
    },
  );

  events.get(
    { config: { scope: 'read' }, operationId: 'getEvent', summary: 'Retrieve an event' },
    (request, id) => service.getEvent(ctx, request.principal, id),
  );
}
