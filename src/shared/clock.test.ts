import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toIso } from './clock.js';

describe('toIso', () => {
  it('writes exactly what toISOString writes', () => {
    const edges = [
      0, 1, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000,
      // 1972 and 2000 are leap years, 2100 is not; the last millisecond of 9999; then six-digit years.
      68_169_600_000, 951_782_400_000, 951_868_799_999, 951_868_800_000, 4_107_542_400_000, 4_107_628_800_000,
      253_402_300_799_999, 253_402_300_800_000, 8_640_000_000_000_000,
      // Before 1970 and fractional milliseconds take the slow path.
      -1, -62_198_755_200_000, 1_700_000_000_000.5,
    ];
    for (const ms of edges) assert.equal(toIso(ms), new Date(ms).toISOString(), String(ms));
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor(Math.random() * 253_402_300_800_000);
      assert.equal(toIso(ms), new Date(ms).toISOString(), String(ms));
    }
  });

  it('writes the same for times of days it has already written (kept day prefixes)', () => {
    const day = Date.parse('2026-12-07T00:00:00.000Z');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5_000; i++) {
        const ms = day + ((i * 7_919_993) % 86_400_000) + (i % 3) * 86_400_000;
        assert.equal(toIso(ms), new Date(ms).toISOString(), String(ms));
      }
    }
  });

  it('keeps null', () => {
    assert.equal(toIso(null), null);
  });

  it('throws on an invalid time, as toISOString does', () => {
    assert.throws(() => toIso(Number.NaN), RangeError);
  });
});
