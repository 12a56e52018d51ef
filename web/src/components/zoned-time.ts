/**
 * Wall-clock time in a named time zone, without a date library: the one place the web app turns an
 * instant into what a brand's (or a plan's) clock shows and back — the calendar's month, week and day,
 * the composer's `datetime-local` schedule, a plan's items, a campaign's timeline days. Everything goes
 * through `Intl.DateTimeFormat` with `timeZone`, so daylight-saving changes follow the browser's own
 * time-zone database. No imports: the unit tests (test/web/zoned-time.test.ts) load this file under Node.
 *
 * A calendar date is a `PlainDate` (`2026-12-07`, no zone); an instant is epoch milliseconds. The text
 * helpers at the end work on the forms inputs and addresses use: `YYYY-MM-DD`, `HH:MM`, `datetime-local`.
 */

/** A calendar date without a zone. `month` is 1–12. */
export interface PlainDate {
  year: number;
  month: number;
  day: number;
}

/** A wall-clock date and time in some zone (what a clock on that wall shows). */
export interface WallTime extends PlainDate {
  hour: number;
  minute: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether the browser knows `zone` (an unknown one would throw in every formatter). */
export function isKnownZone(zone: string): boolean {
  try {
    partsFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** What a wall clock in `zone` shows at `instant` (seconds dropped). */
export function wallTimeOf(instant: number, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of partsFormatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
  };
}

/** The zone's offset from UTC at `instant`, in minutes (New York in winter: −300). */
export function offsetMinutes(instant: number, zone: string): number {
  const w = wallTimeOf(instant, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const floored = Math.floor(instant / MINUTE) * MINUTE;
  return Math.round((asUtc - floored) / MINUTE);
}

const sameWall = (a: WallTime, b: WallTime) =>
  a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;

/**
 * How a wall-clock time maps onto instants in a zone:
 * - `exact`: one instant;
 * - `repeated`: the clocks went back and the time happened twice (`instants` holds both, earlier first);
 * - `skipped`: the clocks went forward over it (`instants` holds the moment the same length of time
 *   after the gap's start, as a clock that was not changed would show: 02:30 on a spring-forward night
 *   in New York is 03:30 EDT).
 */
export interface Resolved {
  kind: 'exact' | 'repeated' | 'skipped';
  instants: number[];
}

export function resolveWallTime(wall: WallTime, zone: string): Resolved {
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // The offsets in force a day either side cover any single transition near this time.
  const before = offsetMinutes(local - DAY, zone);
  const after = offsetMinutes(local + DAY, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => local - offset * MINUTE)
    .filter((instant) => sameWall(wallTimeOf(instant, zone), wall))
    .sort((a, b) => a - b);
  if (candidates.length === 0) {
    // A gap: read the time with the offset from before it, which lands past the gap.
    return { kind: 'skipped', instants: [local - before * MINUTE] };
  }
  return { kind: candidates.length > 1 ? 'repeated' : 'exact', instants: candidates };
}

/** The instant a wall-clock time names: a repeated time's earlier one, a skipped time's moment past the gap. */
export function instantOf(wall: WallTime, zone: string): number {
  return resolveWallTime(wall, zone).instants[0]!;
}

/* ---- Plain dates ---- */

const dayNumber = (d: PlainDate) => Math.floor(Date.UTC(d.year, d.month - 1, d.day) / DAY);

function fromDayNumber(n: number): PlainDate {
  const date = new Date(n * DAY);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function addDays(date: PlainDate, days: number): PlainDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** The same day of another month, or the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: PlainDate, months: number): PlainDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 0 = Monday … 6 = Sunday (weeks start on Monday here, as in most of the world). */
export function weekdayOf(date: PlainDate): number {
  return (new Date(dayNumber(date) * DAY).getUTCDay() + 6) % 7;
}

export function startOfWeek(date: PlainDate): PlainDate {
  return addDays(date, -weekdayOf(date));
}

export function compareDates(a: PlainDate, b: PlainDate): number {
  return dayNumber(a) - dayNumber(b);
}

export function sameDate(a: PlainDate, b: PlainDate): boolean {
  return compareDates(a, b) === 0;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-12-07`. */
export function formatPlainDate(date: PlainDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** A `YYYY-MM-DD` that names a real day, else undefined. */
export function parsePlainDate(text: string | undefined): PlainDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > daysInMonth(date.year, date.month)) {
    return undefined;
  }
  return date;
}

/** The calendar date in `zone` at `instant`. */
export function dateIn(instant: number, zone: string): PlainDate {
  const { year, month, day } = wallTimeOf(instant, zone);
  return { year, month, day };
}

/** The instant a day starts in `zone` (its first wall-clock minute: midnight, or later where midnight is skipped). */
export function startOfDay(date: PlainDate, zone: string): number {
  return instantOf({ ...date, hour: 0, minute: 0 }, zone);
}

/* ---- What a view shows ---- */

export type CalendarView = 'month' | 'week' | 'day' | 'list';

/**
 * The days a view lays out and the instants it covers, [start, end): a month's whole weeks (Monday
 * first), a week, a day. The list view covers the month.
 */
export function viewDays(view: CalendarView, date: PlainDate): PlainDate[] {
  if (view === 'day') return [date];
  if (view === 'week') return Array.from({ length: 7 }, (_, i) => addDays(startOfWeek(date), i));
  const first = { ...date, day: 1 };
  if (view === 'list') {
    return Array.from({ length: daysInMonth(date.year, date.month) }, (_, i) => addDays(first, i));
  }
  const start = startOfWeek(first);
  const last = { ...date, day: daysInMonth(date.year, date.month) };
  const weeks = Math.ceil((compareDates(last, start) + 1) / 7);
  return Array.from({ length: weeks * 7 }, (_, i) => addDays(start, i));
}

export function viewRange(view: CalendarView, date: PlainDate, zone: string): { start: number; end: number } {
  const days = viewDays(view, date);
  return { start: startOfDay(days[0]!, zone), end: startOfDay(addDays(days[days.length - 1]!, 1), zone) };
}

/** The date a step back or forward lands on: a month, a week or a day. */
export function stepDate(view: CalendarView, date: PlainDate, direction: 1 | -1): PlainDate {
  if (view === 'week') return addDays(date, 7 * direction);
  if (view === 'day') return addDays(date, direction);
  return addMonths(date, direction);
}

/** One hour row of a day: the wall-clock hour and the instants it starts at (none when skipped, two when repeated). */
export interface HourSlot {
  hour: number;
  instants: number[];
}

/** The 24 wall-clock hours of a day in `zone` (a week's rows line up on these). */
export function hourSlots(date: PlainDate, zone: string): HourSlot[] {
  return Array.from({ length: 24 }, (_, hour) => {
    const resolved = resolveWallTime({ ...date, hour, minute: 0 }, zone);
    return { hour, instants: resolved.kind === 'skipped' ? [] : resolved.instants };
  });
}

/**
 * The hours a day really has in `zone`, one per elapsed hour from its start to the next day's: 23 on a
 * spring-forward day, 25 (one wall-clock hour twice) on a fall-back day. The day view's rows.
 */
export function elapsedHours(date: PlainDate, zone: string): number[] {
  const start = startOfDay(date, zone);
  const end = startOfDay(addDays(date, 1), zone);
  const hours: number[] = [];
  // Hour boundaries after the first are whole hours of elapsed time (zones with half-hour offsets included).
  for (let t = start; t < end; t += HOUR) hours.push(t);
  return hours;
}

/** The instant `instant` moves to when its card is dropped on `date`: the same wall-clock time that day. */
export function sameTimeOn(instant: number, date: PlainDate, zone: string): number {
  const { hour, minute } = wallTimeOf(instant, zone);
  return instantOf({ ...date, hour, minute }, zone);
}

/* ---- Dates and times as text (`YYYY-MM-DD`, `HH:MM`, `datetime-local`) ---- */

/** `2026-12-01`: the calendar day `instant` falls on in `zone` (a timeline's or a day list's key). */
export function dateTextIn(instant: number, zone: string): string {
  return formatPlainDate(dateIn(instant, zone));
}

/** A date and a time as a form holds them. */
export interface WallText {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:MM`. */
  time: string;
}

/** The date and time `ms` shows in `zone`. */
export function wallAt(zone: string, ms: number): WallText {
  const wall = wallTimeOf(ms, zone);
  return { date: formatPlainDate(wall), time: `${pad(wall.hour)}:${pad(wall.minute)}` };
}

/**
 * The instant `date` at `time` stands for in `zone` (`date` `YYYY-MM-DD`, `time` `HH:MM`), or NaN for
 * text that is not a date and a time. A repeated time is its earlier instant, a skipped one lands past
 * the gap (as `instantOf`).
 */
export function wallToUtc(zone: string, date: string, time: string): number {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  if ([year, month, day, hour, minute].some((n) => n === undefined || Number.isNaN(n))) return NaN;
  return instantOf({ year: year!, month: month!, day: day!, hour: hour!, minute: minute! }, zone);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The instant a `datetime-local` value (`2026-12-24T09:30`) means in `zone`, whatever zone the browser
 * is in; undefined for an empty or malformed value. Repeated and skipped times resolve as `instantOf`.
 */
export function zonedToInstant(local: string, zone: string): Date | undefined {
  const m = LOCAL.exec(local);
  if (!m) return undefined;
  const wall = { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]! };
  return new Date(instantOf(wall, zone) + (m[6] ? +m[6] : 0) * 1000);
}

/** The `datetime-local` value (to the minute) of `iso` in `zone`. */
export function instantToZoned(iso: string, zone: string): string {
  const { date, time } = wallAt(zone, new Date(iso).getTime());
  return `${date}T${time}`;
}

/** `24 Dec 2026, 09:30 (Europe/Paris)`: an instant as the zone's clock shows it. */
export function formatInZone(iso: string, zone: string): string {
  const text = new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
  return `${text} (${zone})`;
}

/** `YYYY-MM-DD` plus `days` calendar days. */
export function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** 0 (Monday) – 6 (Sunday) of a `YYYY-MM-DD`. */
export function mondayIndex(date: string): number {
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
}

/** Today in the browser's time zone, as `YYYY-MM-DD` (a date input's default). */
export function today(now = new Date()): string {
  return `${pad(now.getFullYear(), 4)}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

const shortDay = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});

/** `Mon, 8 Jun` for a `YYYY-MM-DD`. */
export function formatShortDay(date: string): string {
  return shortDay.format(new Date(`${date}T00:00:00Z`));
}

/** What a date field and a time field (`YYYY-MM-DD`, `HH:MM`) name in `zone`, and what is wrong with them. */
export interface WallFields {
  /** Set when both fields are filled in, also for a skipped time (which then has a `time` problem). */
  resolved?: Resolved;
  /** Empty when the fields name a time that exists. */
  problems: { date?: string; time?: string };
}

export function readWallFields(date: string, time: string, zone: string): WallFields {
  const plain = parsePlainDate(date);
  const clock = /^(\d{2}):(\d{2})$/.exec(time);
  const problems: WallFields['problems'] = {};
  if (!plain) problems.date = 'Give a date.';
  if (!clock) problems.time = 'Give a time.';
  if (!plain || !clock) return { problems };
  const resolved = resolveWallTime({ ...plain, hour: Number(clock[1]), minute: Number(clock[2]) }, zone);
  if (resolved.kind === 'skipped') {
    problems.time = `${time} does not exist on that day in ${zone}: the clocks go forward. Pick another time.`;
  }
  return { resolved, problems };
}
