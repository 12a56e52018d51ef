/**
 * What every operation of the OpenAPI document shares, added in one place after the routes' own schemas
 * are collected: the error responses the server can write (with the envelope and their headers), the
 * request headers it reads, response headers, and names for request bodies. Each rule here mirrors a
 * mechanism of the server (authentication, rate limits, idempotency, ETags, load shedding); the contract
 * check of the test suite holds the server to it.
 */
import { ERROR_CODES } from '../shared/errors.js';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from './idempotency.js';
import { REQUEST_ID_PATTERN } from './observability.js';

type Json = Record<string, unknown>;

/** Extension set on operations whose route honours `Idempotency-Key` (see app.ts). */
export const IDEMPOTENT_EXTENSION = 'x-idempotent';
/**
 * Extension naming what an operation's rate limit counts: `organization` (every authenticated route: the
 * plan's limit per organization and environment) or `address` (public routes, per client address).
 * Probes (liveness, readiness, metrics) have none.
 */
export const RATE_LIMIT_EXTENSION = 'x-rate-limit';

const IN_FLIGHT =
  'a request with the same `Idempotency-Key` is still being processed (retry after `Retry-After`)';

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid input: `details.field`, `details.reason` and `details.errors[]` say what is wrong',
  '401': 'Missing, malformed, unknown, revoked or expired API key (with `WWW-Authenticate: Bearer`)',
  '403': "The key's scope does not allow this (`details.requiredScope`)",
  '404': 'No such object for this organization and environment',
  '409': `${IN_FLIGHT.charAt(0).toUpperCase()}${IN_FLIGHT.slice(1)}`,
  '413': 'Request body larger than the limit (1 MiB; 20 MiB for `POST /jobs`; uploads: per media type)',
  '410': 'Deprecated and past its `Sunset`: no longer served (the message names the replacement)',
  '415': 'Unsupported Content-Type',
  '422': 'This `Idempotency-Key` was already used with a different request (`IDEMPOTENCY_KEY_REUSED`)',
  '429':
    'Rate limit exceeded, or too many failed authentications from this client address ' +
    '(`details.reason`: `authentication_failures`); retry after `Retry-After` seconds',
  '500': 'Unexpected error (no internals are shown; quote the X-Request-Id)',
  '503':
    'The server is overloaded, shutting down, or its database is unavailable; nothing was done. Retry ' +
    'after `Retry-After` seconds',
};

const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

const INT32 = { type: 'integer', format: 'int32' };
const UNIX_SECONDS = { type: 'integer', format: 'int64', minimum: 0, maximum: 253_402_300_799 };

export const HEADER_COMPONENTS = {
  'X-Request-Id': {
    description: 'Id of this request (echoes a valid incoming X-Request-Id)',
    schema: { type: 'string', maxLength: 128, pattern: REQUEST_ID_PATTERN.source },
  },
  'X-RateLimit-Limit': {
    description:
      "Requests allowed in the current window (while the shared count is unavailable, this API process's " +
      'share of the limit: the limit divided by the number of API processes)',
    schema: { ...INT32, minimum: 0, maximum: 2_147_483_647 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { ...INT32, minimum: 0, maximum: 2_147_483_647 },
  },
  'X-RateLimit-Reset': {
    description: 'Unix time (seconds) at which the window resets',
    schema: UNIX_SECONDS,
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { ...INT32, minimum: 0, maximum: 86_400 },
  },
  'WWW-Authenticate': {
    description: 'Bearer challenge (RFC 6750)',
    schema: { type: 'string', maxLength: 200, pattern: '^Bearer ' },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this is the stored response of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
  ETag: {
    description: 'Entity tag of the body; send it back in If-None-Match',
    schema: { type: 'string', maxLength: 100, pattern: '^(W/)?"[!#-~]*"$' },
  },
};

export const PARAMETER_COMPONENTS = {
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description:
      'Your id for this request (1–128 of `A–Z a–z 0–9 . _ : -`): echoed in the response and written in our ' +
      'logs. Anything else is replaced by a generated id.',
    schema: { type: 'string', maxLength: 128, pattern: REQUEST_ID_PATTERN.source },
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a retry safe: within 24 h, the same key with the same request returns the first response ' +
      '(with `Idempotent-Replayed: true`) without doing the work again; with a different request it is a ' +
      '422, and while the first is still running a 409. Scoped to the organization and environment. ' +
      `1–${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, e.g. a UUID.`,
    schema: {
      type: 'string',
      minLength: 1,
      maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
      pattern: '^[\\x20-\\x7e]+$',
    },
  },
  IfNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description: 'The `ETag` of a copy you hold: answered 304 without a body while it is current.',
    schema: { type: 'string', maxLength: 1000 },
  },
};

