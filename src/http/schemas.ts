import { Type, type TSchema, type TObject, type TProperties, type SchemaOptions } from '@sinclair/typebox';
import { DATE_OR_DATE_TIME, TIME_ZONE } from './validation.js';

/**
 * Schemas shared by every route. Nullable fields are written `type: [T, 'null']` rather than a union:
 * the OpenAPI 3.1 form, and ~10 % faster to serialize.
 */
export function Nullable<T extends TSchema>(schema: T, options: SchemaOptions = {}) {
  const { type, ...rest } = schema as unknown as { type?: string; enum?: unknown[] } & Record<
    string,
    unknown
  >;
  if (typeof type !== 'string') throw new Error('Nullable() takes a schema with one `type`');
  // An enum lists its values, so a nullable one must list null too (`type` alone does not admit it).
  if (Array.isArray(rest.enum)) rest.enum = [...rest.enum, null];
  if ('const' in rest) throw new Error('Nullable() of a const: write an enum of the value and null');
  return Type.Unsafe<T['static'] | null>({ ...rest, ...options, type: [type, 'null'] });
}

/** An ISO 8601 UTC timestamp as the API writes it (`2026-12-01T09:00:00.000Z`). */
export const DateTime = (options: SchemaOptions = {}) =>
  Type.String({ format: 'date-time', maxLength: 35, ...options });

/**
 * Bounded scalars: every string, integer and array of the API states its limits (the OWASP API ruleset
 * holds the document to it), and the limits are true — inputs are validated against them, and what the
 * server answers never exceeds them (the test suite checks every response against the document).
 */
export const MAX_ID_LENGTH = 64;

/** The deepest page `page` reaches (10,000,000 items at 100 a page); `cursor` goes on from any page. */
export const MAX_PAGE = 100_000;

/** Most items of one list page (`limit`). */
export const MAX_LIMIT = 100;

/** Longest URL the API takes or answers (the de-facto limit of browsers and CDNs). */
export const MAX_URL_LENGTH = 2048;

/** Longest opaque cursor (`cursor`, `nextCursor`). */
export const MAX_CURSOR_LENGTH = 2048;

/** An absolute URL the API takes or answers. */
export const Url = (options: SchemaOptions = {}) =>
  Type.String({ format: 'uri', maxLength: MAX_URL_LENGTH, ...options });

/** A prefixed, time-sortable id (`post_…`) as the API writes it; as input, a foreign one is a 404. */
export const Id = (example: string, options: SchemaOptions = {}) =>
  Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, examples: [example], ...options });

/** A 32-bit integer within [minimum, maximum]. */
export const Int32 = (minimum: number, maximum: number, options: SchemaOptions = {}) =>
  Type.Integer({ format: 'int32', minimum, maximum, ...options });

/** A count or metric the server keeps: never negative, and exact in any JSON parser (≤ 2^53 − 1). */
export const Count = (options: SchemaOptions = {}) =>
  Type.Integer({ format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });

/** Milliseconds or seconds since the epoch, up to the year 9999. */
export const MAX_EPOCH_SECONDS = 253_402_300_799;

/**
 * Bounds of the error envelope; `sendError` (http/errors.ts) holds every answer to them, whatever an
 * error's message quotes (a long path, a platform's own message).
 */
export const ERROR_LIMITS = {
  code: 64,
  message: 2000,
  field: 500,
  reason: 1000,
  /** Problems listed in `details.errors` (a body with more lists the first ones). */
  errors: 100,
} as const;

export const ErrorCode = (options: SchemaOptions = {}) =>
  Type.String({ minLength: 1, maxLength: ERROR_LIMITS.code, ...options });
export const ErrorMessage = (options: SchemaOptions = {}) =>
  Type.String({ maxLength: ERROR_LIMITS.message, ...options });

