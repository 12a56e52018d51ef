/**
 * Wall-clock times in a brand's time zone: a `datetime-local` value (`2026-12-24T09:30`) means that time
 * where the brand is, whatever zone the browser is in.
 */

function partsIn(date: Date, timeZone: string): Record<string, number> {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const out: Record<string, number> = {};
  for (const part of format.formatToParts(date)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return out;
}

/** How far `timeZone` is ahead of UTC at `date`, in milliseconds. */
function offsetAt(date: Date, timeZone: string): number {
  const p = partsIn(date, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The instant a `datetime-local` value means in `timeZone`; undefined for an empty or malformed value.
 * A time skipped by a daylight-saving jump resolves to the same wall time after the jump.
 */
export function zonedToInstant(local: string, timeZone: string): Date | undefined {
  const m = LOCAL.exec(local);
  if (!m) return undefined;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0);
  let guess = wall - offsetAt(new Date(wall), timeZone);
  // A second pass settles a guess that crossed an offset change.
  guess = wall - offsetAt(new Date(guess), timeZone);
  return new Date(guess);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The `datetime-local` value (to the minute) of `iso` in `timeZone`. */
export function instantToZoned(iso: string, timeZone: string): string {
  const p = partsIn(new Date(iso), timeZone);
  return `${p.year}-${pad(p.month!)}-${pad(p.day!)}T${pad(p.hour! % 24)}:${pad(p.minute!)}`;
}

/** `24 Dec 2026, 09:30 (Europe/Paris)`: an instant as the brand's clock shows it. */
export function formatInZone(iso: string, timeZone: string): string {
  const text = new Intl.DateTimeFormat(undefined, {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
  return `${text} (${timeZone})`;
}
