import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from '@tanstack/react-router';
import { useQueryClient } from '@tanstack/react-query';
import type { Post } from '@audenci/sdk-js';
import { ConfirmButton } from '../../components/confirm-button';
import { Field } from '../../components/field';
import { FormDialog } from '../../components/form-dialog';
import { DataTable } from '../../components/paged-table';
import { SelectField } from '../../components/select-field';
import { Empty } from '../../components/states';
import { platformLabel } from '../../api/platforms';
import { PostStatusBadge } from '../../components/post-status';
import { rescheduleAll, runPostsJob, type BulkProgress } from './bulk-actions';
import { excerpt, formatClock, postInstant } from './post-card';
import { formatLongDate } from './calendar-views';
import { addDays, dateIn, formatPlainDate, sameTimeOn, readWallFields } from '../../components/zoned-time';
import { WallTimeFields } from '../../components/wall-time-fields';

type SortKey = 'date' | 'platform' | 'status' | 'caption';

const SORTS: { key: SortKey; label: string }[] = [
  { key: 'date', label: 'Time' },
  { key: 'platform', label: 'Platform' },
  { key: 'caption', label: 'Caption' },
  { key: 'status', label: 'Status' },
];

function compare(a: Post, b: Post, key: SortKey): number {
  if (key === 'date') {
    const at = (p: Post) => postInstant(p) ?? Date.parse(p.createdAt);
    return at(a) - at(b);
  }
  return a[key].localeCompare(b[key]);
}

/**
 * The list view: the period's posts in a table, sorted by a column, with row selection and bulk
 * actions (reschedule, publish now, delete) that show their progress and what failed.
 */
