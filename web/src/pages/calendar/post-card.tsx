import { useState, type DragEvent } from 'react';
import { Link } from '@tanstack/react-router';
import type { Post } from '@audenci/sdk-js';
import { FormDialog } from '../../components/form-dialog';
import { SelectField } from '../../components/select-field';
import { platformLabel } from '../../api/platforms';
import { PostStatusBadge } from '../../components/post-status';
import { isMovable } from './calendar-data';
import { wallAt, readWallFields, type WallFields } from '../../components/zoned-time';
import { WallTimeFields } from '../../components/wall-time-fields';

/** The drag payload's type: a post's id (nothing else is accepted by the calendar's drop targets). */
export const DRAG_TYPE = 'application/x-audenci-post';

/** When a post sits on the calendar: its schedule, else when it was published; a draft without a time has none. */
export function postInstant(post: Post): number | undefined {
  const at = post.scheduledFor ?? post.publishedAt;
  return at ? Date.parse(at) : undefined;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** `14:05` (or `2:05 PM`, as the reader's locale writes it) on a wall clock in `zone`; `zoneName` adds `EST`. */
export function formatClock(instant: number, zone: string, zoneName = false): string {
  const key = `${zone}|${zoneName}`;
  let f = timeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      ...(zoneName ? { timeZoneName: 'short' as const } : {}),
    });
    timeFormats.set(key, f);
  }
  return f.format(new Date(instant));
}

export function excerpt(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

/**
 * A post on the calendar: platform, time, the caption's start (a link to the post), the status. A draft
 * or scheduled post can be dragged to another slot, or moved with its "Move…" button.
 */
export function PostCard({
  post,
  zone,
  canMove,
  onMove,
  moveLabel = 'Move…',
}: {
  post: Post;
  zone: string;
  canMove: boolean;
  onMove: (post: Post) => void;
  moveLabel?: string;
}) {
  const movable = canMove && isMovable(post);
  const at = postInstant(post);
  const dragStart = (event: DragEvent<HTMLElement>) => {
    event.dataTransfer.setData(DRAG_TYPE, post.id);
    event.dataTransfer.setData('text/plain', post.id);
    event.dataTransfer.effectAllowed = 'move';
  };
  const caption = excerpt(post.caption);
  return (
    <article
      className={`cal-card cal-card--${post.status.toLowerCase()} cal-card--${post.platform}${movable ? ' cal-card--movable' : ''}`}
      draggable={movable}
      onDragStart={movable ? dragStart : undefined}
      data-post-id={post.id}
      aria-label={`${platformLabel(post.platform)} post${at ? ` at ${formatClock(at, zone)}` : ''}: ${caption}`}
    >
      <div className="cal-card__top">
        <span className="cal-card__platform">{platformLabel(post.platform)}</span>
        {at ? <span className="cal-card__time">{formatClock(at, zone)}</span> : null}
      </div>
      <Link to="/posts/$postId" params={{ postId: post.id }} className="cal-card__caption" draggable={false}>
        {caption}
      </Link>
      <div className="cal-card__bottom">
        <PostStatusBadge status={post.status} />
        {movable ? (
          <button
            type="button"
            className="cal-card__move"
            aria-label={`${moveLabel.replace('…', '')} ${platformLabel(post.platform)} post “${excerpt(post.caption, 30)}”`}
            onClick={() => onMove(post)}
          >
            {moveLabel}
          </button>
        ) : null}
      </div>
    </article>
  );
}

/**
 * The keyboard's way to move a post (and the tray's "Schedule…"): a date and a time on the brand's wall
 * clock. A time the clocks skip is refused here; a time they repeat asks which of the two is meant.
 */
export function MoveDialog({
  post,
  zone,
  schedule,
  initial,
  pending,
  error,
  onClose,
  onSubmit,
}: {
  post: Post;
  zone: string;
  schedule: boolean;
  /** The instant the fields start at (the post's own time, or the next hour). */
  initial: number;
  pending: boolean;
  error: string | undefined;
  onClose: () => void;
  onSubmit: (instant: number) => void;
}) {
  const start = wallAt(zone, initial);
  const [date, setDate] = useState(start.date);
  const [time, setTime] = useState(start.time);
  const [which, setWhich] = useState('0');
  const [local, setLocal] = useState<WallFields['problems']>({});
  const { resolved, problems } = readWallFields(date, time, zone);

  const submit = () => {
    setLocal(problems);
    if (Object.keys(problems).length || !resolved) return;
    onSubmit(resolved.instants[Number(which)] ?? resolved.instants[0]!);
  };

  const verb = schedule ? 'Schedule' : 'Move';
  return (
    <FormDialog
      title={`${verb} post`}
      intro={
        <>
          “{excerpt(post.caption, 60)}” ({platformLabel(post.platform)}). Times are in {zone}.
        </>
      }
      onClose={onClose}
      onSubmit={submit}
      error={error}
      submitLabel={verb}
      pendingLabel={schedule ? 'Scheduling…' : 'Moving…'}
      pending={pending}
    >
      <WallTimeFields
        date={date}
        time={time}
        onDate={setDate}
        onTime={setTime}
        errors={local}
        hint={`On the wall clock of ${zone}.`}
      />
      {resolved?.kind === 'repeated' ? (
        <SelectField
          label="Which one"
          name="which"
          value={which}
          onChange={(e) => setWhich(e.target.value)}
          hint="The clocks go back that night, so this time happens twice."
        >
          {resolved.instants.map((instant, i) => (
            <option key={instant} value={String(i)}>
              {formatClock(instant, zone, true)} ({i === 0 ? 'the first' : 'the second'})
            </option>
          ))}
        </SelectField>
      ) : null}
    </FormDialog>
  );
}
