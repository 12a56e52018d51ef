import { useState, type DragEvent, type ReactNode } from 'react';
import type { Post } from '@audenci/sdk-js';
import { DRAG_TYPE, PostCard, formatClock, postInstant } from './post-card';
import {
  dateIn,
  elapsedHours,
  formatPlainDate,
  hourSlots,
  sameDate,
  startOfDay,
  addDays,
  wallTimeOf,
  type PlainDate,
} from '../../components/zoned-time';

/** Where a card was dropped: a whole day (month view) or the hour starting at an instant (week, day). */
export type DropTarget = { kind: 'day'; date: PlainDate } | { kind: 'slot'; instant: number };

export interface ViewProps {
  days: PlainDate[];
  zone: string;
  posts: Post[];
  today: PlainDate;
  now: number;
  /** The month shown (month view): the other days are dimmed. */
  month?: number;
  canChange: boolean;
  onDrop: (postId: string, target: DropTarget) => void;
  onCompose: (instant: number) => void;
  onMove: (post: Post) => void;
}

const HOUR = 3_600_000;

const DATE_STYLES = {
  full: { dateStyle: 'full' },
  short: { weekday: 'short', day: 'numeric', month: 'short' },
  weekday: { weekday: 'short' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A plain date in the reader's language: `Monday, 7 December 2026` (full), `Mon, 7 Dec` (short) or
 * `Mon` (weekday). Formatted at noon UTC, so no zone can move it to another day.
 */
export function formatLongDate(date: PlainDate, style: keyof typeof DATE_STYLES = 'full'): string {
  let f = dateFormats.get(style);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', ...DATE_STYLES[style] });
    dateFormats.set(style, f);
  }
  return f.format(new Date(Date.UTC(date.year, date.month - 1, date.day, 12)));
}

/** `14:00`: a wall-clock hour as the slots' data names it. */
const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
const hourFormat = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  hour: '2-digit',
  minute: '2-digit',
});
/** A wall-clock hour as the reader's locale writes times (`14:00` or `02:00 PM`), like the cards. */
const hourText = (hour: number) => hourFormat.format(Date.UTC(2000, 0, 1, hour));

