import { sql, type SelectQueryBuilder, type Expression, type SqlBool } from 'kysely';
import { invalidInput } from '../shared/errors.js';
import { fingerprint, type CursorCodec, type CursorState } from '../shared/cursor.js';
import type { Database } from './database.js';
import type { CountCache } from './count-cache.js';

export interface ListParams {
  page: number;
  limit: number;
  cursor?: string;
  sortBy: string;
  sortOrder: 'asc' | 'desc';
}

export interface Pagination {
  page: number;
  limit: number;
  totalCount: number;
  hasMore: boolean;
  nextCursor: string | null;
}

export interface SortColumn<Row> {
  /**
   * SQL of the sort key over the list's one table, exactly as an index declares it. Nullable columns are
   * written `coalesce(col, -1)` so NULLs sort first ascending, last descending, on both databases.
   */
  expression: string;
  /** The row's value of `expression`, stored in the cursor. */
  value: (row: Row) => string | number;
}

export interface PageRequest<Row> {
  params: ListParams;
  sorts: Record<string, SortColumn<Row>>;
  /** The filters applied to the query; a cursor only continues a walk with the same filters. */
  filters: object;
  cursors: CursorCodec;
  /** Caches `totalCount` per resource and filters; writes to the resource invalidate it. */
  counts?: { cache: CountCache; resource: string };
  /**
   * The rows of the first page (no cursor, page 1) read another way — a statement compiled once — or
   * undefined where it does not apply: exactly the rows the query, sorted by `sort` in `direction`
   * (ties by id) and limited to `limit`, would answer.
   */
  firstPage?: (sort: SortColumn<Row>, direction: 'asc' | 'desc', limit: number) => Promise<Row[]> | undefined;
}

export interface Page<Row> {
  rows: Row[];
  pagination: Pagination;
}

type AnyQuery<Row> = SelectQueryBuilder<Database, keyof Database, Row>;

function keysetCondition(expression: string, order: 'asc' | 'desc', state: CursorState): Expression<SqlBool> {
  const cmp = sql.raw(order === 'asc' ? '>' : '<');
  return sql<SqlBool>`(${sql.raw(expression)}, id) ${cmp} (${state.v}, ${state.i})`;
}

/** Reads `sortBy`/`cursor` and checks the cursor belongs to this sort and these filters. */
function resolve<Row>(request: PageRequest<Row>) {
  const { params, sorts, cursors } = request;
  const sort = sorts[params.sortBy];
  if (!sort) {
    throw invalidInput([{ field: 'sortBy', reason: `Must be one of: ${Object.keys(sorts).join(', ')}` }]);
  }
  const filterPrint = fingerprint(request.filters as Record<string, unknown>);
  let state: CursorState | undefined;
  if (params.cursor !== undefined) {
    state = cursors.decode(params.cursor);
    if (!state) throw invalidInput([{ field: 'cursor', reason: 'Is not a valid cursor' }]);
    if (state.s !== params.sortBy || state.o !== params.sortOrder || state.f !== filterPrint) {
      throw invalidInput([
        {
          field: 'cursor',
          reason:
            'Was made with other filters or sort order; repeat them exactly or start over without cursor',
        },
      ]);
    }
  }
  return { sort, filterPrint, state };
}

/**
 * One page of a list, by `page`/`limit` or by keyset `cursor` (stable under concurrent inserts). Sorting
 * always breaks ties by id. Fetches `limit + 1` rows to know `hasMore` without a second query.
 */
export async function paginate<Row extends { id: string }>(
  /** The filtered query, or a function that builds it (called only when a statement needs it). */
  filtered: AnyQuery<Row> | (() => AnyQuery<Row>),
  request: PageRequest<Row>,
): Promise<Page<Row>> {
  const { params, cursors } = request;
  const { sort, filterPrint, state } = resolve(request);
  const page = state ? state.p : params.page;
  const direction = params.sortOrder;
  let built: AnyQuery<Row> | undefined = typeof filtered === 'function' ? undefined : filtered;
  const query = () => (built ??= (filtered as () => AnyQuery<Row>)());

  const readRows = () => {
    let rowsQuery = query();
    if (state) rowsQuery = rowsQuery.where(() => keysetCondition(sort.expression, direction, state));
    rowsQuery = rowsQuery
      .orderBy(sql.raw(sort.expression), direction)
      .orderBy(sql.ref('id'), direction)
      .limit(params.limit + 1);
    if (!state && page > 1) rowsQuery = rowsQuery.offset((page - 1) * params.limit);
    return rowsQuery.execute();
  };
  const firstPage = !state && page === 1 ? request.firstPage?.(sort, direction, params.limit + 1) : undefined;

  const countAll = () => countRows(query());
  const totalCount = request.counts
    ? request.counts.cache.get(request.counts.resource, filterPrint, countAll)
    : countAll();
  const [rows, total] = await Promise.all([firstPage ?? readRows(), totalCount]);
  const hasMore = rows.length > params.limit;
  if (hasMore) rows.pop();
  const last = rows[rows.length - 1];
  const nextCursor =
    hasMore && last
      ? cursors.encode({
          s: params.sortBy,
          o: direction,
          f: filterPrint,
          v: sort.value(last),
          i: last.id,
          p: page + 1,
        })
      : null;
  return { rows, pagination: { page, limit: params.limit, totalCount: total, hasMore, nextCursor } };
}

/** How many rows `query` answers (its selection and order are dropped). */
export async function countRows<Row>(query: AnyQuery<Row>): Promise<number> {
  const row = await query
    .clearSelect()
    .clearOrderBy()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number((row as { n?: number } | undefined)?.n ?? 0);
}
