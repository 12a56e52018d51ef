import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { open, seal, SecretBox, SecretBoxError } from './secret-box.js';

const key = randomBytes(32);
const AAD = 'acct_01M8FHSW4FSXDVQCQJRMA72QE2';

/** Flips one bit of one base64url part of a sealed value, keeping the encoding canonical. */
function flip(sealed: string, part: 1 | 2 | 3, byte = 0): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('secret box (AES-256-GCM)', () => {
  it('round-trips text, including empty and non-ASCII text', () => {
    for (const text of ['x-access-token-123', '', 'café ☕ 𝕏', 'a'.repeat(10_000)]) {
      const sealed = seal(key, text, AAD);
      assert.equal(open(key, sealed, AAD), text);
    }
  });

  it('writes v1.<iv>.<ciphertext>.<tag> in base64url with a 12-byte iv and a 16-byte tag, fresh each time', () => {
    const sealed = seal(key, 'token', AAD);
    const [version, iv, ciphertext, tag] = sealed.split('.');
    assert.equal(version, 'v1');
    for (const part of [iv, ciphertext, tag]) assert.match(part!, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(iv!, 'base64url').length, 12);
    assert.equal(Buffer.from(ciphertext!, 'base64url').length, 'token'.length);
    assert.equal(Buffer.from(tag!, 'base64url').length, 16);
    assert.ok(!sealed.includes('token'));
    assert.notEqual(seal(key, 'token', AAD), sealed, 'a new nonce every time');
  });

  it('refuses an altered iv, ciphertext or tag', () => {
    const sealed = seal(key, 'secret token', AAD);
    for (const part of [1, 2, 3] as const) {
      assert.throws(() => open(key, flip(sealed, part), AAD), SecretBoxError, `part ${part}`);
    }
    // A non-canonical encoding of the same bytes, a missing part or another version are refused too.
    const [v, iv, ct, tag] = sealed.split('.');
    for (const bad of [
      `${v}.${iv}.${ct}.${tag}=`,
      `${v}.${iv}.${ct}`,
      `v2.${iv}.${ct}.${tag}`,
      `${v}.${iv}.${ct}.${tag}.x`,
      'plain text',
    ]) {
      assert.throws(() => open(key, bad, AAD), SecretBoxError, bad);
    }
  });

  it('refuses another key', () => {
    const sealed = seal(key, 'secret token', AAD);
    assert.throws(() => open(randomBytes(32), sealed, AAD), SecretBoxError);
  });

  it("refuses other associated data: a value moved to another row's id does not open", () => {
    const sealed = seal(key, 'secret token', AAD);
    assert.throws(() => open(key, sealed, 'acct_01M8FHSW4FSXDVQCQJRMA72QE3'), SecretBoxError);
    assert.throws(() => open(key, sealed, ''), SecretBoxError);
  });

  it('needs a 32-byte key', () => {
    assert.throws(() => seal(randomBytes(16), 'x', AAD), /32 bytes/);
    assert.throws(() => new SecretBox(randomBytes(31)), /32 bytes/);
  });

  it('SecretBox binds the key and does not show it', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('secret token', AAD);
    assert.equal(open(key, sealed, AAD), 'secret token');
    assert.equal(box.open(seal(key, 'other', AAD), AAD), 'other');
    const hex = key.toString('hex');
    assert.ok(!JSON.stringify(box).includes(hex));
    assert.ok(!inspect(box, { showHidden: true, depth: 5 }).includes(hex));
    assert.ok(!inspect(box, { showHidden: true, depth: 5 }).includes(key.toString('base64')));
  });
});