export function PostsList({ posts, zone, canChange }: { posts: Post[]; zone: string; canChange: boolean }) {
  const queryClient = useQueryClient();
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'date', descending: false });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [progress, setProgress] = useState<BulkProgress>();
  const [rescheduling, setRescheduling] = useState(false);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const sorted = useMemo(() => {
    const list = [...posts].sort((a, b) => compare(a, b, sort.key) || compare(a, b, 'date'));
    return sort.descending ? list.reverse() : list;
  }, [posts, sort]);
  const chosen = sorted.filter((p) => selected.has(p.id));
  const running = progress !== undefined && !progress.done;

  // Posts that left the list (deleted, filtered out) leave the selection too.
  useEffect(() => {
    setSelected((current) => {
      const ids = new Set(posts.map((p) => p.id));
      const kept = new Set([...current].filter((id) => ids.has(id)));
      return kept.size === current.size ? current : kept;
    });
  }, [posts]);

  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const allOn = sorted.length > 0 && chosen.length === sorted.length;

  const finish = async () => {
    await queryClient.invalidateQueries({ queryKey: ['posts'] });
  };
  const runJob = async (type: 'posts.publish' | 'posts.delete') => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    const posts = chosen;
    setSelected(new Set());
    try {
      await runPostsJob(type, posts, setProgress, controller.signal);
    } finally {
      await finish();
    }
  };

  if (posts.length === 0) {
    return (
      <div className="card">
        <Empty title="No posts in this period">Change the filters or the month, or write a new post.</Empty>
      </div>
    );
  }

  return (
    <div className="card cal-list">
      {canChange ? (
        <div className="cal-bulk" role="toolbar" aria-label="Bulk actions">
          <span className="cal-bulk__count" aria-live="polite">
            {chosen.length ? `${chosen.length} selected` : 'Select posts to act on several at once'}
          </span>
          <button
            type="button"
            className="button button--secondary button--small"
            disabled={!chosen.length || running}
            onClick={() => setRescheduling(true)}
          >
            Reschedule…
          </button>
          {chosen.length && !running ? (
            <>
              <ConfirmButton
                label="Publish now"
                title={`Publish ${chosen.length} post${chosen.length === 1 ? '' : 's'} now?`}
                confirmLabel="Publish now"
                tone="primary"
                buttonClass="button button--secondary button--small"
                onConfirm={async () => {
                  void runJob('posts.publish');
                }}
              >
                They are sent to their networks right away, whatever their scheduled time.
              </ConfirmButton>
              <ConfirmButton
                label="Delete"
                title={`Delete ${chosen.length} post${chosen.length === 1 ? '' : 's'}?`}
                confirmLabel="Delete posts"
                onConfirm={async () => {
                  void runJob('posts.delete');
                }}
              >
                The posts are deleted here; posts already published stay on their networks.
              </ConfirmButton>
            </>
          ) : (
            // Nothing chosen yet (or a bulk action still running): the same buttons, off.
            <>
              <button type="button" className="button button--secondary button--small" disabled>
                Publish now
              </button>
              <button type="button" className="button button--secondary button--small" disabled>
                Delete
              </button>
            </>
          )}
        </div>
      ) : null}
      {progress ? (
        <ProgressPanel progress={progress} zone={zone} onDismiss={() => setProgress(undefined)} />
      ) : null}
      <DataTable
        label="Posts list"
        columns={
          <>
            {canChange ? (
              <th scope="col" className="cal-list__check">
                <input
                  type="checkbox"
                  aria-label="Select all posts"
                  checked={allOn}
                  onChange={(e) =>
                    setSelected(e.target.checked ? new Set(sorted.map((p) => p.id)) : new Set())
                  }
                />
              </th>
            ) : null}
            {SORTS.map(({ key, label }) => (
              <th
                key={key}
                scope="col"
                aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : undefined}
              >
                <button
                  type="button"
                  className="cal-sort"
                  onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : false }))}
                >
                  {label}
                  <span aria-hidden="true">{sort.key === key ? (sort.descending ? ' ↓' : ' ↑') : ''}</span>
                </button>
              </th>
            ))}
          </>
        }
      >
        {sorted.map((post) => {
          const at = postInstant(post);
          return (
            <tr key={post.id}>
              {canChange ? (
                <td className="cal-list__check">
                  <input
                    type="checkbox"
                    aria-label={`Select “${excerpt(post.caption, 40)}”`}
                    checked={selected.has(post.id)}
                    onChange={(e) => toggle(post.id, e.target.checked)}
                  />
                </td>
              ) : null}
              <td data-label="Time" className="table__nowrap">
                {at ? `${formatLongDate(dateIn(at, zone), 'short')}, ${formatClock(at, zone)}` : 'No time'}
              </td>
              <td data-label="Platform">{platformLabel(post.platform)}</td>
              <td data-label="Caption" className="table__primary">
                <Link to="/posts/$postId" params={{ postId: post.id }} className="table__link">
                  {excerpt(post.caption, 90)}
                </Link>
              </td>
              <td data-label="Status">
                <PostStatusBadge status={post.status} />
              </td>
            </tr>
          );
        })}
      </DataTable>
      {rescheduling ? (
        <RescheduleDialog
          count={chosen.length}
          zone={zone}
          onClose={() => setRescheduling(false)}
          onSubmit={(times) => {
            setRescheduling(false);
            const posts = chosen;
            setSelected(new Set());
            void rescheduleAll(posts, times, setProgress).finally(() => void finish());
          }}
        />
      ) : null}
    </div>
  );
}

