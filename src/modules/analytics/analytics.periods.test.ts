import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localDayStart, periodsBetween, type PeriodUnit } from './analytics.periods.js';

const DAY = 86_400_000;

/**
 * `periodsBetween` finds each period's start from the previous one's where it can (fewer zone lookups):
 * every start must be exactly `localDayStart` of its day, across DST changes (at 02:00, at midnight, a
 * 30-minute one, going back at midnight) and zones without any.
 */
describe('periodsBetween', () => {
  const zones = [
    'Europe/Paris',
    'America/New_York',
    'America/Santiago',
    'America/Havana',
    'Australia/Lord_Howe',
    'Asia/Gaza',
    'Asia/Beirut',
    'America/St_Johns',
    'Asia/Kolkata',
    'UTC',
  ];
  for (const unit of ['day', 'week', 'month'] as PeriodUnit[]) {
    it(`starts each ${unit} at localDayStart of its first day, 2015 to 2026`, () => {
      for (const zone of zones) {
        const periods = periodsBetween(Date.UTC(2015, 0, 1), Date.UTC(2027, 0, 1), unit, zone, 10_000)!;
        assert.ok(periods.length > 100 || unit === 'month', zone);
        for (const p of periods) {
          const day = Date.parse(p.key.length === 7 ? `${p.key}-01` : p.key) / DAY;
          assert.equal(p.startsAt, localDayStart(day, zone), `${zone} ${unit} ${p.key}`);
        }
      }
    });
  }
});
