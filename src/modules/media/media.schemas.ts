import { Type } from '@sinclair/typebox';
import { DateTime, ListQuery, Nullable } from '../../http/schemas.js';
import { MEDIA_SOURCES, MEDIA_TYPES } from './media.table.js';

export const MEDIA_EXAMPLE = 'med_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';
const BRAND_EXAMPLE = 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';

/** The content types an upload may have (from its bytes). */
export const CONTENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'video/mp4',
  'video/quicktime',
  'video/webm',
] as const;

const MediaType = Type.Unsafe<(typeof MEDIA_TYPES)[number]>({
  type: 'string',
  enum: [...MEDIA_TYPES],
  description: '`image` (PNG, JPEG, WebP), `gif`, or `video` (MP4, MOV, WebM)',
});

export const MediaSchema = Type.Object(
  {
    id: Type.String({ examples: [MEDIA_EXAMPLE] }),
    brandId: Nullable(Type.String({ examples: [BRAND_EXAMPLE] })),
    type: MediaType,
    mimeType: Type.String({
      description: 'Read from the file itself (magic numbers), not from what the uploader declared',
      examples: ['image/png'],
    }),
    size: Type.Integer({ minimum: 0, description: 'Bytes', examples: [48213] }),
    sha256: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description: "SHA-256 of the content (hex); also the content's strong ETag",
    }),
    width: Nullable(Type.Integer({ minimum: 0, examples: [1080] })),
    height: Nullable(Type.Integer({ minimum: 0, examples: [1350] })),
    durationSeconds: Nullable(
      Type.Number({ minimum: 0, description: 'Videos (MP4/MOV) only', examples: [12.5] }),
    ),
    filename: Nullable(Type.String({ examples: ['launch.png'] })),
    source: Type.Unsafe<(typeof MEDIA_SOURCES)[number]>({
      type: 'string',
      enum: [...MEDIA_SOURCES],
      description: '`upload` (multipart), `url` (imported), `generated` (AI image generation)',
    }),
    url: Type.String({
      format: 'uri',
      description: 'The content (`GET /media/{id}/content`): send the API key, or use a signed link',
      examples: [`https://api.audenci.com/api/v1/media/${MEDIA_EXAMPLE}/content`],
    }),
    thumbnailUrl: Nullable(
      Type.String({ format: 'uri', description: 'A JPEG of at most 320×320 px, for images and GIFs' }),
    ),
    createdAt: DateTime(),
  },
  {
    $id: 'Media',
    title: 'Media',
    description: 'An uploaded or imported image, GIF or video that posts refer to by id.',
    additionalProperties: false,
  },
);

export const ImportMediaBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        'http(s) URL of the file, downloaded by the server. It must resolve to a public address (private, ' +
        'loopback and link-local addresses are refused unless the server sets AUDENCI_ALLOW_PRIVATE_URLS=true)',
      examples: ['https://example.com/images/launch.png'],
    }),
    brandId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, examples: [BRAND_EXAMPLE] }))),
  },
  { additionalProperties: false, examples: [{ url: 'https://example.com/images/launch.png' }] },
);

/**
 * The multipart form as documented. Parts are read from the stream by the handler (the file is never
 * buffered), so the validator sees an empty object: `file` is required by the handler, not here.
 */
export const UploadMediaForm = Type.Object(
  {
    file: Type.Optional(
      Type.Unsafe<string>({
        type: 'string',
        contentMediaType: 'application/octet-stream',
        description: 'The file (required). Its part Content-Type, if specific, must agree with its bytes.',
      }),
    ),
    brandId: Type.Optional(
      Type.String({ description: 'The brand the item belongs to', examples: [BRAND_EXAMPLE] }),
    ),
  },
  { additionalProperties: false },
);

export const ListMediaQuery = ListQuery(['createdAt'], {
  type: Type.Optional(MediaType),
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export const ContentQuery = Type.Object(
  {
    expires: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,12}$', description: 'Signed links: expiry (Unix seconds)' }),
    ),
    signature: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Signed links: the signature' }),
    ),
  },
  { additionalProperties: false },
);

/** A binary response in each media type. */
export function binaryContent(types: readonly string[]) {
  return Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]));
}