/**
 * A refused key counts against its address's budget of failed authentications, and its 401 says how much
 * is left (a request without credentials is not counted and carries none of these).
 */
const AUTH_FAILURE_HEADERS = {
  'X-RateLimit-Limit': {
    description: 'Failed authentications this address may make per window (AUDENCI_AUTH_FAILURE_LIMIT)',
    schema: HEADER_COMPONENTS['X-RateLimit-Limit'].schema,
  },
  'X-RateLimit-Remaining': {
    description: 'Failed authentications this address may still make in the window; then 429',
    schema: HEADER_COMPONENTS['X-RateLimit-Remaining'].schema,
  },
  'X-RateLimit-Reset': {
    description: 'Unix time (seconds) at which the failure count starts again',
    schema: HEADER_COMPONENTS['X-RateLimit-Reset'].schema,
  },
};

function errorResponse(
  status: string,
  options: { rateLimited: boolean; idempotent: boolean; description?: string },
): Json {
  const { rateLimited, idempotent, description } = options;
  const headers: Json = { 'X-Request-Id': ref('headers', 'X-Request-Id') };
  if (rateLimited) for (const h of RATE_LIMIT_HEADERS) headers[h] = ref('headers', h);
  // 409 carries Retry-After when the same Idempotency-Key is still being processed.
  if (status === '429' || status === '503' || (status === '409' && idempotent)) {
    headers['Retry-After'] = ref('headers', 'Retry-After');
  }
  if (status === '401') {
    headers['WWW-Authenticate'] = ref('headers', 'WWW-Authenticate');
    Object.assign(headers, AUTH_FAILURE_HEADERS);
  }
  return {
    description: description ?? ERROR_RESPONSES[status] ?? 'Error',
    headers,
    content: { 'application/json': { schema: ref('schemas', 'ErrorEnvelope') } },
  };
}

/** `createPost` → `PostCreate`, `replyToComment` → `CommentReply`; a name already taken gets `Request`. */
export function bodySchemaName(operationId: string, taken: (name: string) => boolean): string {
  const match = /^([a-z]+)(?:To|For)?([A-Z]\w*)$/.exec(operationId);
  const base = match
    ? `${match[2]}${match[1]!.charAt(0).toUpperCase()}${match[1]!.slice(1)}`
    : `${operationId.charAt(0).toUpperCase()}${operationId.slice(1)}Request`;
  return taken(base) ? `${base}Request` : base;
}

/** Moves inline request-body schemas into `components.schemas`, so generated clients get type names. */
function nameRequestBody(document: Json, operation: Json): void {
  const body = operation.requestBody as { content?: Record<string, { schema?: Json }> } | undefined;
  if (!body?.content || typeof operation.operationId !== 'string') return;
  const components = document.components as { schemas: Record<string, Json> };
  const name = bodySchemaName(operation.operationId, (n) => n in components.schemas);
  for (const [mediaType, media] of Object.entries(body.content)) {
    if (!media.schema || '$ref' in media.schema) continue;
    const key = mediaType === 'application/json' ? name : `${name}Upload`;
    components.schemas[key] = { title: key, ...media.schema };
    media.schema = ref('schemas', key);
  }
}

