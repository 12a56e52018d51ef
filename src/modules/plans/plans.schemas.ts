import { Type } from '@sinclair/typebox';
import { DateOrDateTime, DateTime, ListQuery, Nullable, TimeZoneName } from '../../http/schemas.js';
import { NOT_BLANK } from '../../http/validation.js';
import { PLATFORMS } from '../../platforms/rules.js';
import { CampaignSchema } from '../campaigns/index.js';
import { DEFAULT_PILLARS } from './plans.generate.js';
import { MAX_RANGE_DAYS } from './plans.input.js';
import { PLAN_STATUSES } from './plans.table.js';

const Platform = Type.Unsafe<(typeof PLATFORMS)[number]>({ type: 'string', enum: [...PLATFORMS] });
const Status = Type.Unsafe<(typeof PLAN_STATUSES)[number]>({
  type: 'string',
  enum: [...PLAN_STATUSES],
  description: '`draft` until applied; `applied` once its campaign and posts exist',
});
const Counts = (description: string) => Type.Record(Type.String(), Type.Integer(), { description });

export const PlanItemSchema = Type.Object(
  {
    platform: Platform,
    scheduledFor: DateTime({ description: 'The planned time (UTC)' }),
    localTime: Type.String({
      description: "The same time in the plan's time zone, with its offset",
      examples: ['2027-03-30T09:00:00+02:00'],
    }),
    caption: Type.String({ description: "Valid for the platform's text rules (length, hashtags)" }),
    hashtags: Type.Array(Type.String(), { description: 'The hashtags in the caption, without `#`' }),
    pillar: Type.String({ examples: ['education'] }),
    mediaSuggestion: Type.Object(
      {
        type: Type.Union([Type.Literal('image'), Type.Literal('video')]),
        aspectRatio: Type.String({ examples: ['4:5'] }),
        prompt: Type.String({ description: 'A brief, usable as the prompt of `POST /images/generate`' }),
      },
      {
        additionalProperties: false,
        description: 'What to attach before scheduling (Instagram posts need media)',
      },
    ),
  },
  { $id: 'PlanItem', title: 'PlanItem', additionalProperties: false },
);

export const PlanSummarySchema = Type.Object(
  {
    totalItems: Type.Integer(),
    byPlatform: Counts('Items per platform'),
    byPillar: Counts('Items per pillar'),
    unplaced: Counts(
      'Per platform, posts the rate asked for that found no free posting time (0 unless the good times are full)',
    ),
    startDate: DateTime(),
    endDate: DateTime(),
    timezone: Type.String({ examples: ['Europe/Paris'] }),
    postsPerWeek: Type.Integer(),
  },
  { $id: 'PlanSummary', title: 'PlanSummary', additionalProperties: false },
);

export const PlanPreviewSchema = Type.Object(
  {
    items: Type.Array(Type.Ref(PlanItemSchema), { description: 'Sorted by time' }),
    summary: Type.Ref(PlanSummarySchema),
  },
  { $id: 'PlanPreview', title: 'PlanPreview', additionalProperties: false },
);

const ParametersSchema = Type.Object(
  {
    brandId: Type.String(),
    startDate: DateTime(),
    endDate: DateTime(),
    platforms: Type.Array(Platform),
    postsPerWeek: Type.Integer(),
    pillars: Type.Array(Type.String()),
    goal: Nullable(Type.String()),
    timezone: Type.String(),
  },
  { additionalProperties: false, description: 'What the plan was generated from, defaults resolved' },
);

export const PlanSchema = Type.Object(
  {
    id: Type.String({ examples: ['plan_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'] }),
    brandId: Type.String(),
    name: Type.String(),
    status: Status,
    campaignId: Nullable(Type.String(), { description: 'The campaign `apply` created' }),
    appliedAt: Nullable(DateTime()),
    parameters: ParametersSchema,
    items: Type.Array(Type.Ref(PlanItemSchema)),
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
    postsCreated: Type.Integer({ description: 'Draft posts this call created (0 on a repeat)' }),
  },
  { $id: 'PlanApplication', title: 'PlanApplication', additionalProperties: false },
);

const DateInput = (example: string) =>
  DateOrDateTime({
    description: "Date YYYY-MM-DD (midnight in the plan's time zone) or ISO 8601 date-time",
    examples: [example],
  });

const parameterFields = {
  brandId: Type.String({ minLength: 1, maxLength: 64 }),
  startDate: DateInput('2027-03-01'),
  endDate: DateInput('2027-03-29'),
  platforms: Type.Array(Platform, { minItems: 1, maxItems: PLATFORMS.length, uniqueItems: true }),
  postsPerWeek: Type.Integer({
    minimum: 1,
    maximum: 21,
    description: 'Posts per platform per week; a partial week gets its share',
  }),
  pillars: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 60, pattern: NOT_BLANK }), {
      minItems: 1,
      maxItems: 12,
      description: `Content pillars, rotated; default ${DEFAULT_PILLARS.join(', ')}`,
    }),
  ),
  goal: Type.Optional(Nullable(Type.String({ maxLength: 500, examples: ['launch the spring collection'] }))),
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

export const CreatePlanBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK, examples: ['Spring plan'] }),
    ...parameterFields,
  },
  { additionalProperties: false, examples: [{ name: 'Spring plan', ...example }] },
);

export const ListPlansQuery = ListQuery(['createdAt'], {
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(Status),
});

export const PLAN_READ_ONLY = [
  'id',
  'status',
  'campaignId',
  'appliedAt',
  'items',
  'summary',
  'createdAt',
  'updatedAt',
] as const;
