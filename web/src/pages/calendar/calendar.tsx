import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useQuery } from '@tanstack/react-query';
import type { Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { toProblem } from '../../api/problem';
import { useRole } from '../../api/role';
import { SelectField } from '../../components/select-field';
import { Empty, ErrorState, Loading, QueryView } from '../../components/states';
import { browserTimeZone } from '../../components/time-zone-field';
import { brandsQuery } from '../../api/brands';
import { isPlatform } from '../../api/platforms';
import { POST_STATUSES, isPostStatus, postStatusWord } from '../../components/post-status';
import {
  postsInRangeKey,
  useMovePost,
  usePostsInRange,
  useUnscheduledDrafts,
  type PostFilters,
} from './calendar-data';
import { DayView, MonthView, WeekView, formatLongDate, type DropTarget } from './calendar-views';
import { MoveDialog, PostCard, excerpt, formatClock, postInstant } from './post-card';
import { PostsList } from './posts-list';
import {
  dateIn,
  formatPlainDate,
  instantOf,
  isKnownZone,
  parsePlainDate,
  sameTimeOn,
  stepDate,
  viewDays,
  viewRange,
  wallTimeOf,
  type CalendarView,
  type PlainDate,
} from '../../components/zoned-time';
import './calendar.css';
import { BrandSelect } from '../../components/brand-select';
import { PlatformSelect } from '../../components/platform-select';

interface CalendarSearch {
  view?: string;
  date?: string;
  brand?: string;
  platform?: string;
  campaign?: string;
  status?: string;
}

const VIEWS: { value: CalendarView; label: string }[] = [
  { value: 'month', label: 'Month' },
  { value: 'week', label: 'Week' },
  { value: 'day', label: 'Day' },
  { value: 'list', label: 'List' },
];
/** The brand filter's value for "every brand" (no value means the first brand). */
const ALL = 'all';
const HOUR = 3_600_000;

const isView = (v: string | undefined): v is CalendarView => VIEWS.some((x) => x.value === v);

function title(view: CalendarView, date: PlainDate): string {
  const utc = (d: PlainDate) => new Date(Date.UTC(d.year, d.month - 1, d.day, 12));
  if (view === 'day') return formatLongDate(date);
  if (view === 'week') {
    const days = viewDays('week', date);
    return new Intl.DateTimeFormat(undefined, {
      timeZone: 'UTC',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
    }).formatRange(utc(days[0]!), utc(days[6]!));
  }
  return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(
    utc(date),
  );
}

/** The current time, moved on every minute (today's highlight and the past slots follow it). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/**
 * The calendar: a brand's posts by month, week or day in the brand's time zone, or as a list with bulk
 * actions. Cards are dragged (or moved with "Move…") to reschedule; a free slot opens the composer.
 */
export function CalendarPage() {
  const search: CalendarSearch = useSearch({ strict: false });
  const brands = useQuery(brandsQuery);
  return (
    <section className="page page--wide cal-page" aria-labelledby="calendar-title">
      <header className="page__header">
        <h1 id="calendar-title">Calendar</h1>
      </header>
      <QueryView query={brands} loading="Loading brands…">
        {({ items }) =>
          items.length === 0 ? (
            <div className="card">
              <Empty title="No brands yet">
                Posts belong to a brand. <Link to="/brands">Create a brand</Link> to plan its posts here.
              </Empty>
            </div>
          ) : (
            <Calendar search={search} brands={items} />
          )
        }
      </QueryView>
    </section>
  );
}

function Calendar({
  search,
  brands,
}: {
  search: CalendarSearch;
  brands: { id: string; name: string; timezone: string }[];
}) {
  const navigate = useNavigate();
  const { role } = useRole();
  const canChange = role !== null && role !== 'viewer';
  const now = useNow();

  const brand = search.brand === ALL ? undefined : (brands.find((b) => b.id === search.brand) ?? brands[0]);
  const zone = brand && isKnownZone(brand.timezone) ? brand.timezone : browserTimeZone();
  const view: CalendarView = isView(search.view) ? search.view : 'month';
  const today = dateIn(now, zone);
  const date = parsePlainDate(search.date) ?? today;
  const filters: PostFilters = {
    brandId: brand?.id,
    platform: isPlatform(search.platform) ? search.platform : undefined,
    campaignId: search.campaign || undefined,
    status: isPostStatus(search.status) ? search.status : undefined,
  };
  const range = viewRange(view, date, zone);
  const posts = usePostsInRange(range, filters);
  const drafts = useUnscheduledDrafts(filters, view !== 'list' && canChange);
  const campaigns = useQuery({
    queryKey: ['campaigns', 'all', brand?.id ?? null],
    queryFn: () => listAll(client.campaigns.list({ brandId: brand?.id, limit: 100 }), 300),
  });

  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string }>();
  const [moving, setMoving] = useState<{ post: Post; schedule: boolean }>();
  const move = useMovePost(postsInRangeKey(range, filters), {
    onMoved: (post) => {
      const at = postInstant(post);
      setMoving(undefined);
      setNotice({
        tone: 'success',
        text: `“${excerpt(post.caption, 40)}” ${post.status === 'SCHEDULED' ? 'scheduled for' : 'moved to'} ${
          at ? `${formatLongDate(dateIn(at, zone))}, ${formatClock(at, zone)}` : 'no time'
        }.`,
      });
    },
    onFailed: (message, post) =>
      setNotice({ tone: 'error', text: `Could not move “${excerpt(post.caption, 40)}”: ${message}` }),
  });

  const go = (changes: Partial<CalendarSearch>) =>
    void navigate({ to: '/calendar', search: { ...search, ...changes } });

  const onCompose = (instant: number) =>
    void navigate({
      to: '/compose',
      search: { at: new Date(instant).toISOString(), ...(brand ? { brand: brand.id } : {}) },
    });

  const calendarPosts = (posts.data?.items ?? []).filter((p) => postInstant(p) !== undefined);
  const trayPosts = drafts.data?.items ?? [];

  const onDrop = (id: string, target: DropTarget) => {
    const post = calendarPosts.find((p) => p.id === id) ?? trayPosts.find((p) => p.id === id);
    if (!post || move.isPending) return;
    const current = postInstant(post);
    let to: number;
    if (target.kind === 'day') {
      to =
        current !== undefined
          ? sameTimeOn(current, target.date, zone)
          : instantOf({ ...target.date, hour: 9, minute: 0 }, zone);
    } else {
      // A card keeps its minutes within the hour it is dropped on.
      to = target.instant + (current !== undefined ? wallTimeOf(current, zone).minute * 60_000 : 0);
    }
    if (to === current) return;
    setNotice(undefined);
    move.mutate({ post, to, schedule: post.status === 'DRAFT' && post.scheduledFor === null });
  };
  const onMove = (post: Post) => {
    move.reset();
    setMoving({ post, schedule: post.status === 'DRAFT' && post.scheduledFor === null });
  };

  const viewProps = {
    days: viewDays(view, date),
    zone,
    posts: calendarPosts,
    today,
    now,
    month: view === 'month' ? date.month : undefined,
    canChange,
    onDrop,
    onCompose,
    onMove,
  };

  return (
    <>
      <div className="cal-toolbar">
        <div className="cal-views" role="group" aria-label="View">
          {VIEWS.map((v) => (
            <button
              key={v.value}
              type="button"
              className={`button button--small ${view === v.value ? 'button--primary' : 'button--secondary'}`}
              aria-pressed={view === v.value}
              onClick={() => go({ view: v.value })}
            >
              {v.label}
            </button>
          ))}
        </div>
        <div className="cal-nav" role="group" aria-label="Dates">
          <button
            type="button"
            className="button button--secondary button--small"
            aria-label={`Previous ${view === 'list' ? 'month' : view}`}
            onClick={() => go({ date: formatPlainDate(stepDate(view, date, -1)) })}
          >
            ‹
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => go({ date: undefined })}
          >
            Today
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            aria-label={`Next ${view === 'list' ? 'month' : view}`}
            onClick={() => go({ date: formatPlainDate(stepDate(view, date, 1)) })}
          >
            ›
          </button>
          <h2 className="cal-title" aria-live="polite">
            {title(view, date)}
          </h2>
        </div>
        <p className="cal-zone">
          Times in <strong>{zone}</strong>
          {brand ? ` (${brand.name})` : ' (your time zone)'}
        </p>
      </div>

      <div className="cal-filters" role="group" aria-label="Filters">
        <BrandSelect
          brands={brands}
          name="brand"
          value={brand?.id ?? ALL}
          onChange={(e) => go({ brand: e.target.value, campaign: undefined })}
        >
          <option value={ALL}>All brands (your time zone)</option>
        </BrandSelect>
        <PlatformSelect
          name="platform"
          value={filters.platform ?? ''}
          onChange={(e) => go({ platform: e.target.value || undefined })}
        />
        <SelectField
          label="Campaign"
          name="campaign"
          value={filters.campaignId ?? ''}
          onChange={(e) => go({ campaign: e.target.value || undefined })}
        >
          <option value="">All campaigns</option>
          {(campaigns.data?.items ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Status"
          name="status"
          value={filters.status ?? ''}
          onChange={(e) => go({ status: e.target.value || undefined })}
        >
          <option value="">All statuses</option>
          {POST_STATUSES.map((s) => (
            <option key={s} value={s}>
              {postStatusWord(s)}
            </option>
          ))}
        </SelectField>
      </div>

      <div role="status" aria-live="polite" className="notice-slot">
        {notice?.tone === 'success' ? <p className="alert alert--success">{notice.text}</p> : null}
      </div>
      <div role="alert" className="notice-slot">
        {notice?.tone === 'error' ? <p className="alert alert--error cal-error">{notice.text}</p> : null}
      </div>

      <div className={`cal-body${view === 'list' || !canChange ? ' cal-body--full' : ''}`}>
        <div className="cal-main" aria-busy={posts.isFetching}>
          {posts.isPending ? (
            <Loading label="Loading posts…" />
          ) : posts.isError ? (
            <ErrorState problem={toProblem(posts.error)} onRetry={() => void posts.refetch()} />
          ) : view === 'list' ? (
            <PostsList posts={posts.data.items} zone={zone} canChange={canChange} />
          ) : (
            <>
              {calendarPosts.length === 0 ? (
                <p className="cal-empty">
                  No posts in this {view}.{canChange ? ' Pick a slot to write one.' : ''}
                </p>
              ) : null}
              {view === 'month' ? <MonthView {...viewProps} /> : null}
              {view === 'week' ? <WeekView {...viewProps} /> : null}
              {view === 'day' ? <DayView {...viewProps} /> : null}
            </>
          )}
          {posts.data?.more ? (
            <p className="table__note">Showing the first 1,000 posts of this period: narrow the filters.</p>
          ) : null}
        </div>
        {view !== 'list' && canChange ? (
          <aside className="cal-tray" aria-labelledby="tray-title">
            <h2 id="tray-title" className="cal-tray__title">
              Unscheduled drafts
            </h2>
            <p className="cal-tray__hint">
              Drag a draft onto the calendar, or use Schedule…, to give it a time.
            </p>
            {drafts.isPending ? (
              <Loading label="Loading drafts…" />
            ) : drafts.isError ? (
              <ErrorState problem={toProblem(drafts.error)} onRetry={() => void drafts.refetch()} />
            ) : trayPosts.length === 0 ? (
              <p className="muted">No drafts without a time.</p>
            ) : (
              <ul className="cal-cards">
                {trayPosts.map((post) => (
                  <li key={post.id}>
                    <PostCard post={post} zone={zone} canMove onMove={onMove} moveLabel="Schedule…" />
                  </li>
                ))}
              </ul>
            )}
          </aside>
        ) : null}
      </div>

      {moving ? (
        <MoveDialog
          post={moving.post}
          zone={zone}
          schedule={moving.schedule}
          initial={postInstant(moving.post) ?? Math.ceil(now / HOUR) * HOUR + HOUR}
          pending={move.isPending}
          error={move.error ? notice?.text : undefined}
          onClose={() => setMoving(undefined)}
          onSubmit={(to) => move.mutate({ post: moving.post, to, schedule: moving.schedule })}
        />
      ) : null}
    </>
  );
}
