import { Type } from '@sinclair/typebox';
import { readOnlyFields } from '../../http/read-only.js';
import { DateOrDateTime, DateTime, Id, ListQuery, Nullable } from '../../http/schemas.js';
import { NOT_BLANK } from '../../shared/validation/validator.js';
import { PLATFORMS } from '../../platforms/platforms.js';
import { CAMPAIGN_STATUSES } from '../../db/tables/campaigns.js';

const Status = Type.Unsafe<(typeof CAMPAIGN_STATUSES)[number]>({
  type: 'string',
  enum: [...CAMPAIGN_STATUSES],
  description: 'DRAFT → ACTIVE → COMPLETED; any → ARCHIVED',
});
const DateInput = (example: string) =>
  DateOrDateTime({
    description: 'Date YYYY-MM-DD (midnight UTC) or ISO 8601 date-time',
    examples: [example],
  });
const Platforms = Type.Array(Type.Unsafe<string>({ type: 'string', enum: [...PLATFORMS] }), {
  uniqueItems: true,
  maxItems: PLATFORMS.length,
});

/** The fields a campaign takes and shows alike: one bounded schema each. */
const fields = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK, examples: ['Winter launch'] }),
  description: Nullable(Type.String({ maxLength: 5000 })),
  goal: Nullable(Type.String({ maxLength: 1000, examples: ['awareness'] })),
};

export const CampaignSchema = Type.Object(
  {
    id: Id('cmp_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    brandId: Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    name: fields.name,
    description: fields.description,
    startDate: DateTime(),
    endDate: DateTime(),
    status: Status,
    goal: fields.goal,
    platforms: Platforms,
    startedAt: Nullable(
      DateTime({
        description:
          'When the campaign started: its start date arrived while ACTIVE, or it was activated after that (`campaign.started`)',
      }),
    ),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { $id: 'Campaign', title: 'Campaign', additionalProperties: false },
);

export const CreateCampaignBody = Type.Object(
  {
    brandId: Type.String({ minLength: 1, maxLength: 64 }),
    name: fields.name,
    description: Type.Optional(fields.description),
    startDate: DateInput('2026-12-01'),
    endDate: DateInput('2026-12-31'),
    goal: Type.Optional(fields.goal),
    platforms: Type.Optional(Platforms),
    status: Type.Optional(Status),
  },
  {
    additionalProperties: false,
    examples: [
      {
        brandId: 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
        name: 'Winter launch',
        startDate: '2026-12-01',
        endDate: '2026-12-31',
        platforms: ['instagram', 'twitter'],
      },
    ],
  },
);

/** Fields clients may not set on a campaign: refused by POST and PATCH, compared by PUT. */
export const CAMPAIGN_READ_ONLY = [
  'id',
  'startedAt',
  'createdAt',
  'updatedAt',
  'organizationId',
  'environment',
] as const;

export const CAMPAIGN_READ_ONLY_FIELDS = readOnlyFields(CampaignSchema, CAMPAIGN_READ_ONLY);

/**
 * PUT: the whole editable campaign; `description` and `goal` left out become null, `platforms` empty,
 * `status` left out stays. It may also carry the read-only fields exactly as GET returned them.
 */
export const ReplaceCampaignBody = Type.Object(
  { ...CreateCampaignBody.properties, ...CAMPAIGN_READ_ONLY_FIELDS.echo },
  {
    additionalProperties: false,
    examples: [
      {
        brandId: 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
        name: 'Winter launch',
        description: 'New roasts for the cold months',
        startDate: '2026-12-01',
        endDate: '2026-12-31',
        goal: 'awareness',
        platforms: ['instagram', 'twitter'],
        status: 'ACTIVE',
      },
    ],
  },
);

/** PATCH: only the fields to change. */
export const UpdateCampaignBody = Type.Object(
  {
    brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    name: Type.Optional(fields.name),
    description: Type.Optional(fields.description),
    startDate: Type.Optional(DateInput('2026-12-01')),
    endDate: Type.Optional(DateInput('2026-12-31')),
    goal: Type.Optional(fields.goal),
    platforms: Type.Optional(Platforms),
    status: Type.Optional(Status),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ status: 'ACTIVE' }] },
);

export const ListCampaignsQuery = ListQuery(['createdAt', 'startDate'], {
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(Status),
});
