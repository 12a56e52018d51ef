import type { FieldProblem } from './errors.js';

/**
 * Parses an API date input: an ISO 8601 date-time with a zone, or a calendar date `YYYY-MM-DD` (taken as
 * midnight UTC). Returns epoch milliseconds, or `undefined` when the text is neither.
 */
export function parseDateInput(text: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? undefined : ms;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.test(text))
    return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** True for a time-zone name `Intl` knows (`Europe/Paris`, `UTC`, …). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A date and time as a clock shows it: `month` 1–12, `hour` 0–23. */
export interface ClockReading {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Making an `Intl.DateTimeFormat` is slow: one per zone, kept. */
const clockFormatters = new Map<string, Intl.DateTimeFormat>();

function clockFormatter(zone: string): Intl.DateTimeFormat {
  let f = clockFormatters.get(zone);
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
    clockFormatters.set(zone, f);
  }
  return f;
}

/** What a clock in `zone` (a name `isTimeZone` accepts) shows at `ms`. */
export function clockIn(zone: string, ms: number): ClockReading {
  const parts: Record<string, number> = {};
  for (const part of clockFormatter(zone).formatToParts(ms)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/**
 * A `startDate`/`endDate` pair in order: `endDate` after `startDate` when both are dates (a field of
 * another type, or one that does not parse, is its format check's to report).
 */
export function dateRangeProblems(input: Record<string, unknown>): FieldProblem[] {
  const start = typeof input.startDate === 'string' ? parseDateInput(input.startDate) : undefined;
  const end = typeof input.endDate === 'string' ? parseDateInput(input.endDate) : undefined;
  return start !== undefined && end !== undefined && end <= start
    ? [{ field: 'endDate', reason: 'Must be after startDate' }]
    : [];
}

/** What a date input that does not parse is told (a 400 INVALID_INPUT problem naming its field). */
export const DATE_INPUT_REASON = 'Must be a date (YYYY-MM-DD) or an ISO 8601 date-time';

/**
 * The date field `field` of `input` in epoch ms, read with `parse` (default `parseDateInput`); undefined
 * when absent. A text that does not parse adds a problem naming the field to `problems`.
 */
export function readDateField<F extends string>(
  input: { readonly [K in F]?: string },
  field: F,
  problems: FieldProblem[],
  parse: (text: string) => number | undefined = parseDateInput,
): number | undefined {
  const text = input[field];
  if (text === undefined) return undefined;
  const ms = parse(text);
  if (ms === undefined) problems.push({ field, reason: DATE_INPUT_REASON });
  return ms;
}
