import type { RetryDecision } from '../shared/retry.js';

/**
 * How a mail failed, in the vocabulary of src/shared/retry.ts: `transient` is worth sending again later
 * (the server could not be reached, did not answer in time, or answered 4xx — "try again later"),
 * `permanent` is not (a 5xx answer such as a refused recipient or refused credentials, or an address or
 * setting we will never get past). Messages are ours, with the server's reply code and first line: never
 * the credentials.
 */
export type MailErrorKind = 'transient' | 'permanent';

export class MailError extends Error {
  constructor(
    readonly kind: MailErrorKind,
    message: string,
    readonly details: {
      /** The mail library's code (`ECONNECTION`, `ETIMEDOUT`, `EENVELOPE`, `EAUTH`, …) or the socket's. */
      code?: string;
      /** The SMTP reply code when the server answered (421, 535, 550, …). */
      responseCode?: number;
    } = {},
  ) {
    super(message);
    this.name = 'MailError';
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }
}

/** For `withRetry` and job errors: transient mail failures are tried again, nothing else is. */
export function mailRetryDecision(error: unknown): RetryDecision {
  return { retry: error instanceof MailError && error.retryable };
}
