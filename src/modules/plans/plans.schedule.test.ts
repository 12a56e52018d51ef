import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitCaption, captionViolations } from './plans.captions.js';
import {
  candidateSlots,
  MIN_GAP_MS,
  pickSlots,
  postCount,
  postingRank,
  POSTING_TIMES,
} from './plans.schedule.js';
import { MAX_RANGE_DAYS } from './plans.input.js';
import { MAX_PLAN_ITEMS, MAX_POSTS_PER_WEEK } from './plans.schemas.js';
import { formatLocal, localParts, wallToUtc } from './plans.timezone.js';
import { PLATFORMS } from '../../platforms/platforms.js';
import { twitterWeightedLength } from '../../platforms/twitter/twitter.text.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('plans: time zones', () => {
  it('reads a local wall time as the instant it stands for, on both sides of a DST change', () => {
    const paris = (day: number, hour: number) =>
      wallToUtc('Europe/Paris', { year: 2027, month: 3, day, hour, minute: 0 });
    assert.deepEqual(paris(27, 9), { ms: Date.parse('2027-03-27T08:00:00Z'), exact: true });
    assert.deepEqual(paris(29, 9), { ms: Date.parse('2027-03-29T07:00:00Z'), exact: true });
    // 02:30 does not happen on 2027-03-28 (02:00 → 03:00): shifted forward by the gap.
    const gap = wallToUtc('Europe/Paris', { year: 2027, month: 3, day: 28, hour: 2, minute: 30 });
    assert.deepEqual(gap, { ms: Date.parse('2027-03-28T01:30:00Z'), exact: false });
    assert.equal(formatLocal('Europe/Paris', gap.ms), '2027-03-28T03:30:00+02:00');
    // 02:30 happens twice on 2027-10-31: the earlier one.
    const twice = wallToUtc('Europe/Paris', { year: 2027, month: 10, day: 31, hour: 2, minute: 30 });
    assert.deepEqual(twice, { ms: Date.parse('2027-10-31T00:30:00Z'), exact: true });
    const ny = wallToUtc('America/New_York', { year: 2027, month: 3, day: 15, hour: 9, minute: 0 });
    assert.equal(formatLocal('America/New_York', ny.ms), '2027-03-15T09:00:00-04:00');
    assert.equal(
      formatLocal('Asia/Kolkata', Date.parse('2027-01-01T00:00:00Z')),
      '2027-01-01T05:30:00+05:30',
    );
    assert.equal(localParts('UTC', Date.parse('2027-03-28T12:00:00Z')).weekday, 0);
  });
});

describe('plans: posting times and spreading', () => {
  it('every platform has at least 21 distinct weekly times, at least the minimum gap apart', () => {
    for (const platform of PLATFORMS) {
      let weekly = 0;
      for (let day = 0; day < 7; day++) {
        const hours = [
          ...new Set(POSTING_TIMES[platform].filter((w) => w.days.includes(day)).flatMap((w) => w.hours)),
        ].sort((a, b) => a - b);
        weekly += hours.length;
        hours.slice(1).forEach((h, i) => assert.ok((h - hours[i]!) * HOUR >= MIN_GAP_MS, platform));
      }
      assert.ok(weekly >= 21, `${platform}: ${weekly}`);
    }
    assert.equal(postingRank('linkedin', 3, 8), 0);
    assert.equal(postingRank('linkedin', 1, 8), 1);
    assert.equal(postingRank('linkedin', 6, 8), undefined);
  });

  it('candidate slots keep their local hour across the DST change', () => {
    const from = Date.parse('2027-03-22T00:00:00+01:00');
    const to = Date.parse('2027-04-05T00:00:00+02:00');
    const slots = candidateSlots('twitter', 'Europe/Paris', from, to);
    for (const slot of slots) {
      const local = localParts('Europe/Paris', slot.ms);
      assert.equal(local.minute, 0);
      assert.equal(postingRank('twitter', local.weekday, local.hour), slot.rank);
    }
    const nine = slots.filter((s) => localParts('Europe/Paris', s.ms).hour === 9);
    assert.deepEqual(
      [...new Set(nine.map((s) => new Date(s.ms).getUTCHours()))],
      [8, 7],
      '09:00 local is 08:00 UTC before the change and 07:00 after',
    );
  });

  it('prorates the weekly rate and spreads picks evenly, clear of taken times', () => {
    assert.equal(postCount(3, 0, 28 * DAY), 12);
    assert.equal(postCount(3, 0, 28 * DAY - HOUR), 12, 'a DST hour does not change the count');
    assert.equal(postCount(3, 0, 10 * DAY), 4);
    assert.equal(postCount(1, 0, DAY), 1, 'at least one');
    assert.equal(postCount(21, 0, 366 * DAY), 1098);

    const from = Date.parse('2027-05-03T00:00:00Z'); // a Monday
    const to = from + 14 * DAY;
    const slots = candidateSlots('twitter', 'UTC', from, to);
    const free = pickSlots(slots, 6, from, to, []);
    assert.equal(free.length, 6);
    const taken = [free[0]! + 30 * 60_000, free[3]!];
    const avoiding = pickSlots(slots, 6, from, to, taken);
    assert.equal(avoiding.length, 6);
    for (const ms of avoiding) for (const t of taken) assert.ok(Math.abs(ms - t) >= MIN_GAP_MS);
    // Asking for more than there are free times gives what there is, each once.
    const all = pickSlots(slots, 1000, from, to, []);
    assert.equal(all.length, slots.length);
    assert.equal(new Set(all).size, all.length);
  });
});

describe('plans: captions', () => {
  it('trims a caption to its platform: trailing hashtags first, then words', () => {
    const tags = Array.from({ length: 8 }, (_, i) => `#tag${i}`).join(' ');
    const ig = fitCaption('instagram', { caption: `Hello there ${tags}`, hashtags: ['tag0', 'tag7'] });
    assert.deepEqual(ig, { caption: 'Hello there #tag0 #tag1 #tag2 #tag3 #tag4', hashtags: ['tag0'] });
    const long = fitCaption('twitter', { caption: `${'word '.repeat(80)}#done`, hashtags: ['done'] });
    assert.ok(twitterWeightedLength(long.caption) <= 280);
    assert.deepEqual(captionViolations('twitter', long.caption), []);
    assert.match(long.caption, /word…$/);
    assert.deepEqual(long.hashtags, []);
    const ok = { caption: 'Short #fine', hashtags: ['fine'] };
    assert.deepEqual(fitCaption('twitter', ok), ok);
  });
});

describe('plans: the documented bounds', () => {
  it('no plan has more items than `items` allows: every platform at the top rate over the longest range', () => {
    // The longest range, stretched by an hour of daylight saving time.
    const longest = postCount(MAX_POSTS_PER_WEEK, 0, MAX_RANGE_DAYS * DAY + HOUR);
    assert.equal(longest, 1098);
    assert.ok(
      longest * PLATFORMS.length <= MAX_PLAN_ITEMS,
      `${longest * PLATFORMS.length} > ${MAX_PLAN_ITEMS}`,
    );
  });
});
