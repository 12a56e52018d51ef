import { Type } from '@sinclair/typebox';
import { Count, DateTime, Id, Int32, ListQuery, MAX_ID_LENGTH, Nullable, Url } from '../../http/schemas.js';
import {
  MAX_FILENAME_LENGTH,
  MAX_THUMBNAIL_BYTES,
  MAX_VIDEO_SECONDS,
  MEDIA_SOURCES,
  MEDIA_TYPES,
} from '../../db/tables/media.js';

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

/** Pixels of a side: PNG allows up to 2^31 − 1, JPEG and GIF 65,535, MP4 65,536. */
const Side = Nullable(Int32(0, 2_147_483_647, { examples: [1080] }));
const BrandId = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, examples: [BRAND_EXAMPLE] });

const MediaType = Type.Unsafe<(typeof MEDIA_TYPES)[number]>({
  type: 'string',
  enum: [...MEDIA_TYPES],
  description: '`image` (PNG, JPEG, WebP), `gif`, or `video` (MP4, MOV, WebM)',
});

export const MediaSchema = Type.Object(
  {
    id: Id(MEDIA_EXAMPLE),
    brandId: Nullable(BrandId),
    type: MediaType,
    mimeType: Type.Unsafe<(typeof CONTENT_TYPES)[number]>({
      type: 'string',
      enum: [...CONTENT_TYPES],
      description: 'Read from the file itself (magic numbers), not from what the uploader declared',
      examples: ['image/png'],
    }),
    size: Count({ description: 'Bytes', examples: [48213] }),
    sha256: Type.String({
      pattern: '^[0-9a-f]{64}$',
      maxLength: 64,
      description: "SHA-256 of the content (hex); also the content's strong ETag",
    }),
    width: Side,
    height: Side,
    durationSeconds: Nullable(
      Type.Number({
        minimum: 0,
        maximum: MAX_VIDEO_SECONDS,
        description: 'Videos (MP4/MOV) only; null when unknown (or when the file claims more than a year)',
        examples: [12.5],
      }),
    ),
    filename: Nullable(
      Type.String({
        maxLength: MAX_FILENAME_LENGTH,
        description: `The uploaded file's name, or the URL's last segment (cut to ${MAX_FILENAME_LENGTH} characters)`,
        examples: ['launch.png'],
      }),
    ),
    source: Type.Unsafe<(typeof MEDIA_SOURCES)[number]>({
      type: 'string',
      enum: [...MEDIA_SOURCES],
      description: '`upload` (multipart), `url` (imported), `generated` (AI image generation)',
    }),
    url: Url({
      description: 'The content (`GET /media/{id}/content`): send the API key, or use a signed link',
      examples: [`https://api.audenci.com/api/v1/media/${MEDIA_EXAMPLE}/content`],
    }),
    thumbnailUrl: Nullable(Url({ description: 'A JPEG of at most 320×320 px, for images and GIFs' })),
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
    brandId: Type.Optional(Nullable(BrandId)),
  },
  { additionalProperties: false, examples: [{ url: 'https://example.com/images/launch.png' }] },
);

/**
 * The multipart form as documented. Parts are read from the stream by the handler (the file is never
 * buffered), so the validator sees an empty object: `file` is required by the handler, not here.
 * `maxBytes` is the server's limit for the largest type (413 beyond its own type's limit).
 */
export const uploadMediaForm = (maxBytes: number) =>
  Type.Object(
    {
      file: Type.Optional(
        Type.Unsafe<string>({
          type: 'string',
          contentMediaType: 'application/octet-stream',
          maxLength: maxBytes,
          description: 'The file (required). Its part Content-Type, if specific, must agree with its bytes.',
        }),
      ),
      brandId: Type.Optional(Type.String({ ...BrandId, description: 'The brand the item belongs to' })),
    },
    { additionalProperties: false },
  );

export const ListMediaQuery = ListQuery(['createdAt'], {
  type: Type.Optional(MediaType),
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH })),
});

export const ContentQuery = Type.Object(
  {
    expires: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,12}$',
        maxLength: 12,
        description: 'Signed links: expiry (Unix seconds)',
      }),
    ),
    signature: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Signed links: the signature' }),
    ),
  },
  { additionalProperties: false },
);

/** A binary response of at most `maxBytes` in each media type. */
export function binaryContent(types: readonly string[], maxBytes: number) {
  return Object.fromEntries(
    types.map((t) => [t, { schema: { type: 'string', format: 'binary', maxLength: maxBytes } }]),
  );
}

export { MAX_THUMBNAIL_BYTES };
