import type { Problem } from '../api/problem';

/**
 * Splits a problem between a form's fields and the form itself: a message naming one of `fields` goes
 * next to that field — its `reason`, since the label already names the field — and anything else (wrong
 * password, throttling, a network failure) above the form.
 */
export function placeProblem<F extends string>(
  problem: Problem | undefined,
  fields: readonly F[],
): { field: Partial<Record<F, string>>; form: string | undefined } {
  if (!problem) return { field: {}, form: undefined };
  const named = fields.find((f) => f === problem.field);
  if (named) {
    const text = problem.reason ?? problem.message;
    return { field: { [named]: text } as Partial<Record<F, string>>, form: undefined };
  }
  const wait = problem.retryAfter;
  const form = wait === undefined ? problem.message : `Too many attempts. Try again in ${formatWait(wait)}.`;
  return { field: {}, form };
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} second${Math.ceil(seconds) === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
