import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { DATE_INPUT_REASON, isTimeZone, parseDateInput } from '../dates.js';
import type { FieldProblem } from '../errors.js';

/** Format of a date input: a calendar date `YYYY-MM-DD` or an ISO 8601 date-time with a zone. */
export const DATE_OR_DATE_TIME = 'date-or-date-time';
/** Format of an IANA time-zone name that this server knows (`Europe/Paris`, `UTC`). */
export const TIME_ZONE = 'time-zone';
/** `pattern` of a text that must not be blank (only spaces); its problem reads "Must not be blank". */
export const NOT_BLANK = '\\S';
export const TIME_ZONE_REASON = 'Must be an IANA time zone, e.g. Europe/Paris';

/** The keyword marking strings that refuse U+0000 (see `withNoNul`). */
const NO_NUL = 'x-no-nul';
/** The reason given for a string holding U+0000 (which PostgreSQL cannot store), wherever it arrives. */
export const NUL_MESSAGE = 'Must not contain the NUL character (U+0000)';

/**
 * Two validators: bodies are checked strictly (no type coercion, unknown fields rejected, every problem
 * reported); query strings, path and headers coerce text to the declared type (`?limit=20`).
 */
function makeAjv(coerce: boolean) {
  const ajv = new Ajv.default({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats.default(ajv, [
    'date-time',
    'date',
    'uri',
    'email',
    'uuid',
    'ipv4',
    'ipv6',
    'hostname',
    'int32',
    'int64',
  ]);
  ajv.addKeyword({ keyword: 'x-examples' });
  ajv.addKeyword({
    keyword: NO_NUL,
    type: 'string',
    schemaType: 'boolean',
    validate: (enabled: boolean, data: string) => !enabled || !data.includes('\u0000'),
  });
  // The API's own formats, for every route and every job payload or batch item checked with these.
  ajv.addFormat(DATE_OR_DATE_TIME, {
    type: 'string',
    validate: (text) => parseDateInput(text) !== undefined,
  });
  ajv.addFormat(TIME_ZONE, { type: 'string', validate: isTimeZone });
  return ajv;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

/**
 * A copy of a schema in which every string also refuses U+0000: no text the API stores may hold it
 * (PostgreSQL refuses it in text, and nothing legitimate sends it). Only strings the schema types are
 * marked, so a batch's items (`{}` in the batch schema) are checked one by one, by their own schema.
 */
export function withNoNul(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withNoNul);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // `properties` and `patternProperties` map names to schemas; `enum`, `const` and examples are data.
    out[key] = ['enum', 'const', 'default', 'examples', 'example', 'x-examples'].includes(key)
      ? value
      : withNoNul(value);
  }
  const type = (schema as { type?: unknown }).type;
  if (type === 'string' || (Array.isArray(type) && type.includes('string'))) out[NO_NUL] = true;
  return out;
}

/**
 * The schema validator of every part of every request (and of batch items and job payloads, which use
 * it too): Ajv with the API's formats, and strings that refuse U+0000.
 */
export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  return (httpPart === 'body' ? bodyAjv : paramAjv).compile(withNoNul(schema) as object);
}

/**
 * The body validator of `schema` (as `validatorCompiler` makes it), compiled on its first call rather than
 * when the module declaring it loads: a module-level compile is paid by every process at start-up
 * (issue #20), whether or not it ever checks such a body.
 */
export function lazyBodyValidator(schema: object): () => ValidateFunction {
  let validate: ValidateFunction | undefined;
  return () => (validate ??= validatorCompiler({ schema, httpPart: 'body' }) as ValidateFunction);
}

