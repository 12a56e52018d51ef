/**
 * Typed errors. Every error the SDK throws is an `AudenciError`; an answer from the API that is not 2xx
 * is an `APIError` (or the subclass for its status) carrying the envelope's `code`, `message` and
 * `details`, the `X-Request-Id` to quote to support, and the response headers.
 */

/** The base of every error the SDK throws. */
export class AudenciError extends Error {
  override name = 'AudenciError';
}

/** Details of an `INVALID_INPUT` answer: the first problem and all of them. */
export interface ErrorDetails {
  field?: string;
  reason?: string;
  errors?: { field: string; reason: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** The API answered with a non-2xx status. */
export class APIError extends AudenciError {
  override name = 'APIError';
  /** HTTP status of the answer. */
  readonly status: number;
  /** The envelope's stable machine-readable code, e.g. `INVALID_INPUT` (undefined for a non-JSON answer). */
  readonly code: string | undefined;
  /** Structured context of the error (e.g. `field`, `reason`, `errors`, `requiredScope`). */
  readonly details: ErrorDetails | undefined;
  /** The `X-Request-Id` of the answer: quote it when asking for help. */
  readonly requestId: string | undefined;
  /** The response headers. */
  readonly headers: Headers;
  /** The parsed body as received (the error envelope, or the text of a non-JSON answer). */
  readonly body: unknown;

  constructor(status: number, body: unknown, headers: Headers, message?: string) {
    const envelope = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)
      ?.error;
    const code = typeof envelope?.code === 'string' ? envelope.code : undefined;
    const text = typeof envelope?.message === 'string' ? envelope.message : undefined;
    super(message ?? `${status}${code ? ` ${code}` : ''}: ${text ?? (String(body || '') || 'no body')}`);
    this.status = status;
    this.code = code;
    this.details =
      envelope?.details && typeof envelope.details === 'object'
        ? (envelope.details as ErrorDetails)
        : undefined;
    this.requestId = headers.get('x-request-id') ?? undefined;
    this.headers = headers;
    this.body = body;
  }

  /** The error of the right subclass for an answer's status. */
  static from(status: number, body: unknown, headers: Headers): APIError {
    const Class =
      status === 400
        ? InvalidInputError
        : status === 401
          ? AuthenticationError
          : status === 403
            ? PermissionDeniedError
            : status === 404
              ? NotFoundError
              : status === 409
                ? ConflictError
                : status === 422
                  ? UnprocessableEntityError
                  : status === 429
                    ? RateLimitError
                    : status >= 500
                      ? InternalServerError
                      : APIError;
    return new Class(status, body, headers);
  }
}

/** 400 `INVALID_INPUT`: `details.field`, `details.reason` and `details.errors` say what is wrong. */
export class InvalidInputError extends APIError {
  override name = 'InvalidInputError';
}
/** 401 `UNAUTHORIZED`: the key is missing, malformed, unknown, revoked or expired. */
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
/** 403 `FORBIDDEN`: the key's scope does not allow this (`details.requiredScope`). */
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
/** 404 `NOT_FOUND`: no such object for this organization and environment. */
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
/** 409 `CONFLICT`: the object's state does not allow this (e.g. editing a published post). */
export class ConflictError extends APIError {
  override name = 'ConflictError';
}
/**
 * 422: the request is well-formed but cannot be carried out as sent, e.g. `IDEMPOTENCY_KEY_REUSED` (this
 * `Idempotency-Key` went with a different request before).
 */
export class UnprocessableEntityError extends APIError {
  override name = 'UnprocessableEntityError';
}
/** 429 `RATE_LIMITED`, after the retries: `retryAfter` says how many seconds to wait. */
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
  /** The `Retry-After` of the answer, in seconds. */
  get retryAfter(): number | undefined {
    const value = Number(this.headers.get('retry-after'));
    return Number.isFinite(value) && this.headers.has('retry-after') ? value : undefined;
  }
}
/** A 5xx answer, after the retries. */
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
}

/** No answer: the connection failed (refused, reset, DNS…), after the retries. */
export class APIConnectionError extends AudenciError {
  override name = 'APIConnectionError';
  constructor(message = 'Connection error', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No answer within the request's `timeout`, after the retries. */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError';
  constructor(message = 'Request timed out', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A webhook's signature does not match its body, or its timestamp is outside the tolerance. */
export class WebhookVerificationError extends AudenciError {
  override name = 'WebhookVerificationError';
}
