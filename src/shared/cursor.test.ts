import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CursorCodec, fingerprint, type CursorState } from './cursor.js';

const state: CursorState = {
  s: 'scheduledFor',
  o: 'desc',
  f: 'abc',
  v: '2026-12-07T10:00:00.000Z',
  i: 'post_1',
  p: 2,
};

/** Counts the HMACs a codec computes (its private `sign`). */
function counting(codec: CursorCodec): { count: number } {
  const counter = { count: 0 };
  const target = codec as unknown as { sign: (...args: unknown[]) => string };
  const sign = target.sign.bind(codec);
  target.sign = (...args) => {
    counter.count++;
    return sign(...args);
  };
  return counter;
}

describe('cursors', () => {
  it('a cursor made again is the same text, its HMAC computed once', () => {
    const codec = new CursorCodec(Buffer.alloc(32, 1));
    const signs = counting(codec);
    const first = codec.encode(state);
    assert.equal(codec.encode({ ...state }), first);
    assert.equal(signs.count, 1);
    assert.notEqual(codec.encode({ ...state, p: 3 }), first);
    assert.equal(signs.count, 2);
    assert.deepEqual(codec.decode(first), state);
  });

  it('a cursor sent is always verified: every decode computes its HMAC', () => {
    const codec = new CursorCodec(Buffer.alloc(32, 1));
    const cursor = codec.encode(state);
    const signs = counting(codec);
    assert.deepEqual(codec.decode(cursor), state);
    assert.deepEqual(codec.decode(cursor), state);
    assert.equal(signs.count, 2);
    // Another key's codec refuses it, kept cursors or not.
    const other = new CursorCodec(Buffer.alloc(32, 2));
    assert.equal(other.decode(cursor), undefined);
    assert.notEqual(other.encode(state), cursor);
  });

  it('a fingerprint is the same for the same filters, in any key order, kept or not', () => {
    const a = fingerprint({ status: 'SCHEDULED', brandId: 'b1', platform: undefined });
    assert.equal(fingerprint({ brandId: 'b1', status: 'SCHEDULED' }), a);
    assert.notEqual(fingerprint({ brandId: 'b2', status: 'SCHEDULED' }), a);
    for (let i = 0; i < 3000; i++) fingerprint({ brandId: `b${i}` });
    assert.equal(fingerprint({ status: 'SCHEDULED', brandId: 'b1' }), a);
    assert.match(a, /^[A-Za-z0-9_-]{16}$/);
  });
});
