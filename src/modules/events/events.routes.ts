import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { listParams } from '../../http/list-params.js';
import type { RouteDeps } from '../route-deps.js';
import { dateRangeProblems } from '../../shared/dates.js';
import { DataEnvelope, IdParams, ListEnvelope } from '../../http/schemas.js';
import { EventSchema, ListEventsQuery } from './events.schemas.js';
import * as service from './events.service.js';

const Params = IdParams('Event', 'evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Events'];

export async function eventsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;

  app.get<{ Querystring: Static<typeof ListEventsQuery> }>(
    '/events',
    {
      config: { scope: 'read', inputChecks: { query: dateRangeProblems } },
      schema: {
        tags: TAGS,
        operationId: 'listEvents',
        summary: 'List events',
        description:
          'The event log webhooks are made from, newest first. Filter by `type` and by a `createdAt` range ' +
          '(`startDate` inclusive, `endDate` exclusive).',
        querystring: ListEventsQuery,
        response: { 200: ListEnvelope(Type.Ref(EventSchema)) },
      },
    },
    async (request) => {
      const { type, startDate, endDate } = request.query;
      return service.listEvents(ctx, request.principal, listParams(request.query), {
        type,
        startDate,
        endDate,
      });
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/events/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'getEvent',
        summary: 'Retrieve an event',
        params: Params,
        response: { 200: DataEnvelope(Type.Ref(EventSchema)) },
      },
    },
    async (request) => ({ data: await service.getEvent(ctx, request.principal, request.params.id) }),
  );
}
