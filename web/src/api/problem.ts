import { APIError } from '@audenci/sdk-js';

/** An error as the app shows it: a sentence, the field it names (if any) and when to retry (429). */
export interface Problem {
  message: string;
  /** `details.field` of the envelope: the form shows the message next to this field. */
  field?: string;
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
      retryAfter: error.status === 429 ? retryAfterOf(error) : undefined,
      requestId: error.requestId,
    };
  }
  if (error instanceof TypeError) {
    return { message: 'The server could not be reached. Check your connection and try again.' };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
