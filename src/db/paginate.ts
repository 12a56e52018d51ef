import { sql, type SelectQueryBuilder, type Expression, type SqlBool } from 'kysely';
import { invalidInput } from '../shared/errors.js';
import { fingerprint, type CursorCodec, type CursorState } from '../shared/cursor.js';
import type { Database } from './database.js';

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
  /** The column to order by (unqualified; the list query selects from one table). */
  column: string;
  /** The row's value for this column, stored in the cursor. */
  value: (row: Row) => string | number | null;
  /** Nullable columns sort their NULLs last in both orders. */
  nullable?: boolean;
}

export interface PageRequest<Row> {
  params: ListParams;
  sorts: Record<string, SortColumn<Row>>;
  /** The filters applied to `query`; a cursor only continues a walk with the same filters. */
  filters: Record<string, unknown>;
  cursors: CursorCodec;
  /** Counts the rows matching the filters; defaults to `count(*)` over the query. */
  count?: () => Promise<number>;
}

export interface Page<Row> {
  rows: Row[];
  pagination: Pagination;
}

type AnyQuery<Row> = SelectQueryBuilder<Database, keyof Database, Row>;

function keysetCondition(
  column: string,
  order: 'asc' | 'desc',
  nullable: boolean,
  state: CursorState,
): Expression<SqlBool> {
  const col = sql.ref(column);
  const id = sql.ref('id');
  const cmp = sql.raw(order === 'asc' ? '>' : '<');
  if (state.v === null) {
    // Already in the trailing NULLs: continue among them by id.
    return sql<SqlBool>`(${col} is null and ${id} ${cmp} ${state.i})`;
  }
  const after = sql<SqlBool>`(${col} ${cmp} ${state.v} or (${col} = ${state.v} and ${id} ${cmp} ${state.i}))`;
  return nullable ? sql<SqlBool>`(${after} or ${col} is null)` : after;
}

/**
 * One page of a list, by `page`/`limit` or by keyset `cursor` (stable under concurrent inserts). Sorting
 * always breaks ties by id. Fetches `limit + 1` rows to know `hasMore` without a second query.
 */
export async function paginate<Row extends { id: string }>(
  query: AnyQuery<Row>,
  request: PageRequest<Row>,
): Promise<Page<Row>> {
  const { params, sorts, cursors } = request;
  const sort = sorts[params.sortBy];
  if (!sort) {
    throw invalidInput([{ field: 'sortBy', reason: `Must be one of: ${Object.keys(sorts).join(', ')}` }]);
  }
  const filterPrint = fingerprint(request.filters);
  let page = params.page;
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
    page = state.p;
  }

  const countPromise = request.count ? request.count() : countRows(query);
  let rowsQuery = query;
  if (state)
    rowsQuery = rowsQuery.where(() => keysetCondition(sort.column, params.sortOrder, !!sort.nullable, state));
  const direction = params.sortOrder;
  rowsQuery = rowsQuery
    .orderBy(sql.ref(sort.column), (ob) =>
      sort.nullable
        ? (direction === 'asc' ? ob.asc() : ob.desc()).nullsLast()
        : direction === 'asc'
          ? ob.asc()
          : ob.desc(),
    )
    .orderBy('id' as never, direction)
    .limit(params.limit + 1);
  if (!state && page > 1) rowsQuery = rowsQuery.offset((page - 1) * params.limit);

  const [rows, totalCount] = await Promise.all([rowsQuery.execute(), countPromise]);
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
  return { rows, pagination: { page, limit: params.limit, totalCount, hasMore, nextCursor } };
}

async function countRows<Row>(query: AnyQuery<Row>): Promise<number> {
  const row = await query
    .clearSelect()
    .clearOrderBy()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number((row as { n?: number } | undefined)?.n ?? 0);
}
