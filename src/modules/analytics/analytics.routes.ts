import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.js';
import { DataEnvelope, IdParams } from '../../http/schemas.js';
import { AnalyticsQuerySchema, AnalyticsReportSchema } from './analytics.schemas.js';
import * as service from './analytics.service.js';
import {
  ACCOUNT_ANALYTICS_MAX_DAYS,
  AccountAnalyticsQuerySchema,
  accountAnalyticsProblems,
  SocialAccountAnalyticsSchema,
  socialAccountAnalytics,
  type AccountAnalyticsQuery,
} from './analytics.accounts.js';
import { PostAnalyticsSchema, postAnalytics } from './analytics.series.js';

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
          'those of the whole range, not of the page. `sortBy=impressions|reach|engagements` ranks the ' +
          'posts by that metric, highest first (ties in post id order), paged the same way: the top posts. ' +
          'The other groupings answer every row and refuse `limit`/`cursor`/`sortBy`. The ' +
          '`analytics.export` job writes every row as CSV or JSON.',
        querystring: AnalyticsQuerySchema,
        response: { 200: DataEnvelope(Type.Ref(AnalyticsReportSchema)) },
      },
    },
    async (request) => ({ data: await service.getAnalytics(ctx, request.principal, request.query) }),
  );
}

const PostParams = IdParams('Post', 'post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');

/** `GET /posts/{id}/analytics`. */
export async function postAnalyticsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get<{ Params: Static<typeof PostParams> }>(
    '/posts/:id/analytics',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['Analytics'],
        operationId: 'getPostAnalytics',
        summary: "A post's metrics over time",
        description:
          'Every metrics snapshot of the post, oldest first. Metrics are synced from the platform at ' +
          '`AUDENCI_METRICS_SYNC_DELAYS` after publishing (default 1 h, 6 h, 24 h, 3 days, 7 days, 30 days); ' +
          'in the test environment also 15 s after publishing, so sandbox metrics show within a minute.',
        params: PostParams,
        response: { 200: DataEnvelope(Type.Ref(PostAnalyticsSchema)) },
      },
    },
    async (request) => ({ data: await postAnalytics(deps.ctx, request.principal, request.params.id) }),
  );
}

const AccountParams = IdParams('Social account', 'acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');

/** `GET /social-accounts/{id}/analytics`. */
export async function accountAnalyticsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get<{ Params: Static<typeof AccountParams>; Querystring: AccountAnalyticsQuery }>(
    '/social-accounts/:id/analytics',
    {
      config: {
        scope: 'read',
        inputChecks: { query: (query) => accountAnalyticsProblems(query, deps.ctx.clock.now()) },
      },
      schema: {
        tags: ['Analytics'],
        operationId: 'getSocialAccountAnalytics',
        summary: "A social account's followers by day",
        description:
          "The account's follower, following and post counts, one entry per UTC day, oldest first, each " +
          'with `followersChange` from the previous entry. The worker reads them from the platform once a ' +
          'day for every connected account (test-environment sandbox accounts get synthetic, growing ' +
          'figures); a day it could not read is missing. Days are placed by `capturedAt`, in ' +
          '[`startDate`, `endDate`); a calendar date is midnight UTC. Default: the last 90 UTC days, today ' +
          `included. A range of more than ${ACCOUNT_ANALYTICS_MAX_DAYS.toLocaleString('en-US')} UTC days is a ` +
          '400 naming `endDate`. An account of another organization or environment is a 404.',
        params: AccountParams,
        querystring: AccountAnalyticsQuerySchema,
        response: {
          200: DataEnvelope(
            Type.Ref(SocialAccountAnalyticsSchema),
            'The account, the range applied and its days',
          ),
        },
      },
    },
    async (request) => ({
      data: await socialAccountAnalytics(deps.ctx, request.principal, request.params.id, request.query),
    }),
  );
}