/**
 * Adds what every operation shares to the generated document, so route schemas state only what is
 * particular to them (their 2xx, and errors peculiar to them such as a 409 or a 502).
 */
export function decorate(document: Json): Json {
  const components = (document.components ??= {}) as Json;
  components.schemas ??= {};
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      decorateOperation(document, method, operation);
    }
  }
  const envelope = (components.schemas as Record<string, Json>).ErrorEnvelope;
  const code = ((envelope?.properties as Json | undefined)?.error as Json | undefined)?.properties as
    Record<string, Json> | undefined;
  if (code?.code) code.code = { ...code.code, enum: [...ERROR_CODES] };
  return document;
}

function decorateOperation(document: Json, method: string, operation: Json): void {
  const secured = Array.isArray(operation.security) && (operation.security as unknown[]).length > 0;
  const limited = operation[RATE_LIMIT_EXTENSION] !== undefined;
  const idempotent = operation[IDEMPOTENT_EXTENSION] === true;
  const responses = (operation.responses ?? {}) as Record<string, Json>;
  const parameters = (operation.parameters ?? []) as Json[];
  const hasInput = parameters.length > 0 || operation.requestBody !== undefined;
  // A server-sent event stream (GET /events/stream) never ends, so it has no ETag and never answers 304.
  const content = (responses['200'] as { content?: Record<string, unknown> } | undefined)?.content;
  const tagged = method === 'get' && content?.['text/event-stream'] === undefined;

  for (const [status, response] of Object.entries(responses)) {
    if (!status.startsWith('2') && !status.startsWith('3')) continue;
    const headers = (response.headers ?? {}) as Json;
    headers['X-Request-Id'] = ref('headers', 'X-Request-Id');
    if (limited) for (const h of RATE_LIMIT_HEADERS) headers[h] = ref('headers', h);
    if (tagged && status === '200') headers.ETag = ref('headers', 'ETag');
    if (idempotent) headers['Idempotent-Replayed'] = ref('headers', 'Idempotent-Replayed');
    response.headers = headers;
  }

  const statuses: string[] = ['500', '503'];
  if (secured) statuses.push('401', '403');
  if (limited) statuses.push('429');
  // Any request but a GET may carry a body, read (or refused) before the route: malformed (400), too
  // large (413) or of a type no parser reads (415).
  const bodyRead = operation.requestBody !== undefined || method !== 'get';
  if (hasInput || bodyRead) statuses.push('400');
  if (parameters.some((p) => p.in === 'path')) statuses.push('404');
  if (bodyRead) statuses.push('413', '415');
  if (idempotent) statuses.push('409', '422');
  if (operation.deprecated === true) statuses.push('410');
  // A route may declare an error status of its own (a 409, a 502…) for its description; every error
  // response gets the envelope and the headers sent with it.
  const errors = new Set([...statuses, ...Object.keys(responses).filter((s) => Number(s) >= 400)]);
  for (const status of errors) {
    let description = responses[status]?.description as string | undefined;
    if (status === '409' && idempotent && description) description += `; or ${IN_FLIGHT}`;
    responses[status] = errorResponse(status, {
      rateLimited: limited && status !== '401' && status !== '503',
      idempotent,
      description,
    });
  }
  if (tagged && responses['200']) {
    responses['304'] ??= {
      description: 'Not modified: the `If-None-Match` tag is current',
      headers: { 'X-Request-Id': ref('headers', 'X-Request-Id'), ETag: ref('headers', 'ETag') },
    };
  }
  operation.responses = responses;

  const extra: Json[] = [ref('parameters', 'RequestId')];
  if (idempotent) extra.push(ref('parameters', 'IdempotencyKey'));
  if (method === 'get' && responses['304']) extra.push(ref('parameters', 'IfNoneMatch'));
  operation.parameters = [...parameters, ...extra];

  nameRequestBody(document, operation);
}
