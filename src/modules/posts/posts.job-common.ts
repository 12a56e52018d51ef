import type { TSchema } from '@sinclair/typebox';
import { inputProblems, type InputCheck } from '../../shared/validation/problems.js';
import { lazyBodyValidator } from '../../shared/validation/validator.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { ChunkContext, ChunkResult, ItemError } from '../jobs/index.js';

/** Most items a bulk job takes (the API's batches take 100). */
export const JOB_MAX_ITEMS = 100_000;

/** A payload's problems name the field of the `POST /jobs` body: `payload.csv`, `payload.filter.status`. */
export function payloadError(problems: FieldProblem[]): AppError {
  return invalidInput(
    problems.map((p) => ({ field: p.field ? `payload.${p.field}` : 'payload', reason: p.reason })),
    undefined,
    { location: 'body' },
  );
}

/**
 * A checker for a job payload: the body's Ajv (strict, every problem) and the type's input `check`,
 * every problem in one 400, named `payload.…`. The schema is compiled on the first payload it checks,
 * not when the job type is defined (at start-up: issue #20).
 */
export function payloadChecker<T>(schema: TSchema, check?: InputCheck): (payload: unknown) => T {
  const validate = lazyBodyValidator(schema);
  return (payload) => {
    const problems = inputProblems(payload, validate(), { check, schema });
    if (problems.length) throw payloadError(problems);
    return payload as T;
  };
}

/** An item's failure as the job reports it; `line` (CSV) prefixes the message. */
export function itemError(index: number, error: AppError, line?: number): ItemError {
  const field = error.details?.field;
  return {
    index,
    code: error.code,
    message: line === undefined ? error.message : `Line ${line}: ${error.message}`,
    ...(typeof field === 'string' && field !== '' ? { field } : {}),
  };
}

/**
 * Runs `work` on this chunk's slice of `items`, in order, in the chunk's transaction. An AppError is the
 * item's failure (the work throws it before writing anything, so the transaction stays usable); any
 * other error fails the chunk, which the runner retries as a whole.
 */
export async function eachItem<T, S>(
  chunk: ChunkContext<unknown, S>,
  items: readonly T[],
  work: (item: T) => Promise<void>,
): Promise<ChunkResult<S>> {
  const slice = items.slice(chunk.offset, chunk.offset + chunk.limit);
  const errors: ItemError[] = [];
  for (const [i, item] of slice.entries()) {
    try {
      await work(item);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      errors.push(itemError(chunk.offset + i, error));
    }
  }
  return {
    processed: slice.length,
    succeeded: slice.length - errors.length,
    failed: errors.length,
    errors,
    done: chunk.offset + slice.length >= items.length,
  };
}
