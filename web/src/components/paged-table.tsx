import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { toProblem } from '../api/problem';
import { Pager, type CursorPages } from './pager';
import { ErrorState, Loading } from './states';

/** What a paged table needs of one page of an SDK list (`client.x.list(…).firstPage()`). */
export interface CursorPage<T> {
  data: T[];
  hasNextPage(): boolean;
  pagination: { nextCursor?: string | null };
}

/**
 * A table in its scrolling wrapper. `columns` are the header cells (`<th scope="col">`), `children` the
 * rows. Name it either by `label`, which makes the wrapper a region a keyboard can focus to scroll a wide
 * table (e.g. "API keys list"), or by a `caption` read by screen readers only.
 */
export function DataTable({
  label,
  caption,
  columns,
  children,
}: {
  label?: string;
  caption?: ReactNode;
  columns: ReactNode;
  children: ReactNode;
}) {
  const region = label ? ({ role: 'region', 'aria-label': label, tabIndex: 0 } as const) : {};
  return (
    <div className="table-wrap" {...region}>
      <table className="table">
        {caption ? <caption className="visually-hidden">{caption}</caption> : null}
        <thead>
          <tr>{columns}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/**
 * A cursor-paged list as a table: the loading line, the error with a retry, `empty` when there is
 * nothing at all, else this page's rows (`row(item)`, each a `<tr key=…>`) and Previous/Next under them.
 * The query reads `pages.cursor` and keeps the page shown while the next loads (`keepPreviousData`).
 *
 * ```tsx
 * const pages = useCursorPages();
 * const keys = useQuery({ queryKey: ['api-keys', pages.cursor ?? null], placeholderData: keepPreviousData,
 *   queryFn: () => client.apiKeys.list({ limit: 25, cursor: pages.cursor }).firstPage() });
 * <PagedTable query={keys} pages={pages} loading="Loading API keys…" empty={<Empty title="No API keys yet" />}
 *   label="API keys list" columns={<th scope="col">Name</th>} row={(key) => <tr key={key.id}>…</tr>} />
 * ```
 */
export function PagedTable<T>({
  query,
  pages,
  loading,
  empty,
  label,
  columns,
  row,
}: {
  query: UseQueryResult<CursorPage<T>>;
  pages: CursorPages;
  /** What is loading, e.g. "Loading API keys…". */
  loading: string;
  /** Shown when the first page is empty. */
  empty: ReactNode;
  label: string;
  columns: ReactNode;
  row: (item: T) => ReactNode;
}) {
  const page = query.data;
  // Under an error too while a page is at hand, so a failing page can be left with Previous.
  const pager = page ? (
    <Pager
      hasPrevious={pages.hasPrevious}
      hasNext={page.hasNextPage()}
      onPrevious={pages.previous}
      onNext={() => pages.next(page.pagination.nextCursor)}
    />
  ) : null;
  if (query.isPending) return <Loading label={loading} />;
  if (query.isError)
    return (
      <>
        <ErrorState problem={toProblem(query.error)} onRetry={() => void query.refetch()} />
        {pager}
      </>
    );
  if (query.data.data.length === 0 && !pages.hasPrevious) return <>{empty}</>;
  return (
    <>
      <DataTable label={label} columns={columns}>
        {query.data.data.map(row)}
      </DataTable>
      {pager}
    </>
  );
}
