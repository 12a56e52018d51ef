import { Link } from '@tanstack/react-router';
import type { Post } from '@audenci/sdk-js';
import { PostStatusBadge } from '../../components/post-status';
import { dateTextIn } from '../../components/zoned-time';

const DAY_MS = 86_400_000;
/** Days drawn at most (a longer campaign shows its first year; posts after it fall under "After"). */
const MAX_DAYS = 400;

/** When a post stands on the timeline: its schedule, else when it was published; null for neither. */
export function postMoment(post: Post): string | null {
  return post.scheduledFor ?? post.publishedAt ?? null;
}

/** `2026-12-01`: the calendar day of a moment in a time zone. */
function dayKey(iso: string | number, timeZone: string): string {
  return dateTextIn(new Date(iso).getTime(), timeZone);
}

interface Day {
  key: string;
  weekday: string;
  day: string;
  /** The whole date, for screen readers: `Tuesday, 1 December 2026`. */
  full: string;
  /** The month's name on the first day drawn and on each 1st. */
  month?: string;
}

/** The days from the start's calendar day to the end's, both included (dates are midnight UTC). */
function daysOf(startDate: string, endDate: string): Day[] {
  const first = Date.parse(startDate.slice(0, 10));
  const last = Date.parse(endDate.slice(0, 10));
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });
  const month = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' });
  const days: Day[] = [];
  for (let t = first; t <= last && days.length < MAX_DAYS; t += DAY_MS) {
    const date = new Date(t);
    days.push({
      key: dayKey(t, 'UTC'),
      weekday: weekday.format(date),
      day: String(date.getUTCDate()),
      full: full.format(date),
      month: days.length === 0 || date.getUTCDate() === 1 ? month.format(date) : undefined,
    });
  }
  return days;
}

function PostCard({
  post,
  timeZone,
  platformName,
}: {
  post: Post;
  timeZone: string;
  platformName: (name: string) => string;
}) {
  const moment = postMoment(post);
  const time = moment
    ? new Intl.DateTimeFormat(undefined, { timeStyle: 'short', timeZone }).format(new Date(moment))
    : null;
  const caption = post.caption.length > 90 ? `${post.caption.slice(0, 89)}…` : post.caption;
  return (
    <li>
      <Link
        to="/posts/$postId"
        params={{ postId: post.id }}
        className={`timeline-card timeline-card--${post.platform}`}
      >
        <span className="timeline-card__head">
          <span className="timeline-card__platform">{platformName(post.platform)}</span>
          {time ? <span className="timeline-card__time">{time}</span> : null}
        </span>
        <PostStatusBadge status={post.status} />
        <span className="timeline-card__caption">{caption || 'No caption yet'}</span>
      </Link>
    </li>
  );
}

/**
 * The campaign's posts on a horizontal timeline across its dates, one column a day in the brand's time
 * zone (days without posts narrow), a card per post by platform and status that opens the post. Posts
 * dated before or after the campaign stand in columns at either end; posts with no date are listed by
 * the caller.
 */
export function Timeline({
  posts,
  startDate,
  endDate,
  timeZone,
  platformName,
  now = Date.now(),
}: {
  posts: Post[];
  startDate: string;
  endDate: string;
  timeZone: string;
  platformName: (name: string) => string;
  now?: number;
}) {
  const days = daysOf(startDate, endDate);
  const firstKey = days[0]?.key ?? '';
  const lastKey = days[days.length - 1]?.key ?? '';
  const byDay = new Map<string, Post[]>();
  const before: Post[] = [];
  const after: Post[] = [];
  for (const post of posts) {
    const moment = postMoment(post);
    if (!moment) continue;
    const key = dayKey(moment, timeZone);
    if (key < firstKey) before.push(post);
    else if (key > lastKey) after.push(post);
    else byDay.set(key, [...(byDay.get(key) ?? []), post]);
  }
  const today = dayKey(now, timeZone);
  const cards = (list: Post[]) => (
    <ul className="timeline__posts">
      {list.map((post) => (
        <PostCard key={post.id} post={post} timeZone={timeZone} platformName={platformName} />
      ))}
    </ul>
  );
  const edge = (label: string, list: Post[]) =>
    list.length ? (
      <li className="timeline__day timeline__day--edge">
        <h3 className="timeline__label">
          <span className="timeline__weekday">{label}</span>
        </h3>
        {cards(list)}
      </li>
    ) : null;

  return (
    <div className="timeline" role="region" aria-label="Campaign timeline" tabIndex={0}>
      <ol className="timeline__days">
        {edge('Before the campaign', before)}
        {days.map((day) => {
          const list = byDay.get(day.key) ?? [];
          const className = [
            'timeline__day',
            list.length ? '' : 'timeline__day--empty',
            day.key === today ? 'timeline__day--today' : '',
          ]
            .filter(Boolean)
            .join(' ');
          return (
            <li key={day.key} className={className} aria-hidden={list.length ? undefined : true}>
              {day.month ? <span className="timeline__month">{day.month}</span> : null}
              <h3 className="timeline__label">
                <span aria-hidden="true">
                  <span className="timeline__weekday">{day.weekday}</span>{' '}
                  <span className="timeline__date">{day.day}</span>
                </span>
                <span className="visually-hidden">
                  {day.full}, {list.length === 1 ? '1 post' : `${list.length} posts`}
                </span>
              </h3>
              {day.key === today ? <span className="timeline__today">Today</span> : null}
              {list.length ? cards(list) : null}
            </li>
          );
        })}
        {edge('After the campaign', after)}
      </ol>
    </div>
  );
}
