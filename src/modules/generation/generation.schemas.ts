import { Type, type Static } from '@sinclair/typebox';
import type { FieldProblem } from '../../shared/errors.js';
import { DRAFT_LIMITS, TONES } from '../../ai/index.js';
import { Int32 } from '../../http/schemas.js';
import { NOT_BLANK } from '../../shared/validation/validator.js';
import { PLATFORMS } from '../../platforms/platforms.js';

/** Named sizes of `POST /images/generate` (`aspectRatio`), in pixels. */
export const ASPECT_SIZES = {
  '1:1': { width: 1080, height: 1080 },
  '4:5': { width: 1080, height: 1350 },
  '16:9': { width: 1600, height: 900 },
  '9:16': { width: 1080, height: 1920 },
  '1.91:1': { width: 1200, height: 628 },
} as const;
export type AspectRatio = keyof typeof ASPECT_SIZES;

export const MIN_SIDE = 64;
export const MAX_SIDE = 4096;
export const MAX_CAPTIONS = 5;
export const MAX_IMAGES = 4;

const BrandId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "One of the caller's brands: its voice (captions) or colours (images) are used",
  examples: ['brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'],
});

export const CaptionDraftSchema = Type.Object(
  {
    caption: Type.String({
      maxLength: DRAFT_LIMITS.caption,
      description: "The caption, hashtags included where the platform's convention puts them",
      examples: ["Let's talk about our spring cold brew! 😊 #spring #cold"],
    }),
    hashtags: Type.Array(Type.String({ maxLength: DRAFT_LIMITS.hashtag }), {
      maxItems: DRAFT_LIMITS.hashtags,
      description: `The hashtags in \`caption\`, without \`#\`, in order (at most ${DRAFT_LIMITS.hashtags}, and no more than the platform allows)`,
      examples: [['spring', 'cold']],
    }),
  },
  {
    $id: 'CaptionDraft',
    title: 'CaptionDraft',
    description: "A generated caption that passes its platform's text rules (length, hashtags, mentions).",
    additionalProperties: false,
  },
);

export const GenerateCaptionsBody = Type.Object(
  {
    topic: Type.String({
      minLength: 1,
      maxLength: 1000,
      pattern: NOT_BLANK,
      examples: ['Our new spring cold brew'],
    }),
    platform: Type.Union(
      PLATFORMS.map((p) => Type.Literal(p)),
      { description: 'The platform whose rules and conventions the captions follow' },
    ),
    tone: Type.Optional(
      Type.Union(
        TONES.map((t) => Type.Literal(t)),
        { description: "Defaults to what the brand voice suggests, else the platform's habit" },
      ),
    ),
    brandId: Type.Optional(BrandId),
    n: Type.Optional(Int32(1, MAX_CAPTIONS, { default: 3, description: 'How many drafts' })),
  },
  { additionalProperties: false },
);
export type GenerateCaptionsInput = Static<typeof GenerateCaptionsBody>;

export const GenerateImagesBody = Type.Object(
  {
    prompt: Type.String({
      minLength: 1,
      maxLength: 1000,
      pattern: NOT_BLANK,
      examples: ['Summer sale: 20 % off everything'],
    }),
    brandId: Type.Optional(BrandId),
    aspectRatio: Type.Optional(
      Type.Union(
        Object.keys(ASPECT_SIZES).map((r) => Type.Literal(r)),
        {
          description:
            '1:1 → 1080×1080, 4:5 → 1080×1350, 16:9 → 1600×900, 9:16 → 1080×1920, 1.91:1 → 1200×628. ' +
            'Default 1:1; give this or `size`, not both.',
        },
      ),
    ),
    size: Type.Optional(
      Type.String({
        pattern: '^[0-9]{2,4}x[0-9]{2,4}$',
        maxLength: 9,
        description: `Exact size \`WIDTHxHEIGHT\`, each side ${MIN_SIDE}–${MAX_SIDE} px`,
        examples: ['1200x630'],
      }),
    ),
    style: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'Free text for a model; the builtin renderer knows `gradient` (default), `minimal`, `bold`',
      }),
    ),
    format: Type.Optional(Type.Union([Type.Literal('png'), Type.Literal('jpeg')], { default: 'png' })),
    n: Type.Optional(Int32(1, MAX_IMAGES, { default: 1 })),
  },
  { additionalProperties: false },
);
export type GenerateImagesInput = Static<typeof GenerateImagesBody>;

/**
 * The rules of an image request its schema cannot express: `aspectRatio` or `size`, not both, and each
 * side of `size` within bounds. Names the fields of the body (a job payload prefixes them).
 */
export function imageInputProblems(input: Record<string, unknown>): FieldProblem[] {
  if (input.aspectRatio !== undefined && input.size !== undefined) {
    return [{ field: 'size', reason: 'Give aspectRatio or size, not both' }];
  }
  if (typeof input.size !== 'string' || !/^[0-9]+x[0-9]+$/.test(input.size)) return [];
  const sides = input.size.split('x').map(Number);
  return sides.some((side) => side < MIN_SIDE || side > MAX_SIDE)
    ? [{ field: 'size', reason: `Each side must be between ${MIN_SIDE} and ${MAX_SIDE} pixels` }]
    : [];
}
