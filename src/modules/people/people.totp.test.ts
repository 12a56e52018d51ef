import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base32Decode,
  base32Encode,
  hotp,
  matchTotp,
  newTotpSecret,
  otpauthUrl,
  totpCode,
  totpStep,
} from './people.totp.js';

/** RFC 6238 appendix B: the SHA-1 seed (ASCII "12345678901234567890") and its 8-digit codes. */
const RFC6238_SEED = Buffer.from('12345678901234567890', 'ascii');
const RFC6238_SHA1: [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

/** RFC 4226 appendix D: HOTP of counters 0…9 with the same seed, 6 digits. */
const RFC4226 = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];

describe('TOTP (RFC 6238 / RFC 4226)', () => {
  it('gives the RFC 6238 SHA-1 test vectors', () => {
    for (const [seconds, code] of RFC6238_SHA1) {
      assert.equal(hotp(RFC6238_SEED, totpStep(seconds * 1000), 8), code, `T = ${seconds}`);
    }
  });

  it('gives the RFC 4226 HOTP test vectors', () => {
    RFC4226.forEach((code, counter) => assert.equal(hotp(RFC6238_SEED, counter), code));
  });

  it('encodes and decodes base32 (RFC 4648 vectors, no padding)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of vectors) {
      assert.equal(base32Encode(Buffer.from(plain)), encoded);
      assert.equal(base32Decode(encoded).toString(), plain);
      assert.equal(base32Decode(`${encoded.toLowerCase()}======`).toString(), plain);
    }
    assert.throws(() => base32Decode('MZ1'), /base32/);
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(secret).length, 20);
  });

  it('accepts the current code and one step either side, once each step', () => {
    const secret = base32Encode(RFC6238_SEED);
    const now = 1_234_567_890_000;
    const step = totpStep(now);
    assert.equal(totpCode(secret, now), hotp(RFC6238_SEED, step));
    assert.equal(matchTotp(secret, totpCode(secret, now), now), step);
    assert.equal(matchTotp(secret, hotp(RFC6238_SEED, step - 1), now), step - 1);
    assert.equal(matchTotp(secret, hotp(RFC6238_SEED, step + 1), now), step + 1);
    assert.equal(matchTotp(secret, hotp(RFC6238_SEED, step - 2), now), undefined);
    assert.equal(matchTotp(secret, hotp(RFC6238_SEED, step + 2), now), undefined);
    // Spaces are ignored; other characters and lengths are not codes.
    const code = totpCode(secret, now);
    assert.equal(matchTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now), step);
    assert.equal(matchTotp(secret, `${code}0`, now), undefined);
    assert.equal(matchTotp(secret, 'abcdef', now), undefined);
    // A step already accepted (or an earlier one) is not accepted again.
    assert.equal(matchTotp(secret, code, now, step), undefined);
    assert.equal(matchTotp(secret, hotp(RFC6238_SEED, step - 1), now, step - 1), undefined);
    assert.equal(matchTotp(secret, hotp(RFC6238_SEED, step + 1), now, step), step + 1);
  });

  it('makes the otpauth URL authenticator apps read', () => {
    const url = new URL(otpauthUrl('JBSWY3DPEHPK3PXP', 'ada@example.com'));
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.host, 'totp');
    assert.equal(decodeURIComponent(url.pathname), '/Audenci:ada@example.com');
    assert.equal(url.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(url.searchParams.get('issuer'), 'Audenci');
    assert.equal(url.searchParams.get('algorithm'), 'SHA1');
    assert.equal(url.searchParams.get('digits'), '6');
    assert.equal(url.searchParams.get('period'), '30');
  });
});
