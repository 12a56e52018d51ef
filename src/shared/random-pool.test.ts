import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBase64url, randomHex, randomPoolBytes } from './random-pool.js';

describe('random pool', () => {
  it('hands out each byte once, across refills, in the asked length and encoding', () => {
    const seen = new Set<string>();
    // 3 × 4096 bytes: two refills, and a draw that does not fit what is left of the pool.
    for (let i = 0; i < 1000; i++) {
      const hex = randomHex(12);
      assert.match(hex, /^[0-9a-f]{24}$/);
      assert.ok(!seen.has(hex), 'no draw repeats');
      seen.add(hex);
    }
    assert.match(randomBase64url(12), /^[A-Za-z0-9_-]{16}$/);
    assert.equal(randomPoolBytes(5000).length, 5000, 'larger than the pool: drawn on its own');
    // Bytes look uniform: over 64 KiB every value appears.
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 4096; i++) for (const b of randomPoolBytes(16)) counts[b]++;
    assert.ok(counts.every((c) => c > 0));
  });
});