function ProgressPanel({
  progress,
  zone,
  onDismiss,
}: {
  progress: BulkProgress;
  zone: string;
  onDismiss: () => void;
}) {
  const { action, total, processed, succeeded, failed, failures, done, error, jobId } = progress;
  return (
    <section className="cal-progress" aria-label={`${action} progress`}>
      <div className="cal-progress__head">
        <label className="cal-progress__label">
          {action}: {processed} of {total} done
          <progress className="usage__bar" max={total || 1} value={processed} />
        </label>
        {done ? (
          <button type="button" className="button button--ghost button--small" onClick={onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
      <p role="status" className="cal-progress__summary">
        {error
          ? `${action} failed: ${error}`
          : done
            ? `${action} finished: ${succeeded} succeeded, ${failed} failed.`
            : `${succeeded} succeeded, ${failed} failed so far…`}
        {jobId ? (
          <>
            {' '}
            <Link to="/jobs/$jobId" params={{ jobId }}>
              See the job
            </Link>
          </>
        ) : null}
      </p>
      {failures.length ? (
        <ul className="cal-progress__failures">
          {failures.map(({ post, message }) => (
            <li key={post.id}>
              <Link to="/posts/$postId" params={{ postId: post.id }}>
                {excerpt(post.caption, 40)}
              </Link>{' '}
              ({platformLabel(post.platform)}
              {postInstant(post) ? `, ${formatClock(postInstant(post)!, zone)}` : ''}): {message}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/** Reschedule several posts: shift each by some hours or days, or set them all to one date and time. */
function RescheduleDialog({
  count,
  zone,
  onClose,
  onSubmit,
}: {
  count: number;
  zone: string;
  onClose: () => void;
  onSubmit: (times: (post: Post) => number | string) => void;
}) {
  const tomorrow = formatPlainDate(addDays(dateIn(Date.now(), zone), 1));
  const [mode, setMode] = useState<'shift' | 'set'>('shift');
  const [amount, setAmount] = useState('1');
  const [unit, setUnit] = useState<'days' | 'hours'>('days');
  const [date, setDate] = useState(tomorrow);
  const [time, setTime] = useState('09:00');
  const [problems, setProblems] = useState<Record<string, string>>({});

  const submit = () => {
    if (mode === 'shift') {
      const n = Number(amount);
      if (!Number.isInteger(n) || n === 0) {
        setProblems({ amount: 'A whole number other than 0 (negative moves earlier).' });
        return;
      }
      onSubmit((post) => {
        const at = postInstant(post);
        if (at === undefined) return 'It has no time to shift; set one instead.';
        // Days keep the wall-clock time across a daylight-saving change; hours are elapsed hours.
        return unit === 'days' ? sameTimeOn(at, addDays(dateIn(at, zone), n), zone) : at + n * 3_600_000;
      });
      return;
    }
    const { resolved, problems: wrong } = readWallFields(date, time, zone);
    if (!resolved || Object.keys(wrong).length) {
      setProblems(wrong);
      return;
    }
    const to = resolved.instants[0]!;
    onSubmit(() => to);
  };

  return (
    <FormDialog
      title={`Reschedule ${count} post${count === 1 ? '' : 's'}`}
      intro={`Times are in ${zone}. Each post is changed on its own: one refused time does not stop the others.`}
      onClose={onClose}
      onSubmit={submit}
      error={undefined}
      submitLabel="Reschedule"
      pendingLabel="Rescheduling…"
      pending={false}
    >
      <SelectField
        label="How"
        name="mode"
        value={mode}
        onChange={(e) => setMode(e.target.value as 'shift' | 'set')}
      >
        <option value="shift">Shift each by…</option>
        <option value="set">Set all to one time</option>
      </SelectField>
      {mode === 'shift' ? (
        <div className="form__row">
          <Field
            label="By"
            name="amount"
            type="number"
            step={1}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            error={problems.amount}
          />
          <SelectField
            label="Unit"
            name="unit"
            value={unit}
            onChange={(e) => setUnit(e.target.value as 'days' | 'hours')}
          >
            <option value="days">days</option>
            <option value="hours">hours</option>
          </SelectField>
        </div>
      ) : (
        <div className="form__row">
          <WallTimeFields date={date} time={time} onDate={setDate} onTime={setTime} errors={problems} />
        </div>
      )}
      <p className="field__hint">
        Now in {zone}: {formatLongDate(dateIn(Date.now(), zone))}, {formatClock(Date.now(), zone, true)}.
      </p>
    </FormDialog>
  );
}
