import { Type, type Static } from '@sinclair/typebox';
import { AppError, type FieldProblem } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import type { JobTypeHandler } from '../jobs/index.js';
import { csvRecord } from './posts.csv.js';
import { IMPORT_COLUMNS, importJobType } from './posts.import.js';
import { eachItem, JOB_MAX_ITEMS, payloadChecker, payloadError } from './posts.job-common.js';
import { parseUpdateItem } from './posts.items.js';
import { publishNowIn } from './posts.publishing.js';
import { References } from './posts.references.js';
import * as repo from './posts.repository.js';
import { postFilterProblems } from './posts.input.js';
import { postFilterProperties } from './posts.schemas.js';
import {
  deletePostIn,
  parsePostFilters,
  postsResource,
  toPost,
  updatePostIn,
  type Post,
} from './posts.service.js';

export interface PostsJobTypeDeps {
  /** AUDENCI_PUBLISH_RETRY_DELAYS: a publish job gets one attempt more than there are delays. */
  publishRetryDelays: readonly number[];
}

const FilterSchema = Type.Object(
  { ...postFilterProperties, campaignId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);
const Ids = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  minItems: 1,
  maxItems: JOB_MAX_ITEMS,
});

/** A job's `filter` as repository filters: the list endpoint's rules, problems named `payload.filter.…`. */
function jobFilters(filter: Static<typeof FilterSchema> | undefined): repo.PostFilters {
  let filters: repo.PostFilters;
  try {
    filters = parsePostFilters(filter ?? {});
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const problems = (error.details?.errors ?? []) as FieldProblem[];
    throw payloadError(problems.map((p) => ({ ...p, field: `filter.${p.field}` })));
  }
  return filters;
}

interface IdsPayload {
  ids: string[];
}

/** `{ids: [...]}`: the posts to act on, one item each. */
const checkIds = payloadChecker<IdsPayload>(Type.Object({ ids: Ids }, { additionalProperties: false }));

interface UpdatePayload {
  posts: unknown[];
}

/** `posts.update`: `{posts: [{id, ...fields}]}`, each item as in `PUT /posts/batch`. */
const updateJobType: JobTypeHandler<UpdatePayload> = {
  type: 'posts.update',
  scope: 'read_write',
  chunkSize: 250,
  async prepare(_ctx, _tenant, payload) {
    const input = payloadChecker<UpdatePayload>(
      Type.Object(
        { posts: Type.Array(Type.Unknown(), { minItems: 1, maxItems: JOB_MAX_ITEMS }) },
        { additionalProperties: false },
      ),
    )(payload);
    return { payload: input, total: input.posts.length };
  },
  async runChunk(chunk) {
    const { ctx, trx, tenant } = chunk;
    const refs = new References(ctx, tenant);
    const now = ctx.clock.now();
    const result = await eachItem(chunk, chunk.payload.posts, async (item) => {
      const { id, input } = parseUpdateItem(item, now);
      await updatePostIn(ctx, trx, tenant, id, input, 'merge', now, refs);
    });
    if (result.succeeded) ctx.counts.invalidate(postsResource(tenant));
    return result;
  },
};

const DeleteSchema = Type.Object(
  { ids: Type.Optional(Ids), filter: Type.Optional(FilterSchema) },
  { additionalProperties: false },
);
/** A payload's `filter.startDate`/`filter.endDate` in order (each date's format is the schema's). */
const filterOrder = (payload: Record<string, unknown>): FieldProblem[] => {
  const filter = payload.filter;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return [];
  return postFilterProblems(filter as Record<string, unknown>).map((p) => ({
    ...p,
    field: `filter.${p.field}`,
  }));
};
const checkDelete = payloadChecker<Static<typeof DeleteSchema>>(DeleteSchema, (payload) => [
  ...((payload.ids === undefined) === (payload.filter === undefined)
    ? [{ field: '', reason: 'Give exactly one of ids (a list) or filter' }]
    : []),
  ...filterOrder(payload),
]);

/**
 * `posts.delete`: `{ids}` or `{filter}`. A filter is resolved to ids at submission, oldest first: the job
 * deletes the posts that matched then (a post created later is not deleted), and resumes exactly.
 */
