import { Type } from '@sinclair/typebox';
import { readOnlyFields } from '../../http/read-only.js';
import { DateOrDateTime, DateTime, ListQuery, Nullable } from '../../http/schemas.js';
import { PLATFORMS } from '../../platforms/rules.js';
import { POST_STATUSES } from './posts.table.js';

export const PlatformSchema = Type.Unsafe<string>({
  type: 'string',
  enum: [...PLATFORMS],
  description: 'Social network',
  examples: ['instagram'],
});
const StatusSchema = Type.Unsafe<(typeof POST_STATUSES)[number]>({
  type: 'string',
  enum: [...POST_STATUSES],
});
const SettableStatus = Type.Unsafe<'DRAFT' | 'SCHEDULED' | 'CANCELLED'>({
  type: 'string',
  enum: ['DRAFT', 'SCHEDULED', 'CANCELLED'],
  description:
    'DRAFT ⇄ SCHEDULED, or CANCELLED. PUBLISHING, PUBLISHED and FAILED are set by the publisher only.',
});
const DateInput = DateOrDateTime({
  description: 'ISO 8601 date-time with a zone (or a date YYYY-MM-DD, midnight UTC)',
  examples: ['2026-12-01T09:00:00Z'],
});

/** Fields clients may not set on a post (refused with 400 naming the field). */
export const POST_READ_ONLY = [
  'id',
  'publishedAt',
  'platformPostId',
  'platformUrl',
  'error',
  'createdAt',
  'updatedAt',
  'organizationId',
  'environment',
] as const;

export const PostSchema = Type.Object(
  {
    id: Type.String({ examples: ['post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'] }),
    brandId: Type.String(),
    platform: PlatformSchema,
    socialAccountId: Nullable(Type.String(), { description: 'The account it publishes to' }),
    caption: Type.String(),
    mediaIds: Type.Array(Type.String()),
    link: Nullable(Type.String()),
    firstComment: Nullable(Type.String()),
    campaignId: Nullable(Type.String()),
    status: StatusSchema,
    scheduledFor: Nullable(DateTime()),
    publishedAt: Nullable(DateTime()),
    platformPostId: Nullable(Type.String()),
    platformUrl: Nullable(Type.String()),
    error: Type.Unsafe<{ code: string; message: string } | null>({
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
      additionalProperties: false,
      description: 'Why publishing failed (status FAILED)',
    }),
    metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Your own JSON data (≤ 16 KiB)' }),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { $id: 'Post', title: 'Post', additionalProperties: false },
);

const editable = {
  brandId: Type.String({ minLength: 1, maxLength: 64, examples: ['brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'] }),
  platform: PlatformSchema,
  socialAccountId: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The social account to publish through: one of the same brand and platform',
      examples: ['acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'],
    }),
  ),
  caption: Type.String({
    minLength: 1,
    maxLength: 100_000,
    examples: ['Fresh roast, fresh start ☕ #coffee'],
  }),
  mediaIds: Type.Array(Type.String({ pattern: '^med_[0-9A-Za-z]+$', maxLength: 64 }), {
    maxItems: 20,
    uniqueItems: true,
  }),
  link: Nullable(Type.String({ format: 'uri', maxLength: 2048 })),
  firstComment: Nullable(Type.String({ minLength: 1, maxLength: 10_000 })),
  campaignId: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  scheduledFor: Nullable(DateInput),
  metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Your own JSON data (≤ 16 KiB)' }),
  status: SettableStatus,
};

export const CreatePostBody = Type.Object(
  {
    brandId: editable.brandId,
    platform: editable.platform,
    socialAccountId: Type.Optional(editable.socialAccountId),
    caption: editable.caption,
    mediaIds: Type.Optional(editable.mediaIds),
    link: Type.Optional(editable.link),
    firstComment: Type.Optional(editable.firstComment),
    campaignId: Type.Optional(editable.campaignId),
    scheduledFor: Type.Optional(editable.scheduledFor),
    metadata: Type.Optional(editable.metadata),
    status: Type.Optional(editable.status),
  },
  {
    additionalProperties: false,
    examples: [
      {
        brandId: 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
        platform: 'twitter',
        caption: 'We open at 7 tomorrow ☕',
        scheduledFor: '2026-12-01T07:00:00Z',
      },
    ],
  },
);

