import { Type } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../http/schemas.js';
import { GROUP_BYS, METRICS } from './analytics.service.js';

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const DateInput = (description: string) =>
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
      default: 'UTC',
      description: 'IANA zone for day/week/month boundaries and calendar dates',
      examples: ['Europe/Paris'],
    }),
  ),
};

export const AnalyticsQuerySchema = Type.Object(analyticsQueryProperties, { additionalProperties: false });

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
  description: 'Sums over every row (the chosen metrics only)',
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

export const AnalyticsReportSchema = Type.Object(
  {
    groupBy: Type.String(),
    timezone: Type.String(),
    startDate: DateTime({ description: 'The range applied (inclusive)' }),
    endDate: DateTime({ description: 'The range applied (exclusive)' }),
    metrics: Type.Array(Type.String()),
    rows: Type.Array(Type.Ref(AnalyticsRowSchema)),
    totals: Type.Ref(AnalyticsTotalsSchema),
  },
  { $id: 'AnalyticsReport', title: 'AnalyticsReport', additionalProperties: false },
);
