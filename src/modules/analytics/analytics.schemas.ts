import { Type, type SchemaOptions } from '@sinclair/typebox';
import {
  Count,
  DateTime,
  Int32,
  listQueryProperties,
  MAX_CURSOR_LENGTH,
  MAX_ID_LENGTH,
  Nullable,
  DateOrDateTime,
  TimeZoneName,
} from '../../http/schemas.js';
import { PLATFORM_LIMITS } from '../../platforms/bounds.js';
import {
  GROUP_BYS,
  MAX_ROWS,
  METRICS,
  POST_PAGE_DEFAULT,
  POST_PAGE_MAX,
  POST_SORTS,
} from './analytics.service.js';

const Id = (description: string) => Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description });
/** An IANA zone name as the report answers it (checked as input by `parseAnalyticsQuery`). */
export const TimeZone = (options: { description?: string } = {}) =>
  Type.String({ minLength: 1, maxLength: 64, examples: ['Europe/Paris'], ...options });
const GroupBy = Type.Unsafe<(typeof GROUP_BYS)[number]>({ type: 'string', enum: [...GROUP_BYS] });
/** A `startDate`/`endDate` query field: `YYYY-MM-DD` or an ISO 8601 date-time. */
export const DateInput = (description: string) => DateOrDateTime({ description, examples: ['2026-06-01'] });

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
      ...GroupBy,
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
    TimeZoneName({
      description:
        'IANA zone for day/week/month boundaries and calendar dates. Default: the timezone of the brand ' +
        'given as `brandId`, else UTC',
    }),
  ),
};

/** `GET /analytics`: the query (what the export takes too) and a page of `groupBy=post`. */
export const AnalyticsQuerySchema = Type.Object(
  {
    ...analyticsQueryProperties,
    limit: Type.Optional(
      Int32(1, POST_PAGE_MAX, {
        description: `groupBy=post only: posts per page (default ${POST_PAGE_DEFAULT}, max ${POST_PAGE_MAX})`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({
        ...listQueryProperties.cursor,
        description:
          'groupBy=post only: `pagination.nextCursor` of the previous page; continues after its last post ' +
          'with the same range and `sortBy` (keyset pagination)',
      }),
    ),
    sortBy: Type.Optional(
      Type.Unsafe<(typeof POST_SORTS)[number]>({
        type: 'string',
        enum: [...POST_SORTS],
        // No schema default: a default would be filled in for every groupBy, which refuses sortBy.
        description:
          'groupBy=post only: `postId` (the default) lists the posts in post id order; `impressions`, `reach` or ' +
          '`engagements` ranks them by that metric of their latest snapshot, highest first, ties in post ' +
          'id order (top posts: `sortBy=engagements&limit=10`). Paged the same way.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** One post's metric or an account's audience figure, as its platform reported it (bounded where it enters). */
export const PlatformFigure = (options: SchemaOptions = {}) => Int32(0, PLATFORM_LIMITS.metric, options);

/**
 * engagements ÷ impressions: usually below 1, but a platform may count more interactions than views; at
 * most a sum of engagements (a count) over one impression.
 */
export const EngagementRate = (description: string) =>
  Nullable(Type.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), { description });

/** Sums of metrics over posts: counts (each post's metric is at most 2^31 − 1; a sum saturates at Count's maximum). */
const metricProperties = {
  posts: Count({ description: 'Posts counted (each once, with its latest snapshot)' }),
  impressions: Type.Optional(Count()),
  reach: Type.Optional(Count({ description: 'Sum of each post’s reach (people may overlap across posts)' })),
  likes: Type.Optional(Count()),
  comments: Type.Optional(Count()),
  shares: Type.Optional(Count()),
  saves: Type.Optional(Count()),
  clicks: Type.Optional(Count()),
  videoViews: Type.Optional(Count()),
  engagements: Type.Optional(Count({ description: 'likes + comments + shares + saves + clicks' })),
  engagementRate: Type.Optional(EngagementRate('engagements ÷ impressions; null when impressions is 0')),
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
    key: Nullable(Type.String({ maxLength: MAX_ID_LENGTH }), {
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
    page: Count({ minimum: 1, description: 'The page this response is (1-based)' }),
    limit: Int32(1, POST_PAGE_MAX),
    totalCount: Count({
      description: 'Posts in the whole filtered range, across all pages (= `totals.posts`)',
    }),
    hasMore: Type.Boolean(),
    nextCursor: Nullable(Type.String({ maxLength: MAX_CURSOR_LENGTH }), {
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
    groupBy: GroupBy,
    timezone: TimeZone(),
    startDate: DateTime({ description: 'The range applied (inclusive)' }),
    endDate: DateTime({ description: 'The range applied (exclusive)' }),
    metrics: Type.Array(Type.Unsafe<(typeof METRICS)[number]>({ type: 'string', enum: [...METRICS] }), {
      maxItems: METRICS.length,
    }),
    rows: Type.Array(Type.Ref(AnalyticsRowSchema), {
      maxItems: MAX_ROWS,
      description:
        'groupBy=post: one page of posts (see `pagination`); otherwise every group, at most ' +
        `${MAX_ROWS.toLocaleString('en-US')} (more campaigns than that in the range is a 400)`,
    }),
    totals: Type.Ref(AnalyticsTotalsSchema),
    pagination: Type.Optional(AnalyticsPaginationSchema),
  },
  { $id: 'AnalyticsReport', title: 'AnalyticsReport', additionalProperties: false },
);