/** The server-owned fields of a post, declared once for every route that writes one. */
export const POST_READ_ONLY_FIELDS = readOnlyFields(PostSchema, POST_READ_ONLY);

/**
 * PUT: the whole editable post; optional fields left out are cleared, `status` left out stays. It may
 * also carry the read-only fields exactly as GET returned them, and any `status` GET can return, so that
 * a post read with GET can be sent back edited (a status only the publisher sets is still refused).
 */
export const ReplacePostBody = Type.Object(
  {
    ...CreatePostBody.properties,
    status: Type.Optional(
      Type.Unsafe<(typeof POST_STATUSES)[number]>({
        type: 'string',
        enum: [...POST_STATUSES],
        description:
          'DRAFT ⇄ SCHEDULED, or CANCELLED; left out, the status stays. PUBLISHING, PUBLISHED and FAILED are ' +
          'accepted only as GET returns them, on a post that can no longer be edited (409).',
      }),
    ),
    ...POST_READ_ONLY_FIELDS.echo,
  },
  {
    additionalProperties: false,
    examples: [
      {
        brandId: 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
        platform: 'twitter',
        caption: 'We open at 8 tomorrow ☕',
        scheduledFor: '2026-12-01T08:00:00Z',
      },
    ],
  },
);

/** PATCH: only the fields to change. */
export const PatchPostBody = Type.Object(
  {
    brandId: Type.Optional(editable.brandId),
    platform: Type.Optional(editable.platform),
    socialAccountId: Type.Optional(editable.socialAccountId),
    caption: Type.Optional(editable.caption),
    mediaIds: Type.Optional(editable.mediaIds),
    link: Type.Optional(editable.link),
    firstComment: Type.Optional(editable.firstComment),
    campaignId: Type.Optional(editable.campaignId),
    scheduledFor: Type.Optional(editable.scheduledFor),
    metadata: Type.Optional(editable.metadata),
    status: Type.Optional(editable.status),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ status: 'CANCELLED' }] },
);

export const ValidatePostBody = Type.Object(
  {
    platform: editable.platform,
    caption: editable.caption,
    mediaIds: Type.Optional(editable.mediaIds),
    link: Type.Optional(editable.link),
    firstComment: Type.Optional(editable.firstComment),
    brandId: Type.Optional(editable.brandId),
    socialAccountId: Type.Optional(editable.socialAccountId),
    campaignId: Type.Optional(editable.campaignId),
    scheduledFor: Type.Optional(editable.scheduledFor),
    metadata: Type.Optional(editable.metadata),
    status: Type.Optional(editable.status),
  },
  { additionalProperties: false, examples: [{ platform: 'instagram', caption: 'Hello #coffee' }] },
);

