/**
 * Wall-clock time in a plan's IANA time zone, with `Intl` only: the calendar places an item on the day
 * the plan's zone shows, and an edited "09:30 on 8 June" means 09:30 there, whatever the browser's zone.
 */

export interface Wall {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:MM`. */
  time: string;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  return format;
}

function partsAt(zone: string, ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of formatIn(zone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The date and time `ms` shows in `zone`. */
export function wallAt(zone: string, ms: number): Wall {
  const p = partsAt(zone, ms);
  return { date: `${p.year}-${pad(p.month!)}-${pad(p.day!)}`, time: `${pad(p.hour!)}:${pad(p.minute!)}` };
}

function offsetAt(zone: string, ms: number): number {
  const p = partsAt(zone, ms);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant `date` at `time` stands for in `zone` (`date` `YYYY-MM-DD`, `time` `HH:MM`), or NaN. */
export function wallToUtc(zone: string, date: string, time: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  if ([y, m, d, hh, mm].some((n) => n === undefined || Number.isNaN(n))) return NaN;
  const wall = Date.UTC(y!, m! - 1, d!, hh!, mm!);
  // Two passes settle the offset, also next to a daylight-saving change.
  const first = wall - offsetAt(zone, wall);
  return wall - offsetAt(zone, first);
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

/** 0 (Monday) – 6 (Sunday) of a `YYYY-MM-DD`. */
export function mondayIndex(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return (new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay() + 6) % 7;
}

const dayLabel = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});

/** `Mon, 8 Jun` for a `YYYY-MM-DD`. */
export function formatDay(date: string): string {
  return dayLabel.format(new Date(`${date}T00:00:00Z`));
}

/** Today's `YYYY-MM-DD` in the browser's zone (a date input's default). */
export function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
