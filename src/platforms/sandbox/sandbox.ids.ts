// Deterministic digits for the sandbox's platform-like ids (accounts, posts, comments), shared by the
// connector and the synthetic comments so that neither imports the other.
import { createHash } from 'node:crypto';

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `count` decimal digits derived from `seed` (deterministic; never starts with 0). */
export function digitsFrom(seed: string, count: number): string {
  let out = '';
  for (let round = 0; out.length < count; round++) {
    for (const byte of sha256(`${seed}#${round}`)) {
      if (byte >= 250) continue; // keeps the digits uniform
      out += String(byte % 10);
      if (out.length === count) break;
    }
  }
  return out[0] === '0' ? `1${out.slice(1)}` : out;
}
