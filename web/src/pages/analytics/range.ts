/** The analytics page's address (`/analytics?from=…&to=…&groupBy=…&brand=…&platform=…&campaign=…`) read as a range. */

import { shiftDate, today } from '../../components/zoned-time';

export interface AnalyticsSearch {
  from?: string;
  to?: string;
  groupBy?: string;
  brand?: string;
  platform?: string;
  campaign?: string;
}

export type Granularity = 'day' | 'week' | 'month';

/** The range shown when the address names none: the last 30 days, today included. */
export const DEFAULT_DAYS = 30;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(value: string | undefined): value is string {
  return value !== undefined && DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

export interface Range {
  /** First day shown (inclusive). */
  from: string;
  /** Last day shown (inclusive). */
  to: string;
  /** The API's `endDate`: the day after `to`. */
  endExclusive: string;
  groupBy: Granularity;
  /** Why the range cannot be asked for ("To" before "From"); nothing is loaded then. */
  error?: string;
}

/** The range of an address: a missing or malformed date falls back to the default range. */
export function rangeOf(search: AnalyticsSearch, now = new Date()): Range {
  const to = validDate(search.to) ? search.to : today(now);
  const from = validDate(search.from) ? search.from : shiftDate(to, -(DEFAULT_DAYS - 1));
  const groupBy: Granularity =
    search.groupBy === 'week' || search.groupBy === 'month' ? search.groupBy : 'day';
  return {
    from,
    to,
    endExclusive: shiftDate(to, 1),
    groupBy,
    ...(from > to ? { error: '“To” must be on or after “From”.' } : {}),
  };
}

const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A row's key as a label: "7 Dec" (day), "Week of 7 Dec" (week), "Dec 2026" (month). */
export function periodLabel(key: string, granularity: Granularity): string {
  const time = Date.parse(granularity === 'month' ? `${key}-01T00:00:00Z` : `${key}T00:00:00Z`);
  if (Number.isNaN(time)) return key;
  if (granularity === 'month') return monthFormat.format(time);
  const day = dayFormat.format(time);
  return granularity === 'week' ? `Week of ${day}` : day;
}