function joinPath(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (child !== undefined) parts.push(child);
  return parts.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function describe(error: ErrorObject | FastifySchemaValidationError): FieldProblem {
  const params = (error.params ?? {}) as Record<string, unknown>;
  const path = error.instancePath ?? '';
  switch (error.keyword) {
    case 'required':
      return { field: joinPath(path, String(params.missingProperty)), reason: 'Field is required' };
    case 'additionalProperties':
      return { field: joinPath(path, String(params.additionalProperty)), reason: 'Unknown field' };
    case 'type':
      return { field: joinPath(path), reason: `Must be ${article(String(params.type))}` };
    case 'enum':
      return {
        field: joinPath(path),
        reason: `Must be one of: ${(params.allowedValues as unknown[]).join(', ')}`,
      };
    case 'const':
      return { field: joinPath(path), reason: `Must be ${JSON.stringify(params.allowedValue)}` };
    case 'format':
      return { field: joinPath(path), reason: formatReason(String(params.format)) };
    case 'minimum':
    case 'exclusiveMinimum':
      return {
        field: joinPath(path),
        reason: `Must be ${error.keyword === 'minimum' ? 'at least' : 'greater than'} ${String(params.limit)}`,
      };
    case 'maximum':
    case 'exclusiveMaximum':
      return {
        field: joinPath(path),
        reason: `Must be ${error.keyword === 'maximum' ? 'at most' : 'less than'} ${String(params.limit)}`,
      };
    case 'minLength':
      return {
        field: joinPath(path),
        reason:
          Number(params.limit) === 1
            ? 'Must not be empty'
            : `Must be at least ${String(params.limit)} characters`,
      };
    case 'maxLength':
      return { field: joinPath(path), reason: `Must be at most ${String(params.limit)} characters` };
    case NO_NUL:
      return { field: joinPath(path), reason: NUL_MESSAGE };
    case 'minItems':
      return { field: joinPath(path), reason: `Must have at least ${String(params.limit)} items` };
    case 'maxItems':
      return { field: joinPath(path), reason: `Must have at most ${String(params.limit)} items` };
    case 'uniqueItems':
      return { field: joinPath(path), reason: 'Must not contain duplicates' };
    case 'pattern':
      return {
        field: joinPath(path),
        reason:
          params.pattern === NOT_BLANK
            ? 'Must not be blank'
            : `Must match the pattern ${String(params.pattern)}`,
      };
    case 'minProperties':
      return { field: joinPath(path), reason: `Must have at least ${String(params.limit)} field(s)` };
    case 'maxProperties':
      return { field: joinPath(path), reason: `Must have at most ${String(params.limit)} fields` };
    default:
      return {
        field: joinPath(path),
        reason: (error.message ?? 'Is invalid').replace(/^./, (c) => c.toUpperCase()),
      };
  }
}

function article(type: string): string {
  const types = type.split(',');
  const words = types.map(
    (t) => ({ integer: 'an integer', object: 'an object', array: 'an array', null: 'null' })[t] ?? `a ${t}`,
  );
  return words.join(' or ');
}

function formatReason(format: string): string {
  switch (format) {
    case 'date-time':
      return 'Must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T09:00:00Z';
    case 'date':
      return 'Must be a date, YYYY-MM-DD';
    case 'uri':
      return 'Must be an absolute URL';
    case DATE_OR_DATE_TIME:
      return DATE_INPUT_REASON;
    case TIME_ZONE:
      return TIME_ZONE_REASON;
    default:
      return `Must be a valid ${format}`;
  }
}

/**
 * The contract's problem list from Ajv's errors: one problem per field, in order. Union branches that
 * fail produce several errors for one field; the first (most specific) is kept.
 */
export function problemsFrom(
  errors: readonly (ErrorObject | FastifySchemaValidationError)[],
): FieldProblem[] {
  // A union of literals (`Type.Union([Type.Literal('asc'), Type.Literal('desc')])`) fails one `const`
  // per branch: name every allowed value, as for an enum.
  const constants = new Map<string, unknown[]>();
  for (const error of errors) {
    if (error.keyword !== 'const') continue;
    const path = error.instancePath ?? '';
    constants.set(path, [
      ...(constants.get(path) ?? []),
      (error.params as { allowedValue?: unknown }).allowedValue,
    ]);
  }
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    const allowed = error.keyword === 'const' ? constants.get(error.instancePath ?? '') : undefined;
    const problem =
      allowed && allowed.length > 1
        ? { field: joinPath(error.instancePath ?? ''), reason: `Must be one of: ${allowed.join(', ')}` }
        : describe(error);
    if (seen.has(problem.field)) continue;
    seen.add(problem.field);
    problems.push(problem);
  }
  return problems.length ? problems : [{ field: '', reason: 'Is invalid' }];
}
