import { Type } from '@sinclair/typebox';
import { DateTime, listQueryProperties, Nullable } from '../../http/schemas.js';
import { GROUP_BYS, METRICS, POST_PAGE_DEFAULT, POST_PAGE_MAX } from './analytics.service.js';

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
/** A `startDate`/`endDate` query field: `YYYY-MM-DD` or an ISO 8601 date-time. */
export const DateInput = (description: string) =>
  Type.String({ minLength: 10, maxLength: 40, description, examples: ['2026-06-01'] });

export const analyticsQueryProperties = {
  brandId: Type.Optional(Id('Only posts of this brand')),
  platform: Type.Optional(
    Type.String({ minLength: 1, maxLength: 32, description: 'Only posts on this platform' }),
  ),
  campaignId: Type.Optional(Id('Only posts of this campaign')),
  postId: Type.Optional(Id('Only this post')),
  startDate: Type.Optional(
    DateInput('Posts published on or after this (inclusive); a calendar date is midnight in `timezone`'),
  ),
  endDate: Type.Optional(
    DateInput('Posts published before this (exclusive). Default: now, and 30 days before for startDate'),
  ),
  groupBy: Type.Optional(
    Type.Unsafe<(typeof GROUP_BYS)[number]>({
      type: 'string',
      enum: [...GROUP_BYS],
      default: 'day',
      description: 'One row per day, ISO week (from Monday), month, platform, campaign or post',
    }),
  ),
  metrics: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: `Comma-separated subset of: ${METRICS.join(', ')}. Default: all.`,
      examples: ['impressions,engagements,engagementRate'],
    }),
  ),
  timezone: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'IANA zone for day/week/month boundaries and calendar dates. Default: the timezone of the brand ' +
        'given as `brandId`, else UTC',
      examples: ['Europe/Paris'],
    }),
  ),
};

/** `GET /analytics`: the query (what the export takes too) and a page of `groupBy=post`. */
export const AnalyticsQuerySchema = Type.Object(
  {
    ...analyticsQueryProperties,
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: POST_PAGE_MAX,
        description: `groupBy=post only: posts per page (default ${POST_PAGE_DEFAULT}, max ${POST_PAGE_MAX})`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({
        ...listQueryProperties.cursor,
        description:
          'groupBy=post only: `pagination.nextCursor` of the previous page; continues after its last post ' +
          'with the same range (keyset pagination)',
      }),
    ),
  },
  { additionalProperties: false },
);

const metricProperties = {
  posts: Type.Integer({ minimum: 0, description: 'Posts counted (each once, with its latest snapshot)' }),
  impressions: Type.Optional(Type.Integer()),
  reach: Type.Optional(
    Type.Integer({ description: 'Sum of each post’s reach (people may overlap across posts)' }),
  ),
  likes: Type.Optional(Type.Integer()),
  comments: Type.Optional(Type.Integer()),
  shares: Type.Optional(Type.Integer()),
  saves: Type.Optional(Type.Integer()),
  clicks: Type.Optional(Type.Integer()),
  videoViews: Type.Optional(Type.Integer()),
  engagements: Type.Optional(Type.Integer({ description: 'likes + comments + shares + saves + clicks' })),
  engagementRate: Type.Optional(
    Nullable(Type.Number(), { description: 'engagements ÷ impressions; null when impressions is 0' }),
  ),
};

export const AnalyticsTotalsSchema = Type.Object(metricProperties, {
  $id: 'AnalyticsTotals',
  title: 'AnalyticsTotals',
  additionalProperties: false,
  description:
    'Sums over every group of the filtered range (the chosen metrics only); for groupBy=post over every ' +
    'page, not just this one',
});

export const AnalyticsRowSchema = Type.Object(
  {
    key: Nullable(Type.String(), {
      description:
        'The group: YYYY-MM-DD (day; the Monday of a week), YYYY-MM (month), the platform, the campaign id ' +
        '(null: posts without a campaign) or the post id',
    }),
    startsAt: Type.Optional(DateTime({ description: 'Time groupings: the instant the period starts' })),
    ...metricProperties,
  },
  { $id: 'AnalyticsRow', title: 'AnalyticsRow', additionalProperties: false },
);

export const AnalyticsPaginationSchema = Type.Object(
  {
    page: Type.Integer({ minimum: 1, description: 'The page this response is (1-based)' }),
    limit: Type.Integer({ minimum: 1, maximum: POST_PAGE_MAX }),
    totalCount: Type.Integer({
      minimum: 0,
      description: 'Posts in the whole filtered range, across all pages (= `totals.posts`)',
    }),
    hasMore: Type.Boolean(),
    nextCursor: Nullable(Type.String(), {
      description: 'Pass as `cursor` to continue after this page; null on the last page',
    }),
  },
  {
    additionalProperties: false,
    description:
      'groupBy=post only: the list pagination, for the rows. `totals` stay those of the whole range, not ' +
      'of the page.',
  },
);

export const AnalyticsReportSchema = Type.Object(
  {
    groupBy: Type.String(),
    timezone: Type.String(),
    startDate: DateTime({ description: 'The range applied (inclusive)' }),
    endDate: DateTime({ description: 'The range applied (exclusive)' }),
    metrics: Type.Array(Type.String()),
    rows: Type.Array(Type.Ref(AnalyticsRowSchema), {
      description: 'groupBy=post: one page of posts (see `pagination`); otherwise every group',
    }),
    totals: Type.Ref(AnalyticsTotalsSchema),
    pagination: Type.Optional(AnalyticsPaginationSchema),
  },
  { $id: 'AnalyticsReport', title: 'AnalyticsReport', additionalProperties: false },
);
