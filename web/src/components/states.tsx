import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { toProblem, type Problem } from '../api/problem';

/** Shown while something loads: announced politely to screen readers, no layout jump. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state--loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** Nothing to show yet, and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state--empty">
      <p className="state__title">{title}</p>
      {children ? <div className="state__body">{children}</div> : null}
    </div>
  );
}

/** A failure: the server's own message, the request id to quote, and a retry when one makes sense. */
export function ErrorState({ problem, onRetry }: { problem: Problem; onRetry?: () => void }) {
  return (
    <div className="state state--error" role="alert">
      <p className="state__title">Something went wrong</p>
      <p className="state__body">{problem.message}</p>
      {problem.requestId ? <p className="state__meta">Request id: {problem.requestId}</p> : null}
      {onRetry ? (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/**
 * A query's three states in one place: the loading line while it is pending, the error with a retry when
 * it failed, and `children(data)` once it answered (which shows its own empty state).
 */
export function QueryView<T>({
  query,
  loading,
  children,
}: {
  query: UseQueryResult<T>;
  /** What is loading, e.g. "Loading brands…". */
  loading: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={loading} />;
  if (query.isError)
    return <ErrorState problem={toProblem(query.error)} onRetry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}
