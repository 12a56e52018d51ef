import type { PostingWindow } from '../../platforms/definition.js';
import { platformDefinitions, type Platform } from '../../platforms/platforms.js';
import { localParts, nextDay, wallToUtc, weekdayOf } from './plans.timezone.js';

/**
 * When a plan posts: each platform's good posting times as data, and the rule that spreads a plan's
 * posts over its range. Pure functions: no database, no clock (the caller passes "now").
 */

/**
 * Good posting times per platform, in the brand's local time: each network's definition holds them
 * (`postingTimes` in `src/platforms/<name>/definition.ts`), from the engagement studies the scheduling
 * tools publish (Sprout Social, Hootsuite, Buffer; 2024–2025). Hours on one day are at least
 * {@link MIN_GAP_MS} apart, and every platform has at least 21 distinct times a week (the highest
 * `postsPerWeek`).
 */
export const POSTING_TIMES: Readonly<Record<Platform, readonly PostingWindow[]>> = Object.freeze(
  Object.fromEntries(platformDefinitions().map((d) => [d.name, d.postingTimes])) as Record<
    Platform,
    readonly PostingWindow[]
  >,
);

/** Two posts of one platform are at least this far apart (planned ones and those already scheduled). */
export const MIN_GAP_MS = 2 * 3_600_000;
/** How much closer to its ideal moment a secondary time must be to win over a prime time. */
const RANK_PENALTY_MS = 24 * 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** The rank of a local weekday and hour on `platform`, or undefined when it is not a posting time. */
export function postingRank(platform: Platform, weekday: number, hour: number): 0 | 1 | undefined {
  let best: 0 | 1 | undefined;
  for (const w of POSTING_TIMES[platform]) {
    if (w.days.includes(weekday) && w.hours.includes(hour) && (best === undefined || w.rank < best))
      best = w.rank;
  }
  return best;
}

export interface Slot {
  ms: number;
  rank: 0 | 1;
}

/**
 * Every posting time of `platform` in [from, to), as instants: each local day's windows read in `zone`.
 * A local time the clocks skip (spring forward) is left out: no table hour falls in a gap today, but
 * a zone may move its change to one.
 */
export function candidateSlots(platform: Platform, zone: string, from: number, to: number): Slot[] {
  const slots: Slot[] = [];
  const first = localParts(zone, from);
  const last = localParts(zone, to);
  let date = { year: first.year, month: first.month, day: first.day };
  const lastKey = Date.UTC(last.year, last.month - 1, last.day);
  while (Date.UTC(date.year, date.month - 1, date.day) <= lastKey) {
    const weekday = weekdayOf(date.year, date.month, date.day);
    const hours = new Map<number, 0 | 1>();
    for (const w of POSTING_TIMES[platform]) {
      if (!w.days.includes(weekday)) continue;
      for (const hour of w.hours) {
        const rank = hours.get(hour);
        if (rank === undefined || w.rank < rank) hours.set(hour, w.rank);
      }
    }
    for (const [hour, rank] of [...hours].sort((a, b) => a[0] - b[0])) {
      const { ms, exact } = wallToUtc(zone, { ...date, hour, minute: 0 });
      if (exact && ms >= from && ms < to) slots.push({ ms, rank });
    }
    date = nextDay(date);
  }
  return slots;
}

/**
 * How many posts a platform gets: `postsPerWeek` for each full week, prorated for the rest, i.e.
 * `round(postsPerWeek × days ÷ 7)` over the plannable part of the range, and at least one.
 */
export function postCount(postsPerWeek: number, from: number, to: number): number {
  return Math.max(1, Math.round((postsPerWeek * (to - from)) / WEEK_MS));
}

/**
 * Picks `count` slots spread evenly over [from, to): the range is cut into `count` equal parts and each
 * part takes the free posting time nearest its middle (a secondary time only when it is more than a day
 * nearer than any free prime time). A time is free when no `taken` instant (already scheduled posts) and
 * no earlier pick is within {@link MIN_GAP_MS}. Fewer than `count` come back when the free times run out.
 */
export function pickSlots(
  candidates: Slot[],
  count: number,
  from: number,
  to: number,
  taken: number[],
): number[] {
  const sortedTaken = [...taken].sort((a, b) => a - b);
  const free = candidates.filter((slot) => !nearAny(sortedTaken, slot.ms));
  const picked: number[] = [];
  const step = (to - from) / count;
  for (let i = 0; i < count && free.length > 0; i++) {
    const target = from + (i + 0.5) * step;
    let best = 0;
    let bestCost = Infinity;
    for (let k = 0; k < free.length; k++) {
      const slot = free[k]!;
      const cost = Math.abs(slot.ms - target) + slot.rank * RANK_PENALTY_MS;
      if (cost < bestCost) {
        best = k;
        bestCost = cost;
      }
    }
    const ms = free[best]!.ms;
    picked.push(ms);
    // A pick blocks every time within the gap, itself included.
    for (let k = free.length - 1; k >= 0; k--) {
      if (Math.abs(free[k]!.ms - ms) < MIN_GAP_MS) free.splice(k, 1);
    }
  }
  return picked.sort((a, b) => a - b);
}

/** Whether a sorted list holds an instant within {@link MIN_GAP_MS} of `ms` (binary search). */
function nearAny(sorted: number[], ms: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= ms - MIN_GAP_MS) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]! < ms + MIN_GAP_MS;
}
