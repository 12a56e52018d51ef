import { crc32, randomBase62, sha256Hex, toBase62 } from '../../shared/crypto.js';
import type { Environment } from '../../db/tables/organizations.js';

/**
 * API key format: `sk_prod_<32 random base62><6 checksum>` (live) or `sk_test_…` (test environment).
 * The checksum is CRC-32 of everything before it, in base62, so a mistyped key is rejected without a
 * database lookup and secret scanners can recognise real keys with no false positives.
 */
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const KEY_PATTERN = /^sk_(prod|test)_([0-9A-Za-z]{38,})$/;

export const KEY_PREFIX: Record<Environment, string> = { live: 'sk_prod_', test: 'sk_test_' };

function checksum(text: string): string {
  return toBase62(crc32(text), CHECKSUM_LENGTH);
}

export function generateKey(environment: Environment): string {
  const body = KEY_PREFIX[environment] + randomBase62(RANDOM_LENGTH);
  return body + checksum(body);
}

export interface ParsedKey {
  environment: Environment;
  hash: string;
}

/** The key's environment and hash, or `undefined` when it is not a well-formed key with a valid checksum. */
export function parseKey(key: string): ParsedKey | undefined {
  if (!isWellFormedKey(key)) return undefined;
  return { environment: key.startsWith(KEY_PREFIX.live) ? 'live' : 'test', hash: hashKey(key) };
}

/** Whether `key` has the format of a key and a valid checksum (no hashing, no lookup). */
export function isWellFormedKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  return checksum(key.slice(0, -CHECKSUM_LENGTH)) === key.slice(-CHECKSUM_LENGTH);
}

export function hashKey(key: string): string {
  return sha256Hex(key);
}

export function displayParts(key: string): { prefix: string; last4: string } {
  return { prefix: key.slice(0, 12), last4: key.slice(-4) };
}
