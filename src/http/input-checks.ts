import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, describeProblem, invalidInput, type FieldProblem } from '../shared/errors.js';
import { problemsFrom } from './validation.js';

/**
 * The rules of a request part that the schema cannot express but the input alone decides (a date range
 * in order, a time in the future, two fields that exclude each other). It receives the part as sent —
 * possibly not matching the schema — and must judge only the fields of the expected type, leaving the
 * rest to the schema. Checks that need the database (an unknown `brandId`) belong in the service.
 */
export type InputCheck = (input: Record<string, unknown>) => FieldProblem[];

/** The request parts an input check can judge, as `details.location` names them. */
type Part = 'body' | 'query';
const HTTP_PARTS = { body: 'body', query: 'querystring' } as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's input checks, by part. They run once the schema has passed (a problem is a 400 before
     * the handler runs), and also when it has not, so that one 400 lists every problem of the part.
     */
    inputChecks?: {
      body?: InputCheck;
      query?: InputCheck;
      /** The 400's message when the checks' first problem leads it (default: that problem's). */
      message?: (problems: FieldProblem[], input: Record<string, unknown>) => string | undefined;
    };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inputOf(request: FastifyRequest, part: Part): unknown {
  return part === 'body' ? request.body : request.query;
}

/** Runs a check on input that may have any shape: a part that is not an object has nothing to check. */
export function runCheck(check: InputCheck | undefined, input: unknown): FieldProblem[] {
  return check && isRecord(input) ? check(input) : [];
}

/** The problems the route's schema finds in one part of the request (none when it has no schema). */
function schemaProblems(request: FastifyRequest, part: Part): FieldProblem[] {
  let validate: unknown = request.getValidationFunction(HTTP_PARTS[part]);
  // A body schema given per content type is compiled per content type.
  if (isRecord(validate) && request.mediaType) validate = validate[request.mediaType];
  if (typeof validate !== 'function') return [];
  const fn = validate as ((input: unknown) => unknown) & {
    errors?: Parameters<typeof problemsFrom>[0] | null;
  };
  if (fn(inputOf(request, part)) === true) return [];
  return fn.errors?.length ? problemsFrom(fn.errors) : [];
}

/**
 * The position of a field in an object schema, by its first segment (`posts.3.caption` → `posts`): the
 * whole input first, fields the schema does not declare last.
 */
export function fieldRank(schema: unknown): (field: string) => number {
  const properties = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  return (field) => {
    if (field === '') return -1;
    const index = names.indexOf(field.split('.')[0]!);
    return index === -1 ? names.length : index;
  };
}

/**
 * Every problem of the list, once per field (the first reason wins): `raised` first, as raised, then the
 * others in the order of the fields in the schema.
 */
export function mergeProblems(
  raised: FieldProblem[],
  more: FieldProblem[],
  rank: (field: string) => number = () => 0,
): FieldProblem[] {
  const seen = new Set(raised.map((p) => p.field));
  const added: FieldProblem[] = [];
  for (const problem of more) {
    if (seen.has(problem.field)) continue;
    seen.add(problem.field);
    added.push(problem);
  }
  added.sort((a, b) => rank(a.field) - rank(b.field));
  return [...raised, ...added];
}

/**
 * Completes a 400 about the body or the query string, whichever check raised it (the schema, a
 * `preValidation` hook, an input check): the problems the schema and the route's input checks find in
 * that part are added, so the answer lists them all. An answer that already lists them is unchanged. The
 * message follows the first problem unless the raiser chose its own.
 */
export function completeInputProblems(error: AppError, request: FastifyRequest): AppError {
  const details = error.details ?? {};
  const part = details.location;
  if (error.code !== 'INVALID_INPUT' || (part !== 'body' && part !== 'query')) return error;
  const raised = Array.isArray(details.errors) ? (details.errors as FieldProblem[]) : [];
  // A problem about the part as a whole (not JSON, empty) leaves nothing to check field by field.
  if (raised.length === 1 && raised[0]!.field === '') return error;
  const more = [
    ...schemaProblems(request, part),
    ...runCheck(request.routeOptions.config.inputChecks?.[part], inputOf(request, part)),
  ];
  const problems = mergeProblems(raised, more, fieldRank(request.routeOptions.schema?.[HTTP_PARTS[part]]));
  if (problems.length === raised.length) return error;
  const first = raised[0];
  const ownMessage = first !== undefined && error.message !== describeProblem(first);
  const { field: _f, reason: _r, errors: _e, ...extra } = details;
  const completed = invalidInput(problems, ownMessage ? error.message : undefined, extra);
  return new AppError(completed.code, completed.message, completed.details, error.headers);
}

/**
 * Every problem of an input checked outside a route — a batch item, a job payload — as a route's 400
 * would list them: those found before the schema ran (`first`, e.g. read-only fields), the schema's
 * (`validate`, compiled by `validatorCompiler`) and the input check's (`check`); `schema` gives the field
 * order.
 */
export function inputProblems(
  input: unknown,
  validate: ((input: unknown) => unknown) & { errors?: Parameters<typeof problemsFrom>[0] | null },
  options: { check?: InputCheck; schema?: unknown; first?: FieldProblem[] } = {},
): FieldProblem[] {
  const schema = validate(input) === true ? [] : problemsFrom(validate.errors ?? []);
  const checked = runCheck(options.check, input);
  const rank = fieldRank(options.schema);
  // As a route answers: what was raised first keeps its order (the schema's, unless a pre-validation
  // refusal came first), the rest follows in field order.
  return options.first?.length
    ? mergeProblems(options.first, [...schema, ...checked], rank)
    : mergeProblems(schema, checked, rank);
}

/** Runs each route's input checks once its schema has passed: a problem is a 400 before the handler. */
export function registerInputChecks(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const checks = request.routeOptions.config.inputChecks;
    if (!checks) return;
    for (const part of ['body', 'query'] as const) {
      const input = inputOf(request, part);
      const problems = runCheck(checks[part], input);
      if (!problems.length) continue;
      const message = checks.message?.(problems, input as Record<string, unknown>);
      throw invalidInput(problems, message, { location: part });
    }
  });
}
