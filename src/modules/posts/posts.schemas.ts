import { Type } from '@sinclair/typebox';
import { readOnlyFields } from '../../http/read-only.js';
import {
  DateOrDateTime,
  DateTime,
  ErrorCode,
  ErrorMessage,
  Id,
  Int32,
  ListQuery,
  MAX_URL_LENGTH,
  Nullable,
} from '../../http/schemas.js';
import { PLATFORM_LIMITS } from '../../platforms/bounds.js';
import { MAX_CAPTION_LENGTH } from '../../platforms/definition.js';
import { POST_STATUSES } from '../../db/tables/posts.js';
import { SocialNetwork } from '../platform-catalog/index.js';

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

/** Most media items of a post, and the longest first comment (above every platform's own limit). */
const MAX_MEDIA_IDS = 20;
const MAX_FIRST_COMMENT_LENGTH = 10_000;

export const PostSchema = Type.Object(
  {
    id: Id('post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    brandId: Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    platform: SocialNetwork,
    socialAccountId: Nullable(Id('acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), {
      description:
        'The account it publishes through: the one given, else the one chosen when it was published ' +
        '(null until then, and for a test post published through the built-in sandbox identity)',
    }),
    caption: Type.String({ maxLength: MAX_CAPTION_LENGTH }),
    mediaIds: Type.Array(Id('med_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), { maxItems: MAX_MEDIA_IDS }),
    link: Nullable(Type.String({ maxLength: MAX_URL_LENGTH })),
    firstComment: Nullable(Type.String({ maxLength: MAX_FIRST_COMMENT_LENGTH })),
    campaignId: Nullable(Id('cmp_01JD7Q8ZK2M4N6P8R0T2V4X6Z8')),
    status: StatusSchema,
    scheduledFor: Nullable(DateTime()),
    publishedAt: Nullable(DateTime()),
    // As the platform gave them; an answer with longer ones fails the publish (platforms/bounds.ts).
    platformPostId: Nullable(Type.String({ maxLength: PLATFORM_LIMITS.id })),
    platformUrl: Nullable(Type.String({ maxLength: PLATFORM_LIMITS.url })),
    error: Type.Unsafe<{ code: string; message: string } | null>({
      type: ['object', 'null'],
      properties: {
        code: { type: 'string', maxLength: PLATFORM_LIMITS.errorCode },
        message: { type: 'string', maxLength: PLATFORM_LIMITS.errorMessage },
      },
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
  platform: SocialNetwork,
  socialAccountId: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'The social account to publish through: one of the same brand and platform. Optional: left out ' +
        "or null, the post publishes through its brand's only account of its platform, chosen when it " +
        'publishes and then shown here. With several the post fails (`error.code` `account_unavailable`, ' +
        'naming them); with none a live post fails likewise and a test post publishes through the built-in ' +
        'sandbox identity.',
      examples: ['acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'],
    }),
  ),
  caption: Type.String({
    minLength: 1,
    maxLength: MAX_CAPTION_LENGTH,
    examples: ['Fresh roast, fresh start ☕ #coffee'],
  }),
  mediaIds: Type.Array(Type.String({ pattern: '^med_[0-9A-Za-z]+$', maxLength: 64 }), {
    maxItems: MAX_MEDIA_IDS,
    uniqueItems: true,
  }),
  link: Nullable(Type.String({ format: 'uri', maxLength: 2048 })),
  firstComment: Nullable(Type.String({ minLength: 1, maxLength: MAX_FIRST_COMMENT_LENGTH })),
  campaignId: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  scheduledFor: Nullable(DateInput),
  metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Your own JSON data (≤ 16 KiB)' }),
  status: SettableStatus,
};

/** Every editable field, optional: the PATCH body, and POST's (which requires three of them). */
const optionalEditable = {
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
};

export const CreatePostBody = Type.Object(
  {
    // Overriding a spread key keeps its place: the fields stay in the order above.
    ...optionalEditable,
    brandId: editable.brandId,
    platform: editable.platform,
    caption: editable.caption,
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
export const PatchPostBody = Type.Object(optionalEditable, {
  additionalProperties: false,
  minProperties: 1,
  examples: [{ caption: 'We open at 7:30 tomorrow ☕' }],
});

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

const Count = (description: string) =>
  Type.Integer({ format: 'int32', minimum: 0, maximum: 2_147_483_647, description });
const Limit = (description: string) =>
  Type.Union([Type.Integer({ format: 'int32', minimum: 0, maximum: 2_147_483_647 }), Type.Null()], {
    description,
  });

/** The draft's numbers beside their limits, as `GET /platforms` states them and the platform counts. */
const MeasurementsSchema = Type.Object(
  {
    text: Type.Object(
      {
        length: Count(
          'The text length as the platform counts it: X weighs CJK and emoji as 2 and any URL as 23; the ' +
            'others count Unicode characters. Includes the `link` when the platform appends it to the text.',
        ),
        limit: Count("The platform's text limit (`text.maxLength` of `GET /platforms`)."),
        counting: Type.Union([Type.Literal('characters'), Type.Literal('twitter-weighted')]),
        includesLink: Type.Boolean({ description: 'Whether `length` counts the appended `link`.' }),
      },
      { additionalProperties: false },
    ),
    hashtags: Type.Object(
      {
        count: Count('Hashtags in the caption (and in the first comment when `includesFirstComment`).'),
        limit: Limit('At most this many hashtags; null: no limit.'),
        includesFirstComment: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    mentions: Type.Object(
      {
        count: Count('Mentions (`@name`) in the caption.'),
        limit: Limit('At most this many; null: no limit.'),
      },
      { additionalProperties: false },
    ),
    media: Type.Object(
      {
        count: Count('Media items attached.'),
        limit: Count('At most this many media items per post.'),
        required: Type.Boolean({ description: 'A post without media is refused (Instagram).' }),
      },
      { additionalProperties: false },
    ),
    firstComment: Type.Object(
      {
        length: Count('The first comment in Unicode characters (0 without one).'),
        limit: Limit('Its limit; null: none.'),
        supported: Type.Boolean({
          description: 'Whether Audenci can post a first comment on this platform.',
        }),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description:
      'What the draft measures against each limit, counted exactly as the rules in `violations` count — ' +
      'for a live counter (`n / limit`) beside the text.',
  },
);

export const ValidationReportSchema = Type.Object(
  {
    valid: Type.Boolean(),
    platform: SocialNetwork,
    violations: Type.Array(
      Type.Object(
        {
          rule: Type.String({ maxLength: 64, examples: ['text.maxLength'] }),
          field: Type.String({ maxLength: 64, examples: ['caption'] }),
          message: Type.String({ maxLength: 1000 }),
          // Lengths, counts, seconds and aspect ratios (a side of at most 2^31 − 1 pixels).
          limit: Type.Optional(Type.Number({ minimum: 0, maximum: 2_147_483_647 })),
          actual: Type.Optional(Type.Number({ minimum: 0, maximum: 2_147_483_647 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
    measurements: MeasurementsSchema,
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
  platform: Type.Optional(SocialNetwork),
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

/** Most ids in `GET /posts?ids=`. */
export const MAX_LISTED_IDS = 100;

export const ListPostsQuery = ListQuery(POST_SORT_FIELDS, {
  ...postFilterProperties,
  ids: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_LISTED_IDS * 65,
      description:
        `Only these posts: up to ${MAX_LISTED_IDS} post ids, comma-separated (one request instead of one ` +
        "per post). An id that is not one of the caller's posts is left out, never an error; the other " +
        'filters, the sort and the pagination apply as usual.',
      examples: ['post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8,post_01JD7Q8ZK2M4N6P8R0T2V4X6Z9'],
    }),
  ),
  campaignId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  mediaId: Type.Optional(
    Type.String({
      pattern: '^med_[0-9A-Za-z]+$',
      maxLength: 64,
      description:
        'Posts whose `mediaIds` include this media item (where an item is used). Case-sensitive, exact id.',
      examples: ['med_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'],
    }),
  ),
});

export const ListCampaignPostsQuery = ListQuery(POST_SORT_FIELDS, postFilterProperties);

/** Most items of a batch (`POST`/`PUT /posts/batch`). */
const MAX_BATCH = 100;

const batchItems = (description: string) =>
  Type.Array(Type.Unknown({ description }), {
    minItems: 1,
    maxItems: MAX_BATCH,
    description: `${description} At most ${MAX_BATCH} items.`,
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
    code: ErrorCode({ examples: ['INVALID_INPUT'] }),
    message: ErrorMessage(),
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
          index: Int32(0, MAX_BATCH - 1, { description: 'Position of the item in `posts` (0-based)' }),
          status: Int32(100, 599, {
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
      { maxItems: MAX_BATCH, description: 'One result per item, in the order of the request' },
    ),
    summary: Type.Object(
      {
        total: Int32(0, MAX_BATCH),
        succeeded: Int32(0, MAX_BATCH, { description: 'Items saved' }),
        failed: Int32(0, MAX_BATCH, { description: 'Items not saved (errors, and 424s)' }),
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
