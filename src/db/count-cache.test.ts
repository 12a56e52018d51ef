import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CountCache } from './count-cache.js';

describe('CountCache', () => {
  it('answers a cached count until a write or the TTL, and never a failed one', async () => {
    let now = 0;
    const cache = new CountCache(1000, () => now);
    let loads = 0;
    const load = (n: number) => () => (loads++, Promise.resolve(n));
    assert.equal(await cache.get('posts:a', 'f', load(5)), 5);
    assert.equal(await cache.get('posts:a', 'f', load(6)), 5);
    assert.equal(loads, 1);
    cache.invalidate('posts:a');
    assert.equal(await cache.get('posts:a', 'f', load(7)), 7);
    now = 1000;
    assert.equal(await cache.get('posts:a', 'f', load(8)), 8);
    await assert.rejects(cache.get('posts:a', 'g', () => Promise.reject(new Error('db down'))));
    assert.equal(await cache.get('posts:a', 'g', load(9)), 9);
  });

  it('keeps at most maxPerResource filter combinations of a resource, dropping the oldest', async () => {
    const cache = new CountCache(60_000, () => 0, 10, 3);
    let loads = 0;
    const count = (filters: string) => cache.get('posts:a', filters, () => (loads++, Promise.resolve(1)));
    for (const f of ['a', 'b', 'c', 'd']) await count(f);
    assert.equal(loads, 4);
    await count('b');
    await count('c');
    await count('d');
    assert.equal(loads, 4, 'the three newest are still cached');
    await count('a');
    assert.equal(loads, 5, 'the oldest was dropped');
    // Ten thousand distinct filters (a date range walked day by day) hold three entries, not 10,000.
    for (let i = 0; i < 10_000; i++) await count(`day-${i}`);
    const held = (cache as unknown as { resources: Map<string, Map<string, unknown>> }).resources.get(
      'posts:a',
    );
    assert.equal(held?.size, 3);
  });

  it('keeps at most maxResources resources', async () => {
    const cache = new CountCache(60_000, () => 0, 2, 10);
    for (const r of ['x', 'y', 'z']) await cache.get(r, 'f', () => Promise.resolve(1));
    const held = (cache as unknown as { resources: Map<string, unknown> }).resources;
    assert.ok(held.size <= 2);
  });
});
