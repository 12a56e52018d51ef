import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { errorBody, parseCreateItem, parseUpdateItem, type ItemErrorBody } from './posts.items.js';
import { References } from './posts.references.js';
import { createPostIn, postsResource, updatePostIn, type Post } from './posts.service.js';

/** At most this many items in `POST` / `PUT /posts/batch` (docs/api.md, "Batches"). */
export const BATCH_MAX_ITEMS = 100;

/** Status of the valid items of an atomic batch that failed: nothing was saved because of the others. */
export const ROLLED_BACK_STATUS = 424;

export interface BatchItemResult {
  /** The item's position in the request's `posts` (0-based). */
  index: number;
  /** The status the single endpoint would have answered (201, 200, 400, 404, 409…), or 424. */
  status: number;
  data?: Post;
  error?: ItemErrorBody;
}

export interface BatchResult {
  data: BatchItemResult[];
  summary: { total: number; succeeded: number; failed: number };
}

/** Where unexpected failures of single items are logged (the request's logger). */
export interface BatchLogger {
  error(object: object, message: string): void;
}

type Apply = (trx: Kysely<Database>, refs: References, now: number) => Promise<Post>;

class RolledBack extends Error {}

function failure(index: number, error: AppError): BatchItemResult {
  return { index, status: error.status, error: errorBody(error) };
}

/**
 * Runs the items in order. Each is parsed (the single endpoint's validation) and applied; an item's
 * failure is its own result. Non-atomic: one transaction per item, so a failure undoes that item only.
 * Atomic: one transaction for all; every item is still tried (so every error is reported), and if any
 * failed the transaction rolls back and the valid items answer 424 `ROLLED_BACK`.
 */
async function runBatch(
  ctx: ServiceContext,
  tenant: Tenant,
  parsed: (() => Apply)[],
  atomic: boolean,
  okStatus: number,
  log?: BatchLogger,
): Promise<BatchResult> {
  const refs = new References(ctx, tenant);
  const results: BatchItemResult[] = [];
  const attempt = async (index: number, trx: Kysely<Database> | null): Promise<void> => {
    let apply: Apply;
    try {
      apply = parsed[index]!();
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results.push(failure(index, error));
      return;
    }
    const now = ctx.clock.now();
    try {
      const post = trx
        ? await apply(trx, refs, now)
        : await ctx.db.transaction().execute((t) => apply(t, refs, now));
      results.push({ index, status: okStatus, data: post });
    } catch (error) {
      if (error instanceof AppError) results.push(failure(index, error));
      else if (trx)
        throw error; // atomic: the whole batch fails (500) and nothing is saved
      else {
        // Earlier items are committed: report this one as failed rather than hide their results.
        log?.error({ err: error, index }, 'batch item failed');
        results.push(
          failure(index, new AppError('INTERNAL_ERROR', 'This item failed unexpectedly; it was not saved')),
        );
      }
    }
  };

  if (!atomic) {
    for (let index = 0; index < parsed.length; index++) await attempt(index, null);
  } else {
    try {
      await ctx.db.transaction().execute(async (trx) => {
        for (let index = 0; index < parsed.length; index++) await attempt(index, trx);
        if (results.some((r) => r.error)) throw new RolledBack();
      });
    } catch (error) {
      if (!(error instanceof RolledBack)) throw error;
      const failed = results.filter((r) => r.error).map((r) => r.index);
      const message =
        `Valid, but not saved: the batch is atomic and ${failed.length} item(s) failed ` +
        `(index ${failed.join(', ')})`;
      for (const [i, result] of results.entries()) {
        if (result.error) continue;
        results[i] = {
          index: result.index,
          status: ROLLED_BACK_STATUS,
          error: { code: 'ROLLED_BACK', message, details: { failedIndexes: failed } },
        };
      }
    }
  }
  const succeeded = results.filter((r) => !r.error).length;
  if (succeeded > 0) ctx.counts.invalidate(postsResource(tenant));
  return { data: results, summary: { total: results.length, succeeded, failed: results.length - succeeded } };
}

/**
 * A batch endpoint: `prepare` parses an item as its single endpoint does (when `runBatch` tries it, so a
 * parse error is that item's result) and answers how to apply it; `okStatus` is the single endpoint's.
 */
function batchEndpoint(
  okStatus: number,
  prepare: (ctx: ServiceContext, tenant: Tenant, item: unknown) => Apply,
) {
  return (
    ctx: ServiceContext,
    tenant: Tenant,
    items: unknown[],
    atomic: boolean,
    log?: BatchLogger,
  ): Promise<BatchResult> => {
    const parsed = items.map((item) => () => prepare(ctx, tenant, item));
    return runBatch(ctx, tenant, parsed, atomic, okStatus, log);
  };
}

/** `POST /posts/batch`: each item as `POST /posts` (201 with the post, or the error it would answer). */
export const createPostsBatch = batchEndpoint(201, (ctx, tenant, item) => {
  const input = parseCreateItem(item, ctx.clock.now());
  return (trx, refs, now) => createPostIn(ctx, trx, tenant, input, now, refs);
});

/** `PUT /posts/batch`: each item `{id, ...fields}` as `PATCH /posts/{id}` (200 with the post, or its error). */
export const updatePostsBatch = batchEndpoint(200, (ctx, tenant, item) => {
  const { id, input } = parseUpdateItem(item, ctx.clock.now());
  return (trx, refs, now) => updatePostIn(ctx, trx, tenant, id, input, 'merge', now, refs);
});