/** A drop zone: highlighted while a card is over it; `onDropPost` gets the dragged post's id. */
function DropZone({
  className,
  onDropPost,
  enabled,
  children,
  label,
  current,
  slot,
}: {
  /** The wall-clock day or hour it stands for (`2026-12-07`, `2026-12-07T14:00`), for tests and styles. */
  slot: string;
  className: string;
  onDropPost: (id: string) => void;
  enabled: boolean;
  children: ReactNode;
  label?: string;
  current?: boolean;
}) {
  const [over, setOver] = useState(false);
  const accepts = (event: DragEvent) => enabled && event.dataTransfer.types.includes(DRAG_TYPE);
  return (
    <div
      className={`${className}${over ? ' cal-drop--over' : ''}`}
      role={label ? 'group' : undefined}
      aria-label={label}
      aria-current={current ? 'date' : undefined}
      data-slot={slot}
      onDragOver={(event) => {
        if (!accepts(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        setOver(false);
        if (!accepts(event)) return;
        event.preventDefault();
        const id = event.dataTransfer.getData(DRAG_TYPE);
        if (id) onDropPost(id);
      }}
    >
      {children}
    </div>
  );
}

/** The posts of one day in `zone`, by time. */
function postsOn(posts: Post[], date: PlainDate, zone: string): Post[] {
  return posts.filter((p) => {
    const at = postInstant(p);
    return at !== undefined && sameDate(dateIn(at, zone), date);
  });
}

function postsBetween(posts: Post[], start: number, end: number): Post[] {
  return posts.filter((p) => {
    const at = postInstant(p);
    return at !== undefined && at >= start && at < end;
  });
}

function Cards({ posts, props }: { posts: Post[]; props: ViewProps }) {
  return posts.length ? (
    <ul className="cal-cards">
      {posts.map((post) => (
        <li key={post.id}>
          <PostCard post={post} zone={props.zone} canMove={props.canChange} onMove={props.onMove} />
        </li>
      ))}
    </ul>
  ) : null;
}

/** A month: whole weeks from Monday; each day its cards and a "+" to write a post that day at 09:00 (or the next hour today). */
export function MonthView(props: ViewProps) {
  const { days, zone, posts, today, now, month, canChange } = props;
  return (
    <div className="cal-month" role="region" aria-label="Month" tabIndex={0}>
      <div className="cal-month__weekdays" aria-hidden="true">
        {days.slice(0, 7).map((d) => (
          <span key={formatPlainDate(d)}>{formatLongDate(d, 'weekday')}</span>
        ))}
      </div>
      <div className="cal-month__grid">
        {days.map((date) => {
          const isToday = sameDate(date, today);
          // 09:00 that day, or the next whole hour when that has passed.
          const composeAt = Math.max(startOfDay(date, zone) + 9 * HOUR, Math.ceil(now / HOUR) * HOUR);
          const dayEnd = startOfDay(addDays(date, 1), zone);
          const key = formatPlainDate(date);
          return (
            <DropZone
              key={key}
              slot={key}
              className={`cal-day${isToday ? ' cal-day--today' : ''}${month !== undefined && date.month !== month ? ' cal-day--other' : ''}`}
              enabled={canChange}
              label={formatLongDate(date)}
              current={isToday}
              onDropPost={(id) => props.onDrop(id, { kind: 'day', date })}
            >
              <div className="cal-day__head">
                <span className="cal-day__weekday" aria-hidden="true">
                  {formatLongDate(date, 'weekday')}
                </span>
                <span className="cal-day__number">{date.day}</span>
                {isToday ? <span className="cal-day__today">Today</span> : null}
                {canChange && composeAt < dayEnd ? (
                  <button
                    type="button"
                    className="cal-add"
                    aria-label={`New post on ${formatLongDate(date)}`}
                    onClick={() => props.onCompose(composeAt)}
                  >
                    +
                  </button>
                ) : null}
              </div>
              <Cards posts={postsOn(posts, date, zone)} props={props} />
            </DropZone>
          );
        })}
      </div>
    </div>
  );
}

/** One hour of one day: its cards, and when it is free and still ahead, a button to write a post for it. */
function HourCell({
  props,
  instants,
  label,
  skipped,
  slot,
}: {
  props: ViewProps;
  instants: number[];
  label: string;
  skipped?: boolean;
  slot: string;
}) {
  const cellPosts = instants.flatMap((start) => postsBetween(props.posts, start, start + HOUR));
  const first = instants[0];
  if (skipped || first === undefined) {
    return (
      <div
        className="cal-slot cal-slot--skipped"
        data-slot={slot}
        title={`${label}: skipped, the clocks go forward`}
      >
        <span className="cal-slot__note">Clocks go forward</span>
      </div>
    );
  }
  const past = first + HOUR <= props.now;
  return (
    <DropZone
      slot={slot}
      className={`cal-slot${past ? ' cal-slot--past' : ''}`}
      enabled={props.canChange}
      onDropPost={(id) => props.onDrop(id, { kind: 'slot', instant: first })}
    >
      {props.canChange && !past && cellPosts.length === 0 ? (
        <button
          type="button"
          className="cal-slot__free"
          aria-label={`New post ${label}`}
          onClick={() =>
            props.onCompose(Math.max(first, Math.ceil(props.now / 60_000) * 60_000 + 5 * 60_000))
          }
        >
          <span aria-hidden="true">+</span>
        </button>
      ) : null}
      <Cards posts={cellPosts} props={props} />
    </DropZone>
  );
}

/** A week: seven columns of 24 wall-clock hours; a skipped hour is marked, a repeated one holds both. */
export function WeekView(props: ViewProps) {
  const { days, zone, today } = props;
  const slots = days.map((d) => hourSlots(d, zone));
  return (
    <div className="cal-week-wrap" role="region" aria-label="Week" tabIndex={0}>
      <div
        className="cal-week"
        style={{ gridTemplateColumns: `4.75rem repeat(${days.length}, minmax(5.5rem, 1fr))` }}
      >
        <div className="cal-week__corner" />
        {days.map((d) => (
          <div
            key={formatPlainDate(d)}
            className={`cal-week__day${sameDate(d, today) ? ' cal-week__day--today' : ''}`}
            aria-current={sameDate(d, today) ? 'date' : undefined}
          >
            {formatLongDate(d, 'short')}
            {sameDate(d, today) ? <span className="visually-hidden"> (today)</span> : null}
          </div>
        ))}
        {Array.from({ length: 24 }, (_, hour) => (
          <WeekRow key={hour} hour={hour} props={props} slots={slots} />
        ))}
      </div>
    </div>
  );
}

function WeekRow({
  hour,
  props,
  slots,
}: {
  hour: number;
  props: ViewProps;
  slots: ReturnType<typeof hourSlots>[];
}) {
  return (
    <>
      <div className="cal-hour">{hourText(hour)}</div>
      {props.days.map((date, i) => {
        const slot = slots[i]![hour]!;
        return (
          <HourCell
            key={formatPlainDate(date)}
            props={props}
            instants={slot.instants}
            skipped={slot.instants.length === 0}
            slot={`${formatPlainDate(date)}T${hourLabel(hour)}`}
            label={`on ${formatLongDate(date)} at ${hourText(hour)}`}
          />
        );
      })}
    </>
  );
}

/** A day: one row per hour that really passes (23 on a spring-forward day, 25 on a fall-back day). */
export function DayView(props: ViewProps) {
  const { days, zone } = props;
  const date = days[0]!;
  const hours = elapsedHours(date, zone);
  // Where the day is not 24 hours long, the zone's abbreviation tells the two 01:00s apart.
  const showZone = hours.length !== 24;
  return (
    <div className="cal-dayview" role="region" aria-label={`Day, ${formatLongDate(date)}`} tabIndex={0}>
      {hours.map((start) => {
        const label = formatClock(start, zone, showZone);
        const { hour, minute } = wallTimeOf(start, zone);
        return (
          <div key={start} className="cal-dayview__row">
            <div className="cal-hour">{minute === 0 ? label : formatClock(start, zone, true)}</div>
            <HourCell
              props={props}
              instants={[start]}
              label={`on ${formatLongDate(date)} at ${label}`}
              slot={`${formatPlainDate(date)}T${hourLabel(hour)}`}
            />
          </div>
        );
      })}
    </div>
  );
}
