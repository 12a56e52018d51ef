import { clockIn, type ClockReading } from '../../shared/dates.js';

/**
 * Wall-clock time in an IANA time zone, with nothing but `Intl`: the zone's offset at an instant, an
 * instant's local date and time, and the instant a local date and time stands for. A plan puts "09:00
 * in Paris" on the calendar, so 09:00 stays 09:00 when daylight saving time begins or ends.
 */

/** A local calendar date and time. `month` is 1–12; `weekday` 0 (Sunday) – 6 (Saturday). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export interface LocalParts extends ClockReading {
  weekday: number;
}

/** `ms`'s date and time as a clock in `zone` shows it. */
export function localParts(zone: string, ms: number): LocalParts {
  const clock = clockIn(zone, ms);
  return { ...clock, weekday: weekdayOf(clock.year, clock.month, clock.day) };
}

/** The day of the week of a calendar date: 0 (Sunday) – 6 (Saturday). */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The zone's offset from UTC at `ms`, in milliseconds (Paris in summer: +7,200,000). */
export function offsetAt(zone: string, ms: number): number {
  const p = localParts(zone, ms);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instant a local wall time stands for in `zone`. When the clocks go back the time happens twice:
 * the earlier instant is answered. When they go forward it does not happen at all (02:30 on the night
 * the clocks jump from 02:00 to 03:00): `exact` is false and the instant is the wall time read with the
 * offset before the jump, i.e. shifted forward by the gap (02:30 → 03:30).
 */
export function wallToUtc(zone: string, wall: WallTime): { ms: number; exact: boolean } {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // No zone changes its offset twice within two days: the offsets a day either side are the candidates.
  const before = offsetAt(zone, naive - DAY_MS);
  const after = offsetAt(zone, naive + DAY_MS);
  const candidates = [...new Set([naive - before, naive - after])].sort((a, b) => a - b);
  for (const ms of candidates) {
    if (naive - offsetAt(zone, ms) === ms) return { ms, exact: true };
  }
  return { ms: naive - before, exact: false };
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** ISO 8601 local date-time with the zone's offset, e.g. `2027-03-29T09:00:00+02:00`. */
export function formatLocal(zone: string, ms: number): string {
  const p = localParts(zone, ms);
  const offset = Math.round(offsetAt(zone, ms) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** The local calendar date after `date` (`YYYY-MM-DD` arithmetic, no zone involved). */
export function nextDay(date: { year: number; month: number; day: number }) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
