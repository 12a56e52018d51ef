import { isTimeZone, parseDateInput } from '../../shared/dates.js';
import type { FieldProblem } from '../../shared/errors.js';
import { wallToUtc } from './plans.timezone.js';

/** The longest range a plan may cover. */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;
const DATE_REASON = 'Must be a date (YYYY-MM-DD, midnight in the plan’s time zone) or an ISO 8601 date-time';

/** A range bound: a date-time as given, or a `YYYY-MM-DD` as midnight in the plan's zone. */
export function parseBound(text: string, zone: string): number | undefined {
  const ms = parseDateInput(text);
  if (ms === undefined || text.length !== 10) return ms;
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  return wallToUtc(zone, { year, month, day, hour: 0, minute: 0 }).ms;
}

/** A pillar as the plan keeps it: trimmed, inner spaces collapsed. */
export function normalPillar(pillar: string): string {
  return pillar.trim().replace(/\s+/g, ' ');
}

/**
 * The rules of a plan body its schema cannot express: each date parses, `endDate` after `startDate`, the
 * range at most `MAX_RANGE_DAYS` and ending in the future, no pillar blank or listed twice. A calendar
 * date is midnight in the plan's zone: `zone` when the caller knows it (the service, from the body or the
 * brand); otherwise the body's valid `timezone`, and without one only what no zone can change is judged
 * (two calendar dates, or two date-times, compare alike in every zone) — the service judges the rest.
 */
export function planInputProblems(
  input: Record<string, unknown>,
  now: number,
  zone?: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const known =
    zone ?? (typeof input.timezone === 'string' && isTimeZone(input.timezone) ? input.timezone : undefined);
  const bound = (field: 'startDate' | 'endDate') => {
    const text = input[field];
    if (typeof text !== 'string') return undefined;
    const ms = parseBound(text, known ?? 'UTC');
    if (ms === undefined) problems.push({ field, reason: DATE_REASON });
    return ms === undefined ? undefined : { ms, calendar: text.length === 10 };
  };
  const start = bound('startDate');
  const end = bound('endDate');
  if (start && end && (known !== undefined || start.calendar === end.calendar)) {
    if (end.ms <= start.ms) problems.push({ field: 'endDate', reason: 'Must be after startDate' });
    else if (end.ms - start.ms > MAX_RANGE_DAYS * DAY_MS)
      problems.push({ field: 'endDate', reason: `The range may span at most ${MAX_RANGE_DAYS} days` });
    else if ((known !== undefined || !end.calendar) && end.ms <= now + 1)
      problems.push({ field: 'endDate', reason: 'Must be in the future: a plan schedules what is ahead' });
  } else if (end && !end.calendar && end.ms <= now + 1) {
    problems.push({ field: 'endDate', reason: 'Must be in the future: a plan schedules what is ahead' });
  }
  if (Array.isArray(input.pillars)) {
    const seen = new Set<string>();
    input.pillars.forEach((raw, i) => {
      if (typeof raw !== 'string') return;
      const pillar = normalPillar(raw);
      if (!pillar) problems.push({ field: `pillars.${i}`, reason: 'Must not be blank' });
      else if (seen.has(pillar.toLowerCase()))
        problems.push({ field: `pillars.${i}`, reason: `'${pillar}' is listed twice` });
      seen.add(pillar.toLowerCase());
    });
  }
  return problems;
}
