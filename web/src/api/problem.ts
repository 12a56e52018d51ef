import { APIError } from '@audenci/sdk-js';

/** An error as the app shows it: a sentence, the field it names (if any) and when to retry (429). */
export interface Problem {
  message: string;
  /** `details.field` of the envelope: the form shows the message next to this field. */
  field?: string;
  /**
   * `details.reason`: what is wrong with that field, in words for a person (`Must be in the future`),
   * where `message` also names the field as the API spells it (`expiresAt: must be in the future`).
   */
  reason?: string;
  /** Seconds to wait before retrying (a 429's `Retry-After` or `details.retryAfter`). */
  retryAfter?: number;
  requestId?: string;
}

function retryAfterOf(error: APIError): number | undefined {
  const fromDetails = error.details?.retryAfter;
  if (typeof fromDetails === 'number') return fromDetails;
  const header = Number(error.headers.get('retry-after'));
  return Number.isFinite(header) && header > 0 ? header : undefined;
}

export function toProblem(error: unknown): Problem {
  if (error instanceof APIError) {
    const base = error.body as { error?: { message?: unknown } } | undefined;
    const message =
      typeof base?.error?.message === 'string' ? base.error.message : `The server answered ${error.status}`;
    return {
      message,
      field: typeof error.details?.field === 'string' ? error.details.field : undefined,
      reason: typeof error.details?.reason === 'string' ? error.details.reason : undefined,
      retryAfter: error.status === 429 ? retryAfterOf(error) : undefined,
      requestId: error.requestId,
    };
  }
  if (error instanceof TypeError) {
    return { message: 'The server could not be reached. Check your connection and try again.' };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The `details.reason` of a refused sign-in (`two_factor_required`, `invalid_two_factor_code`). */
function twoFactorReasonOf(error: unknown): unknown {
  return error instanceof APIError ? error.details?.reason : undefined;
}

/** Whether a refused sign-in (or invitation acceptance) asks for the two-factor code. */
export function asksForCode(error: unknown): boolean {
  const reason = twoFactorReasonOf(error);
  return reason === 'two_factor_required' || reason === 'invalid_two_factor_code';
}

/**
 * The problem of a form that may ask for a two-factor code, for `placeProblem`: asking for the code is
 * not an error; a wrong code is the `code` field's.
 */
export function twoFactorProblem(error: unknown): Problem | undefined {
  if (!error) return undefined;
  const reason = twoFactorReasonOf(error);
  if (reason === 'two_factor_required') return undefined;
  const problem = toProblem(error);
  return reason === 'invalid_two_factor_code' ? { ...problem, field: 'code' } : problem;
}
