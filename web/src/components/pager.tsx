import { useState } from 'react';

/** Previous and next for a cursor-paged list; nothing when everything fits on one page. */
export function Pager({
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
}: {
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button
        type="button"
        className="button button--secondary button--small"
        disabled={!hasPrevious}
        onClick={onPrevious}
      >
        Previous
      </button>
      <button
        type="button"
        className="button button--secondary button--small"
        disabled={!hasNext}
        onClick={onNext}
      >
        Next
      </button>
    </nav>
  );
}

/** Where a cursor-paged list stands: see `useCursorPages`. */
export type CursorPages = ReturnType<typeof useCursorPages>;

/** A walk through a cursor-paged list: the cursor of the page shown, back, forward, and back to the start. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    cursor: cursors[cursors.length - 1],
    hasPrevious: cursors.length > 0,
    previous: () => setCursors((c) => c.slice(0, -1)),
    next: (cursor: string | null | undefined) => {
      if (cursor) setCursors((c) => [...c, cursor]);
    },
    reset: () => setCursors([]),
  };
}
