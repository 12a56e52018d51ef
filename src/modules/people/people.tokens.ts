import { createHmac, randomBytes } from 'node:crypto';
import { sha256Hex } from '../../shared/crypto.js';

/**
 * The secrets people hold: session cookies, setup and invitation links. Each is 32 random bytes
 * (base64url); only its SHA-256 is stored, so a copy of the database signs no one in.
 */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

/**
 * A session's CSRF token, derived from its cookie's token: whoever holds the cookie can be told it again
 * (`GET /auth/session` after a reload) although only its hash is stored, and a page of another site,
 * which cannot read the cookie, cannot compute it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('audenci:csrf').digest('base64url');
}
