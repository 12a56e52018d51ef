/**
 * The error catalogue. Business code throws `AppError`; the HTTP error handler is the only place that
 * turns it into the `{"error": {...}}` envelope, and the SDK maps the same codes back to typed errors.
 */
export const ERROR_STATUS = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The request (headers, then body) was not received within the server's request timeout. */
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A `Range` request that starts past the end of the content. */
  RANGE_NOT_SATISFIABLE: 416,
  /** An `Expect` header other than `100-continue`. */
  EXPECTATION_FAILED: 417,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  /** The request line and headers are larger than the server accepts (16 KiB by default). */
  REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  BAD_GATEWAY: 502,
  /** The AI provider answered with an error or an unusable answer. */
  AI_PROVIDER_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  /** The AI provider could not be reached, timed out, or kept rate-limiting us. */
  AI_PROVIDER_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** One problem with one input field. */
export interface FieldProblem {
  field: string;
  reason: string;
}

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.headers = headers;
  }
}

export function notFound(what: string, id?: string): AppError {
  return new AppError('NOT_FOUND', id ? `No ${what} with id '${id}'` : `${what} not found`);
}

export function conflict(message: string, details?: ErrorDetails): AppError {
  return new AppError('CONFLICT', message, details);
}

/** An invalid-input error in the contract's shape: first problem in `field`/`reason`, all in `errors`. */
export function invalidInput(problems: FieldProblem[], message?: string, extra: ErrorDetails = {}): AppError {
  const first = problems[0] ?? { field: '', reason: 'Invalid input' };
  return new AppError('INVALID_INPUT', message ?? describeProblem(first), {
    field: first.field,
    reason: first.reason,
    errors: problems,
    ...extra,
  });
}

export function describeProblem(p: FieldProblem): string {
  if (!p.field) return p.reason;
  if (p.reason === 'Field is required') return `${p.field} is required`;
  const reason = p.reason.charAt(0).toLowerCase() + p.reason.slice(1);
  return `${p.field}: ${reason}`;
}