const ProblemField = Type.String({ maxLength: ERROR_LIMITS.field });
const ProblemReason = Type.String({ maxLength: ERROR_LIMITS.reason });

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object(
      {
        code: ErrorCode({
          description: 'Stable machine-readable code, e.g. INVALID_INPUT',
          examples: ['INVALID_INPUT'],
        }),
        message: ErrorMessage({
          description: 'Human-readable explanation',
          examples: ['Caption is required'],
        }),
        details: Type.Optional(
          Type.Object(
            {
              field: Type.Optional(ProblemField),
              reason: Type.Optional(ProblemReason),
              errors: Type.Optional(
                Type.Array(
                  Type.Object({ field: ProblemField, reason: ProblemReason }, { additionalProperties: true }),
                  { maxItems: ERROR_LIMITS.errors },
                ),
              ),
            },
            {
              additionalProperties: true,
              description: 'Structured context; for INVALID_INPUT the first problem and all of them',
            },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: 'ErrorEnvelope',
    title: 'ErrorEnvelope',
    description: 'Every non-2xx response has this body.',
    additionalProperties: false,
  },
);

export const PaginationSchema = Type.Object(
  {
    page: Count({
      minimum: 1,
      description: `The page this response is (1-based; past ${MAX_PAGE.toLocaleString('en-US')} only by following \`nextCursor\`)`,
    }),
    limit: Int32(1, MAX_LIMIT),
    totalCount: Count({ description: 'Items matching the filters, across all pages' }),
    hasMore: Type.Boolean(),
    nextCursor: Nullable(Type.String({ maxLength: MAX_CURSOR_LENGTH }), {
      description: 'Pass as `cursor` to continue after this page; null on the last page',
    }),
  },
  { $id: 'Pagination', title: 'Pagination', additionalProperties: false },
);

/** `page`, `limit` and `cursor`, shared by every list endpoint. */
export const listQueryProperties = {
  page: Type.Integer({
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
    description: `Page number, 1-based, at most ${MAX_PAGE.toLocaleString('en-US')} (beyond, follow \`nextCursor\`). Ignored when \`cursor\` is given.`,
  }),
  limit: Int32(1, MAX_LIMIT, {
    default: 20,
    description: `Items per page (max ${MAX_LIMIT}).`,
  }),
  cursor: Type.String({
    minLength: 1,
    maxLength: MAX_CURSOR_LENGTH,
    description:
      'Opaque `nextCursor` of the previous page: continues after its last item (keyset pagination).',
  }),
  sortOrder: Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
    default: 'desc',
    description: 'Sort direction',
  }),
};

export function ListQuery<P extends TProperties>(
  sortBy: readonly string[],
  extra: P,
  defaultSort = sortBy[0]!,
) {
  return Type.Object(
    {
      page: Type.Optional(listQueryProperties.page),
      limit: Type.Optional(listQueryProperties.limit),
      cursor: Type.Optional(listQueryProperties.cursor),
      sortBy: Type.Optional(
        Type.Unsafe<string>({
          type: 'string',
          enum: [...sortBy],
          default: defaultSort,
          description: 'Field to sort by; ties are broken by id',
        }),
      ),
      sortOrder: Type.Optional(listQueryProperties.sortOrder),
      ...extra,
    },
    { additionalProperties: false },
  );
}

/**
 * An error status particular to a route (a 409, a 502…), with what it means there. The statuses every
 * route shares (400, 401, 403, 404, 429, 500, 503…) are added to the document in one place
 * (openapi.decorate.ts); a route names only its own.
 */
export const ErrorResponse = (description: string) => Type.Ref(ErrorEnvelope, { description });

export function DataEnvelope<T extends TSchema>(item: T, description?: string) {
  return Type.Object(
    { data: item },
    { additionalProperties: false, ...(description ? { description } : {}) },
  );
}

export function ListEnvelope<T extends TSchema>(item: T, description?: string) {
  return Type.Object(
    { data: Type.Array(item, { maxItems: MAX_LIMIT }), pagination: Type.Ref(PaginationSchema) },
    { additionalProperties: false, ...(description ? { description } : {}) },
  );
}

export const DeletedSchema = (prefixExample: string) =>
  Type.Object({ id: Id(prefixExample), deleted: Type.Literal(true) }, { additionalProperties: false });

export function IdParams(name: string, example: string) {
  return Type.Object({ id: Id(example, { description: `${name} id` }) }, { additionalProperties: false });
}

/** Keeps TypeBox's TObject shape for callers that need it. */
export type ObjectSchema = TObject;

/**
 * A date input: a calendar date `YYYY-MM-DD` or an ISO 8601 date-time with a zone (format
 * `date-or-date-time`, checked by the schema so that a bad date is listed with every other problem).
 */
export const DateOrDateTime = (options: SchemaOptions = {}) =>
  Type.String({ format: DATE_OR_DATE_TIME, maxLength: 40, ...options });

/** An IANA time-zone name (format `time-zone`: one this server knows, e.g. `Europe/Paris`). */
export const TimeZoneName = (options: SchemaOptions = {}) =>
  Type.String({ format: TIME_ZONE, minLength: 1, maxLength: 64, examples: ['Europe/Paris'], ...options });
