import { randomBytes } from 'node:crypto';

/**
 * Random bytes from the CSPRNG, drawn 4 KiB at a time: a `randomBytes` call costs a few microseconds
 * whatever its size, which was a few per cent of a request that makes ids (the request id, the trace,
 * each new row's id). The bytes are as random as `randomBytes`'s; each is handed out once.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** The next `length` (≤ 4096) random bytes: a view into the pool, valid until the next call. */
export function randomPoolBytes(length: number): Buffer {
  if (length > POOL_BYTES) return randomBytes(length);
  if (offset + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + length);
  offset += length;
  return bytes;
}

/** `length` random bytes as lowercase hex. */
export function randomHex(length: number): string {
  return randomPoolBytes(length).toString('hex');
}

/** `length` random bytes as base64url. */
export function randomBase64url(length: number): string {
  return randomPoolBytes(length).toString('base64url');
}
