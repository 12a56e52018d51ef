import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import { isDatabaseUnavailable } from '../db/errors.js';
import {
  AppError,
  ERROR_STATUS,
  invalidInput,
  type ErrorCode,
  type ErrorDetails,
  type FieldProblem,
} from '../shared/errors.js';
import { clip } from '../shared/text.js';
import { completeInputProblems } from './input-checks.js';
import { ERROR_LIMITS } from './schemas.js';
import { problemsFrom } from '../shared/validation/validator.js';

const LOCATIONS: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** Fastify's own errors, by code, in the contract's terms. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string; location?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    message: 'Request body is larger than the limit of 1 MiB',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Content-Type; send application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_INPUT', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'INVALID_INPUT',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_INVALID_TYPE: {
    code: 'INVALID_INPUT',
    message: 'Invalid Content-Type header',
    location: 'header',
  },
  FST_ERR_BAD_URL: { code: 'INVALID_INPUT', message: 'The URL is not valid', location: 'path' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'INVALID_INPUT',
    message: 'A path segment is longer than 200 characters',
    location: 'path',
  },
  FST_ERR_ASYNC_CONSTRAINT: {
    code: 'INVALID_INPUT',
    message: 'The request could not be routed',
    location: 'header',
  },
};

function codeForStatus(status: number): ErrorCode {
  const match = (Object.entries(ERROR_STATUS) as [ErrorCode, number][]).find(([, s]) => s === status);
  if (match) return match[0];
  return status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_INPUT';
}

/** INVALID_INPUT always carries `details.field`, `reason` and `errors[]`, even when no field is to blame. */
function withProblem(code: ErrorCode, message: string, location = 'body'): AppError {
  if (code !== 'INVALID_INPUT') return new AppError(code, message);
  return invalidInput([{ field: '', reason: message }], message, { location });
}

/** The one place an error becomes a response: the envelope, never a stack trace or SQL. */
export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error;
  // The database says "try again shortly" (each dialect classifies its own errors).
  if (isDatabaseUnavailable(error)) {
    return new AppError('SERVICE_UNAVAILABLE', 'The service is busy; retry shortly', undefined, {
      'Retry-After': '1',
    });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const location = LOCATIONS[fastifyError.validationContext ?? 'body'] ?? 'body';
    return invalidInput(problemsFrom(fastifyError.validation), undefined, { location });
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return withProblem(known.code, known.message, known.location);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    // Other client errors Fastify raises itself (e.g. a JSON syntax error): keep the status, hide internals.
    const code = codeForStatus(status);
    const message =
      error instanceof SyntaxError ? 'Request body is not valid JSON' : 'The request could not be processed';
    return withProblem(code, message);
  }
  return new AppError(
    'INTERNAL_ERROR',
    'An unexpected error occurred; it has been logged with the request id',
  );
}

/**
 * `details` within the envelope's documented bounds (ERROR_LIMITS): a problem's `field` and `reason`
 * may quote what the client sent (an unknown field's name), and a body can have thousands of problems.
 */
function boundedDetails(details: ErrorDetails): ErrorDetails {
  const problem = (p: FieldProblem): FieldProblem => ({
    ...p,
    field: clip(String(p.field), ERROR_LIMITS.field),
    reason: clip(String(p.reason), ERROR_LIMITS.reason),
  });
  const out: ErrorDetails = { ...details };
  if (typeof out.field === 'string') out.field = clip(out.field, ERROR_LIMITS.field);
  if (typeof out.reason === 'string') out.reason = clip(out.reason, ERROR_LIMITS.reason);
  if (Array.isArray(out.errors)) {
    out.errors = (out.errors as FieldProblem[]).slice(0, ERROR_LIMITS.errors).map(problem);
  }
  return out;
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const body = {
    error: {
      code: error.code,
      // A message may quote the request (a 404's path) or a platform's own words: held to its bound.
      message: clip(error.message, ERROR_LIMITS.message),
      ...(error.details ? { details: boundedDetails(error.details) } : {}),
    },
  };
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface ErrorHandlingOptions {
  /** Answers a request no route took before it becomes a 404 (the web app's pages); undefined: not its. */
  fallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined;
}

export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions = {}): void {
  // A second router knowing every route, so a known path with the wrong method answers 405 with `Allow`.
  const router = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if ((METHODS as readonly string[]).includes(method) && !router.hasRoute(method as 'GET', route.url)) {
        router.on(method as 'GET', route.url, () => undefined);
      }
    }
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // A 400 about the body or query lists every problem of it, whichever check raised it first.
    const appError = completeInputProblems(toAppError(error), request);
    if (appError.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else if (!(error instanceof AppError)) {
      request.log.info({ code: appError.code, fastifyCode: (error as FastifyError).code }, error.message);
    }
    return sendError(reply, appError);
  });

  app.setNotFoundHandler((request, reply) => {
    const answered = options.fallback?.(request, reply);
    if (answered) return answered;
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => router.find(m, path) !== null);
    const list = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
    // A route of this method delegated to here (e.g. /docs/static/* for a file it does not have): a 404.
    if (allowed.length > 0 && !(list as string[]).includes(request.method)) {
      return sendError(
        reply,
        new AppError(
          'METHOD_NOT_ALLOWED',
          `${request.method} is not allowed on ${path}; use ${list.join(', ')}`,
          undefined,
          {
            Allow: list.join(', '),
          },
        ),
      );
    }
    return sendError(reply, new AppError('NOT_FOUND', `No route ${request.method} ${path}`));
  });
}
