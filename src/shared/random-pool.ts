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

/**
 * A pool already encoded: slicing a string costs a tenth of encoding a view of the byte pool (a request
 * id and a trace's ids are drawn per request). Bytes of its own, handed out once, as the byte pool's.
 */
class EncodedPool {
  private text = '';
  private offset = 0;

  constructor(
    private readonly encoding: 'hex' | 'base64url',
    /** Characters per `group` bytes: an encoding of whole groups is the concatenation of theirs. */
    private readonly group: number,
    private readonly chars: number,
  ) {}

  /** `length` bytes encoded, or undefined when `length` is not a whole number of groups. */
  draw(length: number): string | undefined {
    if (length % this.group !== 0 || length > POOL_BYTES) return undefined;
    const chars = (length / this.group) * this.chars;
    if (this.offset + chars > this.text.length) {
      this.text = randomBytes(POOL_BYTES - (POOL_BYTES % this.group)).toString(this.encoding);
      this.offset = 0;
    }
    const drawn = this.text.slice(this.offset, this.offset + chars);
    this.offset += chars;
    return drawn;
  }
}

const hexPool = new EncodedPool('hex', 1, 2);
// base64url encodes 3 bytes as 4 characters: 3-byte groups never share a character.
const base64urlPool = new EncodedPool('base64url', 3, 4);

/** `length` random bytes as lowercase hex. */
export function randomHex(length: number): string {
  return hexPool.draw(length) ?? randomPoolBytes(length).toString('hex');
}

/** `length` random bytes as base64url. */
export function randomBase64url(length: number): string {
  return base64urlPool.draw(length) ?? randomPoolBytes(length).toString('base64url');
}
