import { DATE_INPUT_REASON, dateRangeProblems, parseDateInput } from '../../shared/dates.js';
import type { FieldProblem } from '../../shared/errors.js';

/** Most bytes of a post's `metadata`, as JSON. */
export const METADATA_MAX_BYTES = 16 * 1024;

/** How a body sets a post: `create` (POST, batch items, imports), `replace` (PUT), `merge` (PATCH). */
export type PostWriteMode = 'create' | 'replace' | 'merge';

/**
 * The rules of a post body that its schema cannot express and that need nothing but the body and the
 * clock: a `scheduledFor` in the future, the statuses a new post may take, a SCHEDULED post with a time,
 * the size of `metadata`. Fields of another type than the schema's are left to the schema. Every route,
 * batch item and job item that writes a post runs these, so one 400 lists them with the schema's
 * problems; whether the post obeys its platform's rules, and the references it names, come after.
 */
export function postInputProblems(
  input: Record<string, unknown>,
  now: number,
  mode: PostWriteMode,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { scheduledFor, status, metadata } = input;
  if (mode === 'create' && status === 'CANCELLED') {
    problems.push({ field: 'status', reason: 'A new post is DRAFT or SCHEDULED' });
  }
  if (typeof scheduledFor === 'string') {
    const ms = parseDateInput(scheduledFor);
    if (ms === undefined) problems.push({ field: 'scheduledFor', reason: DATE_INPUT_REASON });
    else if (ms <= now) problems.push({ field: 'scheduledFor', reason: 'Must be in the future' });
  } else if (
    status === 'SCHEDULED' &&
    // Left out, a PATCH keeps the post's time (the service checks it); PUT and a new post have none.
    (scheduledFor === null || (scheduledFor === undefined && mode !== 'merge'))
  ) {
    problems.push({ field: 'scheduledFor', reason: 'A SCHEDULED post needs a scheduledFor date-time' });
  }
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) {
      problems.push({ field: 'metadata', reason: `Must be at most ${METADATA_MAX_BYTES} bytes of JSON` });
    }
  }
  return problems;
}

/**
 * The `startDate`/`endDate` pair of a posts filter in order. Each date's own format is the schema's
 * (or `parsePostFilters`') to judge.
 */
export const postFilterProblems: (input: Record<string, unknown>) => FieldProblem[] = dateRangeProblems;
