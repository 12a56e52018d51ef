import { Type, type Static } from '@sinclair/typebox';
import { inputProblems } from '../../shared/validation/problems.js';
import { lazyBodyValidator } from '../../shared/validation/validator.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { JobTypeHandler } from '../jobs/index.js';
import { countPosts } from './analytics.repository.js';
import { analyticsQueryProperties } from './analytics.schemas.js';
import {
  addSums,
  analyticsQueryProblems,
  emptySums,
  groupSums,
  metricValues,
  parseAnalyticsQuery,
  toRow,
  withBrandTimezone,
  type AnalyticsQuery,
  type AnalyticsRow,
  type Sums,
} from './analytics.service.js';

/**
 * `analytics.export`: the rows of `GET /analytics` (same query fields, flat in the payload, plus
 * `format`: `csv`, the default, or `json`) written to the job's output, downloadable from
 * `GET /jobs/{id}/result` as `analytics.csv` (`text/csv`) or `analytics.json` (`application/json`).
 *
 * The range is resolved at submission (a default "last 30 days" does not move while the job runs).
 * Grouped by post, chunks walk the posts by keyset over the post id (`state.after`), so a resumed job
 * neither repeats nor skips a row; other groupings are at most MAX_PERIODS rows and come in one chunk.
 * The running totals ride in `state`: JSON ends with them, CSV has rows only (a totals line would not
 * be a row), and the job's result carries them for both.
 */

const PayloadSchema = Type.Object(
  {
    ...analyticsQueryProperties,
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])),
  },
  { additionalProperties: false },
);
type Payload = Static<typeof PayloadSchema>;

interface ExportPayload {
  query: AnalyticsQuery;
  format: 'csv' | 'json';
}
interface ExportState {
  after?: string;
  rows: number;
  totals: Sums;
}

const validate = lazyBodyValidator(PayloadSchema);

function payloadError(problems: FieldProblem[]): AppError {
  return invalidInput(
    problems.map((p) => ({ field: p.field ? `payload.${p.field}` : 'payload', reason: p.reason })),
    undefined,
    { location: 'body' },
  );
}

/** The CSV columns: the API row's fields, in its order. */
export function csvColumns(query: AnalyticsQuery): string[] {
  const time = query.groupBy === 'day' || query.groupBy === 'week' || query.groupBy === 'month';
  return ['key', ...(time ? ['startsAt'] : []), 'posts', ...query.metrics];
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: comma-separated, CRLF-terminated, quoted when needed. */
export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function render(format: 'csv' | 'json', columns: string[], row: AnalyticsRow, first: boolean): string {
  if (format === 'json') return `${first ? '' : ','}\n${JSON.stringify(row)}`;
  const record = row as Record<string, unknown>;
  return csvLine(columns.map((c) => record[c]));
}

export const analyticsExportJobType: JobTypeHandler<ExportPayload, ExportState> = {
  type: 'analytics.export',
  scope: 'read',
  chunkSize: 2000,
  output: ({ format }) =>
    format === 'json'
      ? { contentType: 'application/json; charset=utf-8', filename: 'analytics.json' }
      : { contentType: 'text/csv; charset=utf-8', filename: 'analytics.csv' },
  async prepare(ctx, tenant, payload) {
    const input = (payload ?? {}) as Payload;
    // The payload's schema and the query's own rules, every problem in one 400.
    const problems = inputProblems(input, validate(), {
      check: (p) => analyticsQueryProblems(p, ctx.clock.now(), false),
      schema: PayloadSchema,
    });
    if (problems.length) throw payloadError(problems);
    const { format = 'csv', ...queryInput } = input;
    const zoned = await withBrandTimezone(ctx, tenant, queryInput);
    let query: AnalyticsQuery;
    try {
      query = parseAnalyticsQuery(zoned, ctx.clock.now());
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw payloadError((error.details?.errors ?? []) as FieldProblem[]);
    }
    // Progress counts rows: posts with a snapshot when grouped by post; the groups otherwise.
    const total =
      query.groupBy === 'post'
        ? await countPosts(ctx.db, tenant, query.filters)
        : (await groupSums(ctx, tenant, query)).length;
    return { payload: { query, format }, total };
  },
  async runChunk({ ctx, trx, tenant, payload, state, limit, output }) {
    const { query, format } = payload;
    const chunkCtx = { ...ctx, db: trx };
    const byPost = query.groupBy === 'post';
    const groups = await groupSums(chunkCtx, tenant, query, byPost ? { afterPost: state?.after, limit } : {});
    const totals = state?.totals ?? emptySums();
    const columns = csvColumns(query);
    let text = '';
    if (state === undefined) text += format === 'csv' ? csvLine(columns) : '{"rows":[';
    let rows = state?.rows ?? 0;
    for (const group of groups) {
      addSums(totals, group.sums);
      text += render(format, columns, toRow(group, query.metrics), rows === 0);
      rows++;
    }
    const done = !byPost || groups.length < limit;
    if (done && format === 'json') {
      text += `\n],"totals":${JSON.stringify(metricValues(totals, query.metrics))}}\n`;
    }
    if (text) await output.append(text);
    return {
      processed: groups.length,
      succeeded: groups.length,
      failed: 0,
      errors: [],
      state: { after: byPost ? (groups.at(-1)?.key ?? state?.after ?? undefined) : undefined, rows, totals },
      done,
    };
  },
  summarize(payload, _progress, state) {
    return {
      format: payload.format,
      rows: state?.rows ?? 0,
      totals: metricValues(state?.totals ?? emptySums(), payload.query.metrics),
    };
  },
};
