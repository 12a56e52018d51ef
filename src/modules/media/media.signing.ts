import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../shared/errors.js';

/**
 * Signed content links: `?expires=<unix seconds>&signature=<base64url HMAC-SHA256>` over the media id
 * and the expiry, so a platform can fetch the bytes without an API key, only that item's, and only
 * until the link expires.
 */
export function signContent(key: Buffer, id: string, expires: number): string {
  return createHmac('sha256', key).update(`media-content\n${id}\n${expires}`).digest('base64url');
}

export function verifyContentSignature(
  key: Buffer,
  id: string,
  expires: string,
  signature: string,
  nowMs: number,
): void {
  const refuse = (reason: string) =>
    new AppError('FORBIDDEN', 'This media link is invalid or has expired; ask for a new one', { reason });
  if (!/^\d{1,12}$/.test(expires)) throw refuse('invalid_signature');
  const expected = Buffer.from(signContent(key, id, Number(expires)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw refuse('invalid_signature');
  if (Number(expires) * 1000 < nowMs) throw refuse('expired');
}
