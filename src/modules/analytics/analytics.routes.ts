import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.js';
import { DataEnvelope } from '../../http/schemas.js';
import { AnalyticsQuerySchema, AnalyticsReportSchema } from './analytics.schemas.js';
import * as service from './analytics.service.js';

const TAGS = ['Analytics'];

export async function analyticsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;

  app.get<{ Querystring: Static<typeof AnalyticsQuerySchema> }>(
    '/analytics',
    {
      config: {
        scope: 'read',
        inputChecks: { query: (query) => service.analyticsQueryProblems(query, ctx.clock.now(), true) },
      },
      schema: {
        tags: TAGS,
        operationId: 'getAnalytics',
        summary: 'Aggregate post metrics',
        description:
          'Sums the metrics of published posts by `groupBy`, with `totals` (the sum of every row). ' +
          'Each post counts once, with its latest snapshot. `engagements` = likes + comments + shares + ' +
          'saves + clicks; `engagementRate` = engagements ÷ impressions (null when impressions is 0), on ' +
          'every row and on the totals the ratio of the sums. A metric a platform does not report adds 0. ' +
          'Posts are placed by `publishedAt`, in [`startDate`, `endDate`) (default: the last 30 days); ' +
          'day, week and month rows follow `timezone` (DST included) and include empty periods with zeros. ' +
          '`groupBy=post` is paged: `limit` (default 100, max 1000) posts per page in post id order, ' +
          '`pagination.nextCursor` continues (with the same range, and the same filters); `totals` stay ' +
          'those of the whole range, not of the page. The other groupings answer every row and refuse ' +
          '`limit`/`cursor`. The `analytics.export` job writes every row as CSV or JSON.',
        querystring: AnalyticsQuerySchema,
        response: { 200: DataEnvelope(Type.Ref(AnalyticsReportSchema)) },
      },
    },
    async (request) => ({ data: await service.getAnalytics(ctx, request.principal, request.query) }),
  );
}
