/**
 * Which scenarios have a hand-written reference (bench/reference/server.ts), and the check that the
 * reference answers what Audenci answers before either is measured: a figure is a ratio only if both
 * did the same work.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Answer } from '../load.js';
import type { BenchRequest, Dialect } from '../scenarios.js';

export interface ReferenceVariant {
  /** Lists answer `totalCount` (one COUNT per request); false: `totalCount: null`, no COUNT. */
  count: boolean;
}

/**
 * The reference rows of each scenario. For the list: without COUNT (what issue #20 compares Audenci's
 * list with `totalCount` to) and with it.
 */
export const REFERENCE_VARIANTS: Record<string, ReferenceVariant[]> = {
  'posts.get': [{ count: true }],
  'posts.list': [{ count: false }, { count: true }],
  'posts.list.brand': [{ count: false }, { count: true }],
  'posts.create': [{ count: true }],
};

/** Issue #20's goals: Audenci's req/s ÷ the reference's, per scenario and dialect. */
export const REFERENCE_GOALS: Record<string, Record<Dialect, number>> = {
  'posts.get': { sqlite: 0.8, postgres: 0.7 },
  'posts.list': { sqlite: 0.8, postgres: 0.7 },
  'posts.list.brand': { sqlite: 0.8, postgres: 0.7 },
  'posts.create': { sqlite: 0.6, postgres: 0.7 },
};

/** The reference Audenci's row is compared with: the list's without COUNT, as the issue states. */
export function comparedVariant(scenario: string): ReferenceVariant | undefined {
  const variants = REFERENCE_VARIANTS[scenario];
  return variants?.find((v) => !v.count) ?? variants?.[0];
}

/** Keys sorted at every level: the same JSON whatever order the serializers write fields in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/**
 * What legitimately differs between two answers to the same request on the same data: a new post's id
 * and times (each server made its own), a list's cursor (Audenci signs its cursors; only whether there
 * is one is compared), and `totalCount` when the reference does not count.
 */
function comparable(
  body: unknown,
  request: BenchRequest,
  variant: ReferenceVariant,
  side: 'audenci' | 'reference',
) {
  const json = structuredClone(body) as {
    data?: Record<string, unknown> | Array<Record<string, unknown>>;
    pagination?: Record<string, unknown>;
  };
  if (request.method === 'POST' && json.data && !Array.isArray(json.data)) {
    for (const field of ['id', 'createdAt', 'updatedAt'])
      if (typeof json.data[field] === 'string') json.data[field] = `<${field}>`;
  }
  if (json.pagination) {
    if (typeof json.pagination.nextCursor === 'string') json.pagination.nextCursor = '<cursor>';
    if (!variant.count && side === 'audenci') json.pagination.totalCount = null;
  }
  return canonical(json);
}

/** Throws, saying what differs, unless the reference answered as Audenci did. */
export function compareWithAudenci(
  audenci: Answer,
  reference: Answer,
  variant: ReferenceVariant,
  request: BenchRequest,
): void {
  const what = `${request.method} ${request.path}`;
  const problems: string[] = [];
  if (audenci.status !== reference.status)
    problems.push(`status: Audenci ${audenci.status}, reference ${reference.status}`);
  for (const header of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
    if (audenci.headers[header] === undefined) problems.push(`Audenci sent no ${header}`);
    if (reference.headers[header] === undefined) problems.push(`the reference sent no ${header}`);
  }
  if (audenci.headers['x-ratelimit-limit'] !== reference.headers['x-ratelimit-limit'])
    problems.push(
      `X-RateLimit-Limit: Audenci ${audenci.headers['x-ratelimit-limit']}, reference ${reference.headers['x-ratelimit-limit']}`,
    );
  let a: unknown;
  let r: unknown;
  try {
    a = comparable(JSON.parse(audenci.body), request, variant, 'audenci');
    r = comparable(JSON.parse(reference.body), request, variant, 'reference');
  } catch (error) {
    problems.push(`a body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (problems.length === 0 && !isDeepStrictEqual(a, r)) {
    problems.push(
      `bodies differ (ids and times of a new post, cursors aside):\n  Audenci:   ${JSON.stringify(a).slice(0, 1500)}\n  reference: ${JSON.stringify(r).slice(0, 1500)}`,
    );
  }
  if (problems.length)
    throw new Error(`the reference does not answer ${what} as Audenci does:\n  ${problems.join('\n  ')}`);
}

/** The scenario's request with a key no one has: both servers must refuse it alike. */
export function withUnknownKey(request: BenchRequest): BenchRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer sk_prod_${'0'.repeat(38)}` } };
}

/** Throws unless the reference refused the unknown key as Audenci did (status, WWW-Authenticate, body). */
export function compareRefusals(audenci: Answer, reference: Answer, request: BenchRequest): void {
  const problems: string[] = [];
  if (audenci.status !== 401) problems.push(`Audenci answered ${audenci.status}, not 401`);
  if (audenci.status !== reference.status)
    problems.push(`status: Audenci ${audenci.status}, reference ${reference.status}`);
  if (audenci.headers['www-authenticate'] !== reference.headers['www-authenticate'])
    problems.push(
      `WWW-Authenticate: Audenci ${audenci.headers['www-authenticate']}, reference ${reference.headers['www-authenticate']}`,
    );
  if (
    audenci.body !== reference.body &&
    !isDeepStrictEqual(canonical(parse(audenci.body)), canonical(parse(reference.body)))
  )
    problems.push(
      `bodies differ:\n  Audenci:   ${audenci.body.slice(0, 500)}\n  reference: ${reference.body.slice(0, 500)}`,
    );
  if (problems.length)
    throw new Error(
      `the reference does not refuse an unknown key on ${request.method} ${request.path} as Audenci does:\n  ${problems.join('\n  ')}`,
    );
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
