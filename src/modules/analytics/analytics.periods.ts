import { clockIn } from '../../shared/dates.js';

export { isTimeZone } from '../../shared/dates.js';

/**
 * Calendar periods (day, ISO week, month) in an IANA time zone, DST-safe.
 *
 * The database groups snapshots by 15-minute slot of `published_at` (`published_at / SLOT_MS`), which is
 * portable SQL; this file folds the slots into local periods. Every modern zone's UTC offset is a
 * multiple of 15 minutes and its transitions happen on such a boundary, so a slot never straddles two
 * local days: the fold is exact, including on the 23- and 25-hour days of a DST change.
 */

export const SLOT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

export type PeriodUnit = 'day' | 'week' | 'month';

export interface Period {
  /** `YYYY-MM-DD` (day; the Monday of an ISO week) or `YYYY-MM` (month), in the zone. */
  key: string;
  /** The instant the period starts (local midnight, or the end of a DST gap at midnight). */
  startsAt: number;
}

/** The wall-clock time of `ms` in `timeZone`, as if it were UTC (epoch ms, whole minutes). */
function wallClock(ms: number, timeZone: string): number {
  const clock = clockIn(timeZone, ms);
  return Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute);
}

/** The local calendar day of `ms` as a day number (days since 1970-01-01). */
export function localDay(ms: number, timeZone: string): number {
  return Math.floor(wallClock(ms, timeZone) / DAY_MS);
}

/** The first instant of local day `day` (midnight, or the end of a DST gap that swallows midnight). */
export function localDayStart(day: number, timeZone: string): number {
  const wall = day * DAY_MS;
  const first = wall - (wallClock(wall, timeZone) - wall);
  const second = wall - (wallClock(first, timeZone) - first);
  const candidates = [first, second].filter((t) => localDay(t, timeZone) === day).sort((a, b) => a - b);
  return candidates[0] ?? first;
}

/** The day number the period containing local day `day` starts on. */
function periodStartDay(day: number, unit: PeriodUnit): number {
  if (unit === 'day') return day;
  const date = new Date(day * DAY_MS);
  if (unit === 'week') return day - ((date.getUTCDay() + 6) % 7);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS;
}

function nextPeriodDay(startDay: number, unit: PeriodUnit): number {
  if (unit === 'day') return startDay + 1;
  if (unit === 'week') return startDay + 7;
  const date = new Date(startDay * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY_MS;
}

function periodKey(startDay: number, unit: PeriodUnit): string {
  const iso = new Date(startDay * DAY_MS).toISOString();
  return unit === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

/**
 * Every period that overlaps [start, end), in order, with its start instant; `undefined` when there would
 * be more than `max` (the caller answers 400).
 */
export function periodsBetween(
  start: number,
  end: number,
  unit: PeriodUnit,
  timeZone: string,
  max: number,
): Period[] | undefined {
  const periods: Period[] = [];
  const lastDay = localDay(end - 1, timeZone);
  let previous: { day: number; startsAt: number } | undefined;
  for (let day = periodStartDay(localDay(start, timeZone), unit); day <= lastDay;) {
    if (periods.length >= max) return undefined;
    const startsAt = previous ? nextDayStart(previous, day, timeZone) : localDayStart(day, timeZone);
    periods.push({ key: periodKey(day, unit), startsAt });
    previous = { day, startsAt };
    day = nextPeriodDay(day, unit);
  }
  return periods;
}

/**
 * `localDayStart(day)`, in two clock readings instead of four (the zone lookups are most of the cost of
 * a period list: 91 Paris days 2.2 → 1.1 ms warm): the guess is the previous period's start plus whole days
 * (the same UTC offset). When the offset at `day`'s UTC midnight is that offset and the guess is local
 * midnight, `localDayStart` would find exactly the guess (both its readings give it); else it decides.
 */
function nextDayStart(previous: { day: number; startsAt: number }, day: number, timeZone: string): number {
  const wall = day * DAY_MS;
  const candidate = previous.startsAt + (day - previous.day) * DAY_MS;
  if (wallClock(wall, timeZone) - wall === wall - candidate && wallClock(candidate, timeZone) === wall)
    return candidate;
  return localDayStart(day, timeZone);
}

/**
 * The index in `periods` (sorted, from periodsBetween) of the period holding each slot, for slots sorted
 * ascending: one pass, no time-zone lookup per slot.
 */
export function periodIndexes(periods: readonly Period[], slots: readonly number[]): number[] {
  const indexes: number[] = [];
  let i = 0;
  for (const slot of slots) {
    const ms = slot * SLOT_MS;
    while (i + 1 < periods.length && periods[i + 1]!.startsAt <= ms) i++;
    indexes.push(i);
  }
  return indexes;
}
