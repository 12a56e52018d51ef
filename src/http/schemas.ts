import { Type, type TSchema, type TObject, type TProperties, type SchemaOptions } from '@sinclair/typebox';
import { Count, ERROR_LIMITS, Id, Int32, Nullable } from '../shared/validation/schemas.js';

/** The primitives, for route and schema files (which take every schema piece from here). */
export {
  Count,
  DateOrDateTime,
  DateTime,
  ERROR_LIMITS,
  Id,
  Int32,
  MAX_EPOCH_SECONDS,
  MAX_ID_LENGTH,
  MAX_URL_LENGTH,
  Nullable,
  TimeZoneName,
  Url,
} from '../shared/validation/schemas.js';

/*
 * Schemas shared by every route: the error and data envelopes, lists, pagination and path parameters.
 */

/** The deepest page `page` reaches (10,000,000 items at 100 a page); `cursor` goes on from any page. */
export const MAX_PAGE = 100_000;

/** Most items of one list page (`limit`). */
export const MAX_LIMIT = 100;

/** Longest opaque cursor (`cursor`, `nextCursor`). */
export const MAX_CURSOR_LENGTH = 2048;

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
