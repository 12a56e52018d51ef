import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { MEDIA_TYPES, PLATFORMS, type Platform, type PlatformRules } from '../../platforms/rules.js';

/** A platform id: the `platform` of posts, accounts, comments and analytics. */
export const PlatformName = Type.Unsafe<Platform>({
  type: 'string',
  enum: [...PLATFORMS],
  description: 'Platform id, as used in `platform` fields across the API',
  examples: ['instagram'],
});

const Limit = (description: string) => Nullable(Type.Integer({ minimum: 0 }), { description });
const Bound = (description: string) => Nullable(Type.Number({ minimum: 0 }), { description });

export const PlatformRulesSchema = Type.Object(
  {
    platform: PlatformName,
    displayName: Type.String({ examples: ['Instagram'] }),
    text: Type.Object(
      {
        maxLength: Type.Integer({ minimum: 1, description: 'Longest caption, measured as `counting` says' }),
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
        maxCount: Type.Integer({ minimum: 0, description: 'Most media items in one post' }),
        types: Type.Array(
          Type.Unsafe<PlatformRules['media']['types'][number]>({ type: 'string', enum: [...MEDIA_TYPES] }),
          {
            description: 'Media types the platform takes',
          },
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
    notes: Type.String({ description: 'The rules in a sentence or two, for people' }),
    sources: Type.Array(Type.String({ format: 'uri' }), { description: 'Where the numbers come from' }),
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
const schemaMatchesData: Same<Static<typeof PlatformRulesSchema>, PlatformRules> = true;
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
  { data: Type.Array(Type.Ref(PlatformRulesSchema)) },
  { additionalProperties: false, description: 'Every supported platform; a small fixed set, not paginated' },
);
