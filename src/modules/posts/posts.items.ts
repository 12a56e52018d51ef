import { inputProblems } from '../../shared/validation/problems.js';
import { ERROR_LIMITS } from '../../shared/validation/schemas.js';
import { lazyBodyValidator } from '../../shared/validation/validator.js';
import { type AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import { clip } from '../../shared/text.js';
import { CreatePostBody, PatchPostBody, POST_READ_ONLY } from './posts.schemas.js';
import { postInputProblems } from './posts.input.js';
import type { NewPostInput, PostInput } from './posts.service.js';

/**
 * One item of a batch or a bulk job, checked exactly as the single endpoint checks its body: the same
 * compiled validator (the body's Ajv instance), the same read-only refusal, so the same 400 — code,
 * message and `details` — as `POST /posts` or `PATCH /posts/{id}` would answer for that object. Field
 * names are the item's own (`caption`, not `posts[3].caption`): the item's `index` says which one.
 */
const validateCreate = lazyBodyValidator(CreatePostBody);
const validatePatch = lazyBodyValidator(PatchPostBody);
const READ_ONLY = new Set<string>(POST_READ_ONLY);
const ID_MAX_LENGTH = 64;

const bodyError = (problems: FieldProblem[]) => invalidInput(problems, undefined, { location: 'body' });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `refuseReadOnly` pre-validation of the single endpoints, for one object. */
function readOnlyProblems(item: unknown, allowed?: string): FieldProblem[] {
  if (!isObject(item)) return [];
  return Object.keys(item)
    .filter((key) => key !== allowed && READ_ONLY.has(key))
    .map((field) => ({ field, reason: 'Read-only field: set by Audenci, not by clients' }));
}

/**
 * An item of `POST /posts/batch` (or `posts.import`) as `POST /posts` would accept it, or its 400 listing
 * every problem (read-only fields, the schema's, `postInputProblems` at `now`).
 */
export function parseCreateItem(item: unknown, now: number): NewPostInput {
  const problems = inputProblems(item, validateCreate(), {
    first: readOnlyProblems(item),
    check: (input) => postInputProblems(input, now, 'create'),
    schema: CreatePostBody,
  });
  if (problems.length) throw bodyError(problems);
  return item as NewPostInput;
}

/**
 * An item of `PUT /posts/batch` (or `posts.update`): `id` plus the fields to change, which are checked as
 * the body of `PATCH /posts/{id}` (fields left out are unchanged; at least one field besides `id`).
 */
export function parseUpdateItem(item: unknown, now: number): { id: string; input: PostInput } {
  if (!isObject(item)) throw bodyError([{ field: '', reason: 'Must be an object' }]);
  const { id, ...fields } = item;
  const problems: FieldProblem[] = [];
  if (id === undefined) problems.push({ field: 'id', reason: 'Field is required' });
  else if (typeof id !== 'string') problems.push({ field: 'id', reason: 'Must be a string' });
  else if (id.length === 0) problems.push({ field: 'id', reason: 'Must not be empty' });
  else if (id.length > ID_MAX_LENGTH)
    problems.push({ field: 'id', reason: `Must be at most ${ID_MAX_LENGTH} characters` });
  problems.push(
    ...inputProblems(fields, validatePatch(), {
      first: readOnlyProblems(fields),
      check: (input) => postInputProblems(input, now, 'merge'),
      schema: PatchPostBody,
    }),
  );
  if (problems.length) throw bodyError(problems);
  return { id: id as string, input: fields as PostInput };
}

/** The error envelope's `error` object, as the single endpoint would answer it. */
export interface ItemErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export function errorBody(error: AppError): ItemErrorBody {
  return {
    code: error.code,
    // As the envelope's (sendError): a message may quote the item, e.g. an unknown field's name.
    message: clip(error.message, ERROR_LIMITS.message),
    ...(error.details ? { details: error.details } : {}),
  };
}
