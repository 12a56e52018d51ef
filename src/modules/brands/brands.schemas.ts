import { Type } from '@sinclair/typebox';
import { readOnlyFields } from '../../http/read-only.js';
import { DateTime, Id, ListQuery, Nullable, TimeZoneName } from '../../http/schemas.js';
import { NOT_BLANK } from '../../shared/validation/validator.js';

const Color = Type.String({
  pattern: '^#[0-9a-fA-F]{6}$',
  maxLength: 7,
  description: 'Hex colour #rrggbb',
  examples: ['#1A73E8'],
});
const Colors = Type.Array(Color, { maxItems: 10, description: 'Brand colours, main first' });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK, examples: ['Acme Coffee'] });
const TimeZone = TimeZoneName({ description: 'IANA time zone' });
const Voice = Nullable(Type.String({ maxLength: 2000 }), {
  description: 'How the brand speaks; guides AI-generated captions',
  examples: ['Warm, playful, no jargon'],
});

export const BrandSchema = Type.Object(
  {
    id: Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    name: Name,
    // The zone as stored (checked as input by TimeZone's format, which a reader of answers need not know).
    timezone: Type.String({ minLength: 1, maxLength: TimeZone.maxLength, examples: ['Europe/Paris'] }),
    voice: Voice,
    colors: Colors,
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { $id: 'Brand', title: 'Brand', additionalProperties: false },
);

export const CreateBrandBody = Type.Object(
  {
    name: Name,
    timezone: Type.Optional(TimeZone),
    voice: Type.Optional(Voice),
    colors: Type.Optional(Colors),
  },
  {
    additionalProperties: false,
    examples: [
      { name: 'Acme Coffee', timezone: 'Europe/Paris', voice: 'Warm and playful', colors: ['#6F4E37'] },
    ],
  },
);

/** Fields clients may not set on a brand: refused by POST and PATCH, compared by PUT. */
export const BRAND_READ_ONLY = ['id', 'createdAt', 'updatedAt', 'organizationId', 'environment'] as const;

export const BRAND_READ_ONLY_FIELDS = readOnlyFields(BrandSchema, BRAND_READ_ONLY);

/**
 * PUT: the whole editable brand; `timezone` left out becomes UTC, `voice` null, `colors` empty. It may
 * also carry the read-only fields exactly as GET returned them.
 */
export const ReplaceBrandBody = Type.Object(
  { ...CreateBrandBody.properties, ...BRAND_READ_ONLY_FIELDS.echo },
  {
    additionalProperties: false,
    examples: [{ name: 'Acme Coffee', timezone: 'Europe/Paris', voice: 'Confident and concise', colors: [] }],
  },
);

/** PATCH: only the fields to change. */
export const UpdateBrandBody = Type.Object(
  {
    name: Type.Optional(Name),
    timezone: Type.Optional(TimeZone),
    voice: Type.Optional(Voice),
    colors: Type.Optional(Colors),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ voice: 'Confident and concise' }] },
);

export const ListBrandsQuery = ListQuery(['createdAt', 'updatedAt', 'name'], {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Exact name' })),
});
