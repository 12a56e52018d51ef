import { Type } from '@sinclair/typebox';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../shared/json-depth.js';
import { recordEvents } from '../events/index.js';
import type { ItemError, JobTypeHandler } from '../jobs/index.js';
import { CsvSyntaxError, parseCsv, type CsvRecord } from './posts.csv.js';
import { itemError, JOB_MAX_ITEMS, payloadChecker, payloadError } from './posts.job-common.js';
import { parseCreateItem } from './posts.items.js';
import { References } from './posts.references.js';
import * as repo from './posts.repository.js';
import { creationEvents, postsResource, preparePost } from './posts.service.js';
import type { PostRow } from '../../db/tables/posts.js';

/** Columns a CSV import understands: the fields of `POST /posts`, named as in the API. */
export const IMPORT_COLUMNS = [
  'brandId',
  'platform',
  'socialAccountId',
  'caption',
  'scheduledFor',
  'link',
  'firstComment',
  'campaignId',
  'mediaIds',
  'metadata',
  'status',
] as const;

/** One post to import: the object `POST /posts` would take, its CSV line, or why its row is unusable. */
export interface ImportItem {
  post: unknown;
  line?: number;
  problem?: FieldProblem;
}

export interface ImportPayload {
  items: ImportItem[];
}

const checkPayload = payloadChecker<{ brandId?: string; posts?: unknown[]; csv?: string }>(
  Type.Object(
    {
      brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      posts: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1, maxItems: JOB_MAX_ITEMS })),
      csv: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  (payload) =>
    (payload.posts === undefined) === (payload.csv === undefined)
      ? [{ field: '', reason: 'Give exactly one of posts (a list) or csv (text)' }]
      : [],
);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withBrand(post: unknown, brandId: string | undefined): unknown {
  if (brandId === undefined || !isObject(post) || 'brandId' in post) return post;
  return { brandId, ...post };
}

/** The header row: every column known and named once, else a 400 naming them. */
function checkHeader(header: CsvRecord): string[] {
  const names = header.cells.map((c) => c.trim());
  const known = new Set<string>(IMPORT_COLUMNS);
  const unknown = names.filter((n) => !known.has(n));
  const problems: FieldProblem[] = [];
  if (unknown.length) {
    problems.push({
      field: 'csv',
      reason:
        `Unknown column(s) in the header: ${unknown.map((n) => `'${n}'`).join(', ')}; ` +
        `the columns are ${IMPORT_COLUMNS.join(', ')}`,
    });
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length)
    problems.push({ field: 'csv', reason: `Column(s) named twice: ${[...new Set(repeated)].join(', ')}` });
  if (problems.length) throw payloadError(problems);
  return names;
}

/** A data row as the object `POST /posts` takes: empty cells left out, `mediaIds` and `metadata` decoded. */
function csvItem(columns: string[], record: CsvRecord, brandId: string | undefined): ImportItem {
  const post: Record<string, unknown> = {};
  let problem: FieldProblem | undefined = record.problem ? { field: '', reason: record.problem } : undefined;
  if (!problem && record.cells.length !== columns.length) {
    problem = {
      field: '',
      reason: `The row has ${record.cells.length} fields; the header has ${columns.length}`,
    };
  }
  for (const [k, column] of columns.entries()) {
    const cell = record.cells[k];
    if (cell === undefined || cell === '') continue;
    if (column === 'mediaIds') {
      post.mediaIds = cell
        .split(/[|;]/)
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (column === 'metadata') {
      // A cell is JSON from outside like a request body, and `metadata` sits one level inside a post,
      // so it may nest one level less than a body: checked before parsing, as at the HTTP edge.
      if (jsonNestsDeeperThan(cell, MAX_JSON_DEPTH - 1)) {
        problem ??= {
          field: 'metadata',
          reason: `Must nest objects and arrays at most ${MAX_JSON_DEPTH - 1} levels deep`,
        };
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(cell);
      } catch {
        value = undefined;
      }
      if (isObject(value)) post.metadata = value;
      else problem ??= { field: 'metadata', reason: 'Must be a JSON object, e.g. {"team":"growth"}' };
    } else {
      post[column] = cell;
    }
  }
  return { post: withBrand(post, brandId), line: record.line, ...(problem ? { problem } : {}) };
}

function csvItems(csv: string, brandId: string | undefined): ImportItem[] {
  let records: CsvRecord[];
  try {
    records = parseCsv(csv);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw payloadError([{ field: 'csv', reason: error.message }]);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw payloadError([{ field: 'csv', reason: 'Must have a header row and data rows' }]);
  const columns = checkHeader(header);
  if (rows.length === 0) throw payloadError([{ field: 'csv', reason: 'Has a header but no data rows' }]);
  if (rows.length > JOB_MAX_ITEMS)
    throw payloadError([{ field: 'csv', reason: `Must have at most ${JOB_MAX_ITEMS} data rows` }]);
  return rows.map((record) => csvItem(columns, record, brandId));
}

/**
 * `posts.import`: `{brandId?, posts: [...]}` or `{brandId?, csv}`. `prepare` checks the payload's shape
 * and turns CSV rows into items (item `i` is data row `i`, 0-based, after the header); it does not judge
 * the items. Each chunk checks its items exactly as `POST /posts` would, then inserts the good ones and
 * their `post.created` / `post.scheduled` events with multi-row INSERTs in the chunk's transaction.
 */
export const importJobType: JobTypeHandler<ImportPayload> = {
  type: 'posts.import',
  scope: 'read_write',
  chunkSize: 500,

  async prepare(_ctx, _tenant, payload) {
    const input = checkPayload(payload);
    const items = input.posts
      ? input.posts.map((post) => ({ post: withBrand(post, input.brandId) }))
      : csvItems(input.csv!, input.brandId);
    return { payload: { items }, total: items.length };
  },

  async runChunk({ ctx, trx, tenant, payload, offset, limit }) {
    const slice = payload.items.slice(offset, offset + limit);
    const refs = new References(ctx, tenant);
    const now = ctx.clock.now();
    const rows: PostRow[] = [];
    const errors: ItemError[] = [];
    for (const [i, item] of slice.entries()) {
      try {
        if (item.problem) throw invalidInput([item.problem], undefined, { location: 'body' });
        rows.push(await preparePost(ctx, trx, tenant, parseCreateItem(item.post, now), now, refs));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        errors.push(itemError(offset + i, error, item.line));
      }
    }
    await repo.insertPosts(trx, tenant, rows);
    await recordEvents(
      ctx,
      trx,
      tenant,
      rows.flatMap((row) => creationEvents(row)),
    );
    if (rows.length) ctx.counts.invalidate(postsResource(tenant));
    return {
      processed: slice.length,
      succeeded: rows.length,
      failed: errors.length,
      errors,
      done: offset + slice.length >= payload.items.length,
    };
  },

  summarize: (_payload, progress) => ({ created: progress.succeeded, failed: progress.failed }),
};
