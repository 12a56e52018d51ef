import { routeConfig } from './route-config.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, describeProblem, invalidInput, type FieldProblem } from '../shared/errors.js';
import { fieldRank, mergeProblems, runCheck, type InputCheck } from '../shared/validation/problems.js';
import { problemsFrom } from '../shared/validation/validator.js';

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
    ...runCheck(routeConfig(request).inputChecks?.[part], inputOf(request, part)),
  ];
  const problems = mergeProblems(raised, more, fieldRank(request.routeOptions.schema?.[HTTP_PARTS[part]]));
  if (problems.length === raised.length) return error;
  const first = raised[0];
  const ownMessage = first !== undefined && error.message !== describeProblem(first);
  const { field: _f, reason: _r, errors: _e, ...extra } = details;
  const completed = invalidInput(problems, ownMessage ? error.message : undefined, extra);
  return new AppError(completed.code, completed.message, completed.details, error.headers);
}

/** Runs each route's input checks once its schema has passed: a problem is a 400 before the handler. */
export function registerInputChecks(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const checks = routeConfig(request).inputChecks;
    if (!checks) return done();
    try {
      for (const part of ['body', 'query'] as const) {
        const input = inputOf(request, part);
        const problems = runCheck(checks[part], input);
        if (!problems.length) continue;
        const message = checks.message?.(problems, input as Record<string, unknown>);
        return done(invalidInput(problems, message, { location: part }));
      }
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
}
