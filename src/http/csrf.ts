import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { sha256Hex } from '../shared/crypto.js';

/** Methods that change nothing: a cookie alone may authenticate them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The header a browser's script sends the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

function forbidden(message: string, reason: 'csrf_token' | 'origin'): AppError {
  return new AppError('FORBIDDEN', message, { reason });
}

/**
 * A state-changing request authenticated by the session cookie must prove it comes from the app: it
 * carries the session's CSRF token in `X-CSRF-Token` (a page of another site cannot read it), and its
 * `Origin`, when the browser sends one, is the server's own. Throws 403 otherwise; safe methods pass.
 * The tokens are compared as hashes, in constant time.
 */
export function checkCsrf(request: FastifyRequest, csrfTokenHash: string, publicOrigin: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  checkOrigin(request, publicOrigin);
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || sent === '') {
    throw forbidden('Missing X-CSRF-Token header: a session must send its CSRF token', 'csrf_token');
  }
  const expected = Buffer.from(csrfTokenHash, 'hex');
  const actual = Buffer.from(sha256Hex(sent), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw forbidden("The X-CSRF-Token header does not match this session's token", 'csrf_token');
  }
}

/**
 * Sign-in and the acceptance of a link set a session cookie: when the browser says where the request
 * comes from, it must be the server's own origin (another site must not sign a visitor in as someone).
 */
export function checkOrigin(request: FastifyRequest, publicOrigin: string): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== publicOrigin) {
    throw forbidden(`Requests from origin '${origin}' are not accepted here`, 'origin');
  }
}
