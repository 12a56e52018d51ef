import { Type, type Static } from '@sinclair/typebox';
import { Int32, Nullable, Url } from '../../http/schemas.js';
import type { PlatformRules } from '../../platforms/definition.js';
import { MEDIA_TYPES } from '../../platforms/media.js';
import { PLATFORMS, type Platform } from '../../platforms/platforms.js';

/** A platform id: the `platform` of posts, accounts, comments and analytics. */
export const PlatformName = Type.Unsafe<Platform>({
  type: 'string',
  enum: [...PLATFORMS],
  description: 'Platform id, as used in `platform` fields across the API',
  examples: ['instagram'],
});

/** The `platform` of a post or a social account: the network it is on. */
export const SocialNetwork = Type.Unsafe<string>({
  type: 'string',
  enum: [...PLATFORMS],
  description: 'Social network',
  examples: ['instagram'],
});

/**
 * The rules are this server's own data (each network's definition.ts), so their bounds are generous ceilings, not guesses:
 * counts and lengths fit in 1,000,000, ratios and durations in 100,000.
 */
const MAX_RULE = 1_000_000;
const Limit = (description: string) => Nullable(Int32(0, MAX_RULE), { description });
const Bound = (description: string) =>
  Nullable(Type.Number({ minimum: 0, maximum: 100_000 }), { description });

export const PlatformRulesSchema = Type.Object(
  {
    platform: PlatformName,
    displayName: Type.String({ maxLength: 100, examples: ['Instagram'] }),
    text: Type.Object(
      {
        maxLength: Int32(1, MAX_RULE, { description: 'Longest caption, measured as `counting` says' }),
        counting: Type.Unsafe<PlatformRules['text']['counting']>({
          type: 'string',
          enum: ['characters', 'twitter-weighted'],
          description:
            "`characters`: Unicode code points after NFC normalization. `twitter-weighted`: X's count " +
            '(twitter-text v3): most Latin, punctuation and symbols 1, CJK and emoji 2, every URL 23.',
        }),
      },
      { additionalProperties: false },
    ),
    hashtags: Type.Object(
      {
        max: Limit('Most `#hashtags` a post may carry; null when the platform sets no limit'),
        includesFirstComment: Type.Boolean({
          description: 'Hashtags in the first comment count toward `max` too',
        }),
      },
      { additionalProperties: false },
    ),
    mentions: Type.Object(
      { max: Limit('Most `@mentions` a caption may carry; null when the platform sets no limit') },
      { additionalProperties: false },
    ),
    media: Type.Object(
      {
        required: Type.Boolean({ description: 'A post without media is refused' }),
        maxCount: Int32(0, MAX_RULE, { description: 'Most media items in one post' }),
        types: Type.Array(
          Type.Unsafe<PlatformRules['media']['types'][number]>({ type: 'string', enum: [...MEDIA_TYPES] }),
          { maxItems: MEDIA_TYPES.length, uniqueItems: true, description: 'Media types the platform takes' },
        ),
        maxImages: Limit('Most images in one post'),
        maxVideos: Limit('Most videos in one post'),
        maxGifs: Limit('Most GIFs in one post'),
        mixing: Type.Boolean({ description: 'Whether one post may combine media of different types' }),
        minImageAspectRatio: Bound('Narrowest image, as width ÷ height'),
        maxImageAspectRatio: Bound('Widest image, as width ÷ height'),
        minVideoSeconds: Bound('Shortest video'),
        maxVideoSeconds: Bound('Longest video'),
      },
      { additionalProperties: false },
    ),
    link: Type.Object(
      {
        allowed: Type.Boolean({ description: 'Whether a post may carry a `link`' }),
        inText: Type.Boolean({
          description: 'The link is appended to the caption and counts toward the text limit',
        }),
        countsAs: Limit(
          'Characters an appended link takes from the text limit (X: 23, its t.co length); null: its own length',
        ),
      },
      { additionalProperties: false },
    ),
    firstComment: Type.Object(
      {
        supported: Type.Boolean({ description: 'Whether a first comment can be posted under the post' }),
        maxLength: Limit('Longest first comment, in characters'),
      },
      { additionalProperties: false },
    ),
    notes: Type.String({ maxLength: 2000, description: 'The rules in a sentence or two, for people' }),
    sources: Type.Array(Url(), { maxItems: 20, description: 'Where the numbers come from' }),
  },
  {
    $id: 'PlatformRules',
    title: 'PlatformRules',
    description:
      "A platform's publishing rules. Posts are checked against them before they are scheduled or " +
      'published; a broken rule is a 400 naming it.',
    additionalProperties: false,
  },
);

// The schema and the data it describes must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesData: Same<Static<typeof PlatformRulesSchema>, PlatformRules<Platform>> = true;
void schemaMatchesData;

export const PlatformParams = Type.Object(
  {
    platform: Type.String({
      minLength: 1,
      maxLength: 64,
      description: `Platform id: one of ${PLATFORMS.join(', ')}`,
      examples: ['instagram'],
    }),
  },
  { additionalProperties: false },
);

export const PlatformListEnvelope = Type.Object(
  { data: Type.Array(Type.Ref(PlatformRulesSchema), { maxItems: PLATFORMS.length }) },
  { additionalProperties: false, description: 'Every supported platform; a small fixed set, not paginated' },
);
