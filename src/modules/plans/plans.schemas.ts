import { Type } from '@sinclair/typebox';
import { DRAFT_LIMITS } from '../../ai/index.js';
import {
  DateOrDateTime,
  DateTime,
  Id,
  Int32,
  ListQuery,
  MAX_ID_LENGTH,
  Nullable,
  TimeZoneName,
} from '../../http/schemas.js';
import { NOT_BLANK } from '../../shared/validation/validator.js';
import { PLATFORMS } from '../../platforms/platforms.js';
import { CampaignSchema } from '../campaigns/index.js';
import { DEFAULT_PILLARS } from './plans.generate.js';
import { MAX_RANGE_DAYS } from './plans.input.js';
import { PLAN_STATUSES } from '../../db/tables/plans.js';

const Platform = Type.Unsafe<(typeof PLATFORMS)[number]>({ type: 'string', enum: [...PLATFORMS] });
const Status = Type.Unsafe<(typeof PLAN_STATUSES)[number]>({
  type: 'string',
  enum: [...PLAN_STATUSES],
  description: '`draft` until applied; `applied` once its campaign and posts exist',
});

/** Most posts per platform per week a plan asks for. */
export const MAX_POSTS_PER_WEEK = 21;
/**
 * Most items of a plan: every platform at the highest rate over the longest range (a day more, for a
 * range that spans a daylight-saving change).
 */
export const MAX_PLAN_ITEMS = Math.ceil(((MAX_RANGE_DAYS + 1) * MAX_POSTS_PER_WEEK) / 7) * PLATFORMS.length;

const ItemCount = (options: { description?: string } = {}) => Int32(0, MAX_PLAN_ITEMS, options);
const Counts = (description: string) => Type.Record(Type.String(), ItemCount(), { description });

/** Fields a plan takes and shows alike: one schema each, for the body and for the plan. */
const PostsPerWeek = Int32(1, MAX_POSTS_PER_WEEK, {
  description: 'Posts per platform per week; a partial week gets its share',
});
const Pillar = Type.String({ minLength: 1, maxLength: 60, pattern: NOT_BLANK, examples: ['education'] });
const MAX_PILLARS = 12;
const Goal = Nullable(Type.String({ maxLength: 500, examples: ['launch the spring collection'] }));
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK, examples: ['Spring plan'] });
/** The resolved zone of a plan (checked as input by `TimeZoneName`). */
const TimeZone = Type.String({ minLength: 1, maxLength: 64, examples: ['Europe/Paris'] });
const Platforms = Type.Array(Platform, { minItems: 1, maxItems: PLATFORMS.length, uniqueItems: true });

const MediaSuggestion = Type.Object(
  {
    type: Type.Union([Type.Literal('image'), Type.Literal('video')]),
    aspectRatio: Type.String({ maxLength: 10, examples: ['4:5'] }),
    prompt: Type.String({
      maxLength: 1000,
      description: 'A brief, usable as the prompt of `POST /images/generate` (at most 1,000 characters)',
    }),
  },
  {
    additionalProperties: false,
    description: 'What to attach before scheduling (Instagram posts need media)',
  },
);

export const PlanItemSchema = Type.Object(
  {
    platform: Platform,
    scheduledFor: DateTime({ description: 'The planned time (UTC)' }),
    localTime: Type.String({
      maxLength: 35,
      description: "The same time in the plan's time zone, with its offset",
      examples: ['2027-03-30T09:00:00+02:00'],
    }),
    caption: Type.String({
      maxLength: DRAFT_LIMITS.caption,
      description: "Valid for the platform's text rules (length, hashtags)",
    }),
    hashtags: Type.Array(Type.String({ maxLength: DRAFT_LIMITS.hashtag }), {
      maxItems: DRAFT_LIMITS.hashtags,
      description: 'The hashtags in the caption, without `#`',
    }),
    pillar: Pillar,
    mediaSuggestion: MediaSuggestion,
  },
  { $id: 'PlanItem', title: 'PlanItem', additionalProperties: false },
);

export const PlanSummarySchema = Type.Object(
  {
    totalItems: ItemCount(),
    byPlatform: Counts('Items per platform'),
    byPillar: Counts('Items per pillar'),
    unplaced: Counts(
      'Per platform, posts the rate asked for that found no free posting time (0 unless the good times are full)',
    ),
    startDate: DateTime(),
    endDate: DateTime(),
    timezone: TimeZone,
    postsPerWeek: PostsPerWeek,
  },
  { $id: 'PlanSummary', title: 'PlanSummary', additionalProperties: false },
);