export const ValidationReportSchema = Type.Object(
  {
    valid: Type.Boolean(),
    platform: Type.String(),
    violations: Type.Array(
      Type.Object(
        {
          rule: Type.String({ examples: ['text.maxLength'] }),
          field: Type.String({ examples: ['caption'] }),
          message: Type.String(),
          limit: Type.Optional(Type.Number()),
          actual: Type.Optional(Type.Number()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'PostValidation', title: 'PostValidation', additionalProperties: false },
);

const DateFilter = (description: string) =>
  DateOrDateTime({ description, examples: ['2026-12-01T00:00:00Z'] });

/** How a post is dated for `startDate`/`endDate` and `sortBy=date` (one sentence, reused in docs). */
export const POST_DATE_RULE =
  "A post's date is its `scheduledFor`, else its `publishedAt` (a post published without a schedule), " +
  'else its `createdAt` (a draft without a time).';

export const postFilterProperties = {
  status: Type.Optional(StatusSchema),
  platform: Type.Optional(PlatformSchema),
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  startDate: Type.Optional(
    DateFilter(
      `Posts dated on or after this (inclusive). ${POST_DATE_RULE} A calendar date is midnight UTC.`,
    ),
  ),
  endDate: Type.Optional(
    DateFilter(
      `Posts dated before this (exclusive); must be after \`startDate\`. ${POST_DATE_RULE} A calendar date is ` +
        'midnight UTC.',
    ),
  ),
};

export const POST_SORT_FIELDS = ['createdAt', 'updatedAt', 'scheduledFor', 'publishedAt', 'date'] as const;

export const ListPostsQuery = ListQuery(POST_SORT_FIELDS, {
  ...postFilterProperties,
  campaignId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export const ListCampaignPostsQuery = ListQuery(POST_SORT_FIELDS, postFilterProperties);

const batchItems = (description: string) =>
  Type.Array(Type.Unknown({ description }), {
    minItems: 1,
    maxItems: 100,
    description: `${description} At most 100 items.`,
  });

const atomicFlag = Type.Optional(
  Type.Boolean({
    description:
      'All or nothing: every item is tried in one transaction and, if any fails, nothing is saved (the valid ' +
      'items answer 424 `ROLLED_BACK`). Default false: each item succeeds or fails on its own.',
  }),
);

export const CreatePostsBatchBody = Type.Object(
  {
    posts: batchItems(
      'Each item is a post exactly as the body of `POST /posts`, checked on its own with the same rules: an ' +
        "invalid item answers its own 400 in the results and doesn't stop the others.",
    ),
    atomic: atomicFlag,
  },
  {
    additionalProperties: false,
    examples: [
      {
        posts: [
          { brandId: 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', platform: 'twitter', caption: 'One' },
          { brandId: 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', platform: 'facebook', caption: 'Two' },
        ],
      },
    ],
  },
);

export const UpdatePostsBatchBody = Type.Object(
  {
    posts: batchItems(
      'Each item is `{id, ...fields}`: the post to change and the fields to change, as the body of ' +
        '`PATCH /posts/{id}` (fields left out are unchanged). Checked on its own: a missing post answers its ' +
        'own 404, a published one its own 409.',
    ),
    atomic: atomicFlag,
  },
  {
    additionalProperties: false,
    examples: [{ posts: [{ id: 'post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', status: 'CANCELLED' }] }],
  },
);

const ItemError = Type.Object(
  {
    code: Type.String({ examples: ['INVALID_INPUT'] }),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  {
    additionalProperties: false,
    description:
      "The error the single endpoint would answer for this item (its `error` object); `details.field` names the item's own field",
  },
);

export const BatchResultSchema = Type.Object(
  {
    data: Type.Array(
      Type.Object(
        {
          index: Type.Integer({ minimum: 0, description: 'Position of the item in `posts` (0-based)' }),
          status: Type.Integer({
            description:
              'What the single endpoint would answer: 201 created / 200 updated, or 400, 404, 409…; 424 for a valid ' +
              'item of an atomic batch that was not saved because another failed',
            examples: [201],
          }),
          data: Type.Optional(Type.Ref(PostSchema)),
          error: Type.Optional(ItemError),
        },
        { additionalProperties: false },
      ),
      { description: 'One result per item, in the order of the request' },
    ),
    summary: Type.Object(
      {
        total: Type.Integer({ minimum: 0 }),
        succeeded: Type.Integer({ minimum: 0, description: 'Items saved' }),
        failed: Type.Integer({ minimum: 0, description: 'Items not saved (errors, and 424s)' }),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description:
      'HTTP 200 whenever the batch was processed, whatever its items answered: read `summary` and each `status`.',
  },
);