const deleteJobType: JobTypeHandler<IdsPayload> = {
  type: 'posts.delete',
  scope: 'read_write',
  chunkSize: 500,
  async prepare(ctx, tenant, payload) {
    const input = checkDelete(payload);
    if (input.ids) return { payload: { ids: input.ids }, total: input.ids.length };
    const ids = await repo.matchingIds(ctx.db, tenant, jobFilters(input.filter), JOB_MAX_ITEMS + 1);
    if (ids.length > JOB_MAX_ITEMS) {
      throw payloadError([
        { field: 'filter', reason: `Matches more than ${JOB_MAX_ITEMS} posts; narrow it or split the job` },
      ]);
    }
    return { payload: { ids }, total: ids.length };
  },
  async runChunk(chunk) {
    const { ctx, trx, tenant } = chunk;
    const result = await eachItem(chunk, chunk.payload.ids, async (id) => {
      await deletePostIn(ctx, trx, tenant, id);
    });
    if (result.succeeded) ctx.counts.invalidate(postsResource(tenant));
    return result;
  },
};

/** `posts.publish`: `{ids}`, each as `POST /posts/{id}/publish`. */
function publishJobType(deps: PostsJobTypeDeps): JobTypeHandler<IdsPayload> {
  const maxAttempts = deps.publishRetryDelays.length + 1;
  return {
    type: 'posts.publish',
    scope: 'read_write',
    chunkSize: 250,
    async prepare(_ctx, _tenant, payload) {
      const input = checkIds(payload);
      return { payload: input, total: input.ids.length };
    },
    async runChunk(chunk) {
      const { ctx, trx, tenant } = chunk;
      const now = ctx.clock.now();
      const result = await eachItem(chunk, chunk.payload.ids, async (id) => {
        await publishNowIn(ctx, trx, tenant, id, maxAttempts, now);
      });
      if (result.succeeded) ctx.counts.invalidate(postsResource(tenant));
      return result;
    },
  };
}

/** The columns of an export: those of the import, so an exported file imports again. */
export const EXPORT_COLUMNS = IMPORT_COLUMNS.filter((c) => c !== 'status');

function exportCells(post: Post): string[] {
  return EXPORT_COLUMNS.map((column) => {
    switch (column) {
      case 'mediaIds':
        return post.mediaIds.join('|');
      case 'metadata':
        return JSON.stringify(post.metadata);
      default:
        return post[column] ?? '';
    }
  });
}

interface ExportPayload {
  filters: repo.PostFilters;
}
interface ExportState {
  createdAt: number;
  id: string;
}

const ExportSchema = Type.Object(
  { filter: Type.Optional(FilterSchema), format: Type.Optional(Type.Literal('csv')) },
  { additionalProperties: false },
);
const checkExport = payloadChecker<Static<typeof ExportSchema>>(ExportSchema, filterOrder);

/**
 * `posts.export`: the matching posts as CSV (header, then one row each, oldest first). Chunks walk the
 * posts by keyset over (created_at, id), the last one seen carried in `state`, so a resumed job neither
 * repeats nor skips a row, and posts created meanwhile come after (and are included).
 */
function exportJobType(type: string): JobTypeHandler<ExportPayload, ExportState> {
  return {
    type,
    scope: 'read',
    chunkSize: 1000,
    output: { contentType: 'text/csv; charset=utf-8', filename: 'posts.csv' },
    async prepare(ctx: ServiceContext, tenant: Tenant, payload) {
      const filters = jobFilters(checkExport(payload ?? {}).filter);
      return { payload: { filters }, total: await repo.countMatching(ctx.db, tenant, filters) };
    },
    async runChunk({ trx, tenant, payload, state, offset, limit, output }) {
      const rows = await repo.postsAfter(trx, tenant, payload.filters, state, limit);
      let text = offset === 0 && state === undefined ? csvRecord(EXPORT_COLUMNS) : '';
      for (const row of rows) text += csvRecord(exportCells(toPost(row)));
      if (text) await output.append(text);
      const last = rows.at(-1);
      return {
        processed: rows.length,
        succeeded: rows.length,
        failed: 0,
        errors: [],
        state: last ? { createdAt: last.created_at, id: last.id } : state,
        done: rows.length < limit,
      };
    },
  };
}

/** The bulk job types of the posts module, for the jobs runner (`POST /jobs`). */
export function postsJobTypes(deps: PostsJobTypeDeps): JobTypeHandler[] {
  const types = [
    importJobType,
    updateJobType,
    deleteJobType,
    publishJobType(deps),
    exportJobType('posts.export'),
  ];
  return types as unknown as JobTypeHandler[];
}
