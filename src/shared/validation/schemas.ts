import { Type, type TSchema, type SchemaOptions } from '@sinclair/typebox';
import { DATE_OR_DATE_TIME, TIME_ZONE } from './validator.js';

/*
 * The schema primitives every TypeBox schema of ours builds on (API bodies and answers, job payloads,
 * batch items), with their bounds. Nothing here is HTTP: http/schemas.ts adds the envelopes, lists and
 * path parameters routes use, and re-exports these for route and schema files.
 */

/**
 * A nullable schema, written `type: [T, 'null']` rather than a union: the OpenAPI 3.1 form, and ~10 %
 * faster to serialize.
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

/** Longest URL the API takes or answers (the de-facto limit of browsers and CDNs). */
export const MAX_URL_LENGTH = 2048;

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

/**
 * A date input: a calendar date `YYYY-MM-DD` or an ISO 8601 date-time with a zone (format
 * `date-or-date-time`, checked by the schema so that a bad date is listed with every other problem).
 */
export const DateOrDateTime = (options: SchemaOptions = {}) =>
  Type.String({ format: DATE_OR_DATE_TIME, maxLength: 40, ...options });

/** An IANA time-zone name (format `time-zone`: one this server knows, e.g. `Europe/Paris`). */
export const TimeZoneName = (options: SchemaOptions = {}) =>
  Type.String({ format: TIME_ZONE, minLength: 1, maxLength: 64, examples: ['Europe/Paris'], ...options });
