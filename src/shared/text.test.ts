import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clip, clipOptional, codePointLength } from './text.js';

describe('clip', () => {
  it('keeps text within the limit unchanged', () => {
    assert.equal(clip('hello', 5), 'hello');
    assert.equal(clip('', 3), '');
    // Four emoji are eight UTF-16 units but four code points: within a limit of 4.
    assert.equal(clip('😀😀😀😀', 4), '😀😀😀😀');
  });

  it('cuts longer text to the limit in code points, ending with an ellipsis', () => {
    const cut = clip('a'.repeat(10_000), 8000);
    assert.equal(cut.length, 8000);
    assert.equal(cut, `${'a'.repeat(7999)}…`);
    assert.equal(clip('abcdef', 4), 'abc…');
  });

  it('never splits a surrogate pair', () => {
    const cut = clip('😀'.repeat(10), 5);
    assert.equal(cut, `${'😀'.repeat(4)}…`);
    assert.equal(codePointLength(cut), 5);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut));
  });

  it('counts code points as JSON Schema maxLength does', () => {
    assert.equal(codePointLength('a😀b'), 3);
    assert.equal(codePointLength('\ud800'), 1); // a lone surrogate is one
  });

  it('leaves null and undefined alone', () => {
    assert.equal(clipOptional(null, 3), null);
    assert.equal(clipOptional(undefined, 3), undefined);
    assert.equal(clipOptional('abcdef', 3), 'ab…');
  });
});