export const PlanPreviewSchema = Type.Object(
  {
    items: Type.Array(Type.Ref(PlanItemSchema), { maxItems: MAX_PLAN_ITEMS, description: 'Sorted by time' }),
    summary: Type.Ref(PlanSummarySchema),
  },
  { $id: 'PlanPreview', title: 'PlanPreview', additionalProperties: false },
);

const ParametersSchema = Type.Object(
  {
    brandId: Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    startDate: DateTime(),
    endDate: DateTime(),
    platforms: Platforms,
    postsPerWeek: PostsPerWeek,
    pillars: Type.Array(Pillar, { maxItems: MAX_PILLARS }),
    goal: Goal,
    timezone: TimeZone,
  },
  { additionalProperties: false, description: 'What the plan was generated from, defaults resolved' },
);

export const PlanSchema = Type.Object(
  {
    id: Id('plan_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    brandId: Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    name: Name,
    status: Status,
    campaignId: Nullable(Id('cmp_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), {
      description: 'The campaign `apply` created',
    }),
    appliedAt: Nullable(DateTime()),
    parameters: ParametersSchema,
    items: Type.Array(Type.Ref(PlanItemSchema), { maxItems: MAX_PLAN_ITEMS }),
    summary: Type.Ref(PlanSummarySchema),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { $id: 'Plan', title: 'Plan', additionalProperties: false },
);

export const PlanApplicationSchema = Type.Object(
  {
    plan: Type.Ref(PlanSchema),
    campaign: Type.Unsafe<unknown>({
      anyOf: [{ $ref: CampaignSchema.$id }, { type: 'null' }],
      description: 'The campaign; null if it was deleted after an earlier apply',
    }),
    created: Type.Boolean({ description: 'Whether this call applied the plan (false on a repeat)' }),
    postsCreated: ItemCount({ description: 'Draft posts this call created (0 on a repeat)' }),
  },
  { $id: 'PlanApplication', title: 'PlanApplication', additionalProperties: false },
);

const DateInput = (example: string) =>
  DateOrDateTime({
    description: "Date YYYY-MM-DD (midnight in the plan's time zone) or ISO 8601 date-time",
    examples: [example],
  });

const parameterFields = {
  brandId: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
  startDate: DateInput('2027-03-01'),
  endDate: DateInput('2027-03-29'),
  platforms: Platforms,
  postsPerWeek: PostsPerWeek,
  pillars: Type.Optional(
    Type.Array(Pillar, {
      minItems: 1,
      maxItems: MAX_PILLARS,
      description: `Content pillars, rotated; default ${DEFAULT_PILLARS.join(', ')}`,
    }),
  ),
  goal: Type.Optional(Goal),
  timezone: Type.Optional(
    TimeZoneName({ description: "IANA time zone of the posting times; default the brand's" }),
  ),
};

const example = {
  brandId: 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
  startDate: '2027-03-01',
  endDate: '2027-03-29',
  platforms: ['instagram', 'twitter'],
  postsPerWeek: 3,
};

export const PreviewPlanBody = Type.Object(parameterFields, {
  additionalProperties: false,
  description: `The range is [startDate, endDate), at most ${MAX_RANGE_DAYS} days`,
  examples: [example],
});

/** An item as a person edited it: `localTime` and `hashtags` are derived from it again. */
const PlanItemInput = Type.Object(
  {
    platform: Platform,
    scheduledFor: DateTime({ description: 'Inside the range and in the future' }),
    caption: Type.String({
      minLength: 1,
      maxLength: DRAFT_LIMITS.caption,
      description: "Valid for the platform's text rules (length, hashtags)",
    }),
    pillar: Pillar,
    mediaSuggestion: Type.Optional(MediaSuggestion),
  },
  { additionalProperties: false },
);

export const CreatePlanBody = Type.Object(
  {
    name: Name,
    ...parameterFields,
    items: Type.Optional(
      Type.Array(PlanItemInput, {
        minItems: 1,
        maxItems: MAX_PLAN_ITEMS,
        description:
          "The items to store instead of generating them: a preview's items as the person edited them " +
          '(captions rewritten, times moved, items dropped). Each must be on one of `platforms`, inside ' +
          "the range and ahead, with a caption valid for its platform's text rules (400 naming " +
          '`items.<index>.<field>`). The summary then counts these items, with `unplaced` 0.',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ name: 'Spring plan', ...example }] },
);

export const ListPlansQuery = ListQuery(['createdAt'], {
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH })),
  status: Type.Optional(Status),
});

export const PLAN_READ_ONLY = [
  'id',
  'status',
  'campaignId',
  'appliedAt',
  'summary',
  'createdAt',
  'updatedAt',
] as const;
