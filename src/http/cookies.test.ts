import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCookies, serializeCookie, SESSION_COOKIE } from './cookies.js';

describe('cookies', () => {
  it('reads a Cookie header: trimmed, unquoted, decoded, the first of a repeated name', () => {
    const cookies = parseCookies(' a=1; audenci_session="x%20y" ; a=2; broken; =nameless; b=%E0%A4');
    assert.deepEqual(
      [...cookies],
      [
        ['a', '1'],
        ['audenci_session', 'x y'],
        ['b', '%E0%A4'],
      ],
    );
    assert.equal(parseCookies(undefined).size, 0);
  });

  it('writes the session cookie HttpOnly and SameSite=Lax, Secure when asked, and deletes it with Max-Age=0', () => {
    const options = { maxAge: 3600, httpOnly: true, sameSite: 'Lax' } as const;
    assert.equal(
      serializeCookie(SESSION_COOKIE, 'abc', { ...options, secure: true }),
      'audenci_session=abc; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
    assert.equal(
      serializeCookie(SESSION_COOKIE, '', { ...options, maxAge: 0 }),
      'audenci_session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax',
    );
    assert.throws(() => serializeCookie('bad name', 'x'));
  });
});
