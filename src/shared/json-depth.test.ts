import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from './json-depth.js';

/** `levels` nested arrays or objects around `core`. */
const nest = (levels: number, kind: 'array' | 'object', core = '1') =>
  kind === 'array'
    ? '['.repeat(levels) + core + ']'.repeat(levels)
    : '{"a":'.repeat(levels) + core + '}'.repeat(levels);

describe('jsonNestsDeeperThan', () => {
  it('counts levels of arrays and objects: the top value is level 1', () => {
    for (const kind of ['array', 'object'] as const) {
      assert.equal(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH, kind)), false, kind);
      assert.equal(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH + 1, kind)), true, kind);
      assert.equal(jsonNestsDeeperThan(nest(3, kind), 3), false);
      assert.equal(jsonNestsDeeperThan(nest(4, kind), 3), true);
    }
    assert.equal(jsonNestsDeeperThan('[{"a":[{"b":1}]}]', 4), false);
    assert.equal(jsonNestsDeeperThan('[{"a":[{"b":{}}]}]', 4), true);
  });

  it('measures depth, not count: many siblings at a shallow level are fine', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '{"a":[1,2,{"b":[]}]}').join(',')}]`;
    assert.equal(jsonNestsDeeperThan(wide, 5), false);
    assert.equal(jsonNestsDeeperThan(wide, 4), true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({
      caption: '[[[[{{{{'.repeat(100),
      quoted: 'say \\"[[[[\\" \\\\',
      x: '"{{',
    });
    assert.equal(jsonNestsDeeperThan(inString, 1), false);
    assert.equal(jsonNestsDeeperThan(`[${JSON.stringify('\\')},[[1]]]`, 3), false);
    assert.equal(jsonNestsDeeperThan(`[${JSON.stringify('\\')},[[[1]]]]`, 3), true);
  });

  it('stops at the first level too deep: 20 MiB of brackets is answered at once', () => {
    const flood = Buffer.alloc(20 * 1024 * 1024, '[').toString('latin1');
    const started = performance.now();
    assert.equal(jsonNestsDeeperThan(flood), true);
    assert.ok(performance.now() - started < 50);
  });

  it('a 50,000-level document of 100 KB is refused, as is one of objects', () => {
    assert.equal(jsonNestsDeeperThan(nest(50_000, 'array')), true);
    assert.equal(jsonNestsDeeperThan(nest(50_000, 'object')), true);
  });
});
