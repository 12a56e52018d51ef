import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addMonths,
  dateIn,
  dateTextIn,
  formatInZone,
  instantToZoned,
  mondayIndex,
  shiftDate,
  today,
  wallAt,
  wallToUtc,
  zonedToInstant,
  elapsedHours,
  hourSlots,
  instantOf,
  offsetMinutes,
  parsePlainDate,
  readWallFields,
  resolveWallTime,
  sameTimeOn,
  stepDate,
  viewDays,
  viewRange,
  wallTimeOf,
  weekdayOf,
} from '../../web/src/components/zoned-time.js';

const iso = (ms: number) => new Date(ms).toISOString();
const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

describe('calendar time zones: wall clock ↔ instant', () => {
  it('reads the wall clock of an instant, with the offset of the season', () => {
    assert.deepEqual(wallTimeOf(Date.parse('2026-07-01T16:30:00Z'), NY), {
      year: 2026,
      month: 7,
      day: 1,
      hour: 12,
      minute: 30,
    });
    assert.equal(offsetMinutes(Date.parse('2026-01-15T12:00:00Z'), NY), -300);
    assert.equal(offsetMinutes(Date.parse('2026-07-15T12:00:00Z'), NY), -240);
    assert.equal(offsetMinutes(Date.parse('2026-07-15T12:00:00Z'), BERLIN), 120);
    assert.equal(offsetMinutes(Date.parse('2026-07-15T12:00:00Z'), 'Asia/Kolkata'), 330);
  });

  it('an ordinary wall-clock time is one instant', () => {
    const r = resolveWallTime({ year: 2026, month: 12, day: 7, hour: 9, minute: 15 }, BERLIN);
    assert.deepEqual(r.kind, 'exact');
    assert.deepEqual(r.instants.map(iso), ['2026-12-07T08:15:00.000Z']);
  });

  it('spring forward in New York: 02:30 on 8 March 2026 does not exist and lands at 03:30 EDT', () => {
    const r = resolveWallTime({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, NY);
    assert.equal(r.kind, 'skipped');
    assert.deepEqual(r.instants.map(iso), ['2026-03-08T07:30:00.000Z']);
    assert.deepEqual(wallTimeOf(r.instants[0]!, NY), { year: 2026, month: 3, day: 8, hour: 3, minute: 30 });
    // Either side of the gap is exact, an hour of elapsed time apart.
    assert.equal(
      iso(instantOf({ year: 2026, month: 3, day: 8, hour: 1, minute: 59 }, NY)),
      '2026-03-08T06:59:00.000Z',
    );
    assert.equal(
      iso(instantOf({ year: 2026, month: 3, day: 8, hour: 3, minute: 0 }, NY)),
      '2026-03-08T07:00:00.000Z',
    );
  });

  it('fall back in New York: 01:30 on 1 November 2026 happens twice, EDT then EST', () => {
    const r = resolveWallTime({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, NY);
    assert.equal(r.kind, 'repeated');
    assert.deepEqual(r.instants.map(iso), ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
    assert.equal(
      iso(instantOf({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, NY)),
      '2026-11-01T05:30:00.000Z',
    );
  });

  it('Berlin: 02:00–03:00 is skipped on 29 March 2026 and 02:00–03:00 repeats on 25 October 2026', () => {
    const spring = resolveWallTime({ year: 2026, month: 3, day: 29, hour: 2, minute: 0 }, BERLIN);
    assert.equal(spring.kind, 'skipped');
    assert.deepEqual(spring.instants.map(iso), ['2026-03-29T01:00:00.000Z']);
    const fall = resolveWallTime({ year: 2026, month: 10, day: 25, hour: 2, minute: 15 }, BERLIN);
    assert.equal(fall.kind, 'repeated');
    assert.deepEqual(fall.instants.map(iso), ['2026-10-25T00:15:00.000Z', '2026-10-25T01:15:00.000Z']);
  });

  it('a DST day has 23 or 25 elapsed hours; its 24 wall-clock rows say which hour is missing or doubled', () => {
    const spring = { year: 2026, month: 3, day: 8 };
    assert.equal(elapsedHours(spring, NY).length, 23);
    const springSlots = hourSlots(spring, NY);
    assert.deepEqual(springSlots[2]!.instants, []);
    assert.equal(springSlots[3]!.instants.length, 1);
    const fall = { year: 2026, month: 11, day: 1 };
    assert.equal(elapsedHours(fall, NY).length, 25);
    assert.equal(hourSlots(fall, NY)[1]!.instants.length, 2);
    assert.equal(elapsedHours({ year: 2026, month: 10, day: 25 }, BERLIN).length, 25);
    assert.equal(elapsedHours({ year: 2026, month: 3, day: 29 }, BERLIN).length, 23);
    assert.equal(elapsedHours({ year: 2026, month: 6, day: 1 }, BERLIN).length, 24);
  });

  it('a view range runs from the first day’s midnight to the midnight after the last, in the zone', () => {
    // March 2026's month grid in New York: Monday 23 Feb to Sunday 5 April, across the change on 8 March.
    const days = viewDays('month', { year: 2026, month: 3, day: 15 });
    assert.equal(days.length, 42);
    assert.deepEqual(days[0], { year: 2026, month: 2, day: 23 });
    const range = viewRange('month', { year: 2026, month: 3, day: 15 }, NY);
    assert.equal(iso(range.start), '2026-02-23T05:00:00.000Z');
    assert.equal(iso(range.end), '2026-04-06T04:00:00.000Z');
    // The week of Thursday 22 October 2026 in Berlin ends on the fall-back Sunday: 169 hours long.
    const week = viewRange('week', { year: 2026, month: 10, day: 22 }, BERLIN);
    assert.equal(iso(week.start), '2026-10-18T22:00:00.000Z');
    assert.equal(iso(week.end), '2026-10-25T23:00:00.000Z');
    assert.equal(week.end - week.start, 169 * 3_600_000);
    const day = viewRange('day', { year: 2026, month: 3, day: 8 }, NY);
    assert.equal(day.end - day.start, 23 * 3_600_000);
  });

  it('moving a card to another day keeps its wall-clock time across a DST change', () => {
    // 09:00 EST on Friday 6 March → Monday 9 March is 09:00 EDT, 23 hours of elapsed time per day less.
    const moved = sameTimeOn(Date.parse('2026-03-06T14:00:00Z'), { year: 2026, month: 3, day: 9 }, NY);
    assert.equal(iso(moved), '2026-03-09T13:00:00.000Z');
    assert.deepEqual(dateIn(moved, NY), { year: 2026, month: 3, day: 9 });
  });

  it('plain dates: parsing, weekdays and steps', () => {
    assert.deepEqual(parsePlainDate('2028-02-29'), { year: 2028, month: 2, day: 29 });
    assert.equal(parsePlainDate('2026-02-29'), undefined);
    assert.equal(parsePlainDate('yesterday'), undefined);
    assert.equal(weekdayOf({ year: 2026, month: 12, day: 7 }), 0);
    assert.deepEqual(addMonths({ year: 2026, month: 1, day: 31 }, 1), { year: 2026, month: 2, day: 28 });
    assert.deepEqual(addMonths({ year: 2026, month: 12, day: 5 }, 1), { year: 2027, month: 1, day: 5 });
    assert.deepEqual(stepDate('week', { year: 2026, month: 12, day: 28 }, 1), {
      year: 2027,
      month: 1,
      day: 4,
    });
    assert.deepEqual(stepDate('day', { year: 2026, month: 3, day: 1 }, -1), {
      year: 2026,
      month: 2,
      day: 28,
    });
  });
});

describe('zoned time as text: date inputs, datetime-local values, plan items', () => {
  it('a datetime-local value means that wall time in the zone, seconds kept, malformed text refused', () => {
    assert.equal(
      zonedToInstant('2026-12-24T09:30', 'Europe/Paris')?.toISOString(),
      '2026-12-24T08:30:00.000Z',
    );
    assert.equal(zonedToInstant('2026-07-01T12:00:15', NY)?.toISOString(), '2026-07-01T16:00:15.000Z');
    assert.equal(zonedToInstant('', NY), undefined);
    assert.equal(zonedToInstant('24/12/2026 09:30', NY), undefined);
    assert.equal(instantToZoned('2026-12-24T08:30:00.000Z', 'Europe/Paris'), '2026-12-24T09:30');
    assert.equal(instantToZoned('2026-07-01T16:00:59.000Z', NY), '2026-07-01T12:00');
  });

  it('skipped and repeated wall times resolve as instantOf does, in every text form', () => {
    // 02:30 on 8 March 2026 does not exist in New York: past the gap, 03:30 EDT.
    assert.equal(zonedToInstant('2026-03-08T02:30', NY)?.toISOString(), '2026-03-08T07:30:00.000Z');
    assert.equal(iso(wallToUtc(NY, '2026-03-08', '02:30')), '2026-03-08T07:30:00.000Z');
    // 01:30 on 1 November 2026 happens twice: the earlier one, EDT.
    assert.equal(zonedToInstant('2026-11-01T01:30', NY)?.toISOString(), '2026-11-01T05:30:00.000Z');
    assert.equal(iso(wallToUtc(NY, '2026-11-01', '01:30')), '2026-11-01T05:30:00.000Z');
    assert.ok(Number.isNaN(wallToUtc(NY, '', '09:30')));
    assert.ok(Number.isNaN(wallToUtc(NY, '2026-11-01', 'noon')));
  });

  it('reads the date and time an instant shows, and the day it falls on', () => {
    assert.deepEqual(wallAt(BERLIN, Date.parse('2026-06-07T22:30:00Z')), {
      date: '2026-06-08',
      time: '00:30',
    });
    assert.equal(dateTextIn(Date.parse('2026-12-01T03:00:00Z'), NY), '2026-11-30');
    assert.equal(dateTextIn(Date.parse('2026-12-01T03:00:00Z'), 'UTC'), '2026-12-01');
    assert.match(formatInZone('2026-12-24T08:30:00.000Z', 'Europe/Paris'), /9:30.*\(Europe\/Paris\)$/);
  });

  it('steps YYYY-MM-DD dates across months and years, knows Mondays and today', () => {
    assert.equal(shiftDate('2026-12-31', 1), '2027-01-01');
    assert.equal(shiftDate('2026-03-01', -1), '2026-02-28');
    assert.equal(shiftDate('2026-03-08', 27), '2026-04-04');
    assert.equal(mondayIndex('2026-12-07'), 0);
    assert.equal(mondayIndex('2026-12-13'), 6);
    assert.equal(today(new Date(2026, 11, 7, 23, 59)), '2026-12-07');
    assert.equal(today(new Date(2027, 0, 1, 0, 0)), '2027-01-01');
  });
});

describe('date and time fields read in a zone', () => {
  it('names what is missing, refuses a skipped time, and keeps both instants of a repeated one', () => {
    assert.deepEqual(readWallFields('', '', NY), {
      problems: { date: 'Give a date.', time: 'Give a time.' },
    });
    assert.deepEqual(readWallFields('2026-02-30', '09:00', NY).problems, { date: 'Give a date.' });
    const skipped = readWallFields('2026-03-08', '02:30', NY);
    assert.equal(skipped.resolved?.kind, 'skipped');
    assert.match(skipped.problems.time ?? '', /02:30 does not exist on that day in America\/New_York/);
    const repeated = readWallFields('2026-11-01', '01:30', NY);
    assert.deepEqual(repeated.problems, {});
    assert.deepEqual(repeated.resolved?.instants.map(iso), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
    assert.deepEqual(readWallFields('2026-12-07', '09:15', BERLIN).resolved?.instants.map(iso), [
      '2026-12-07T08:15:00.000Z',
    ]);
  });
});
