import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption of short strings (platform tokens, PKCE verifiers) at rest: AES-256-GCM with
 * a random 96-bit nonce. A sealed value reads `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
 *
 * `aad` (associated data) is not stored but must be given again to open the value: callers pass what the
 * value belongs to (e.g. the row's id), so a ciphertext copied into another row does not decrypt there.
 */

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Opening failed: wrong key, wrong associated data, or a value that was altered or is not ours. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`The key must be ${KEY_BYTES} bytes`);
}

/** Strict base64url: re-encoding gives the same text, so no character can change unnoticed. */
function decodePart(text: string, expectedBytes?: number): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) return undefined;
  return bytes;
}

export function seal(key: Buffer, plaintext: string, aad: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    VERSION,
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    tag.toString('base64url'),
  ].join('.');
}

/** The plaintext of `sealed`; throws `SecretBoxError` (never the plaintext or key) when it cannot be opened. */
export function open(key: Buffer, sealed: string, aad: string): string {
  checkKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SecretBoxError('Not a sealed value (expected v1.<iv>.<ciphertext>.<tag>)');
  }
  const iv = decodePart(parts[1]!, IV_BYTES);
  const ciphertext = decodePart(parts[2]!);
  const tag = decodePart(parts[3]!, TAG_BYTES);
  if (!iv || !ciphertext || !tag) throw new SecretBoxError('The sealed value is malformed');
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError(
      'The sealed value cannot be opened: wrong key, wrong associated data, or it was altered',
    );
  }
}

/**
 * `seal`/`open` bound to one key, which it keeps out of sight of `JSON.stringify` and `util.inspect`.
 * Values sealed with a previous key (during a key rotation) still open; `reseal` moves them to the
 * current key.
 */
export class SecretBox {
  readonly #key: Buffer;
  readonly #previous: Buffer[];

  constructor(key: Buffer, previous: readonly Buffer[] = []) {
    checkKey(key);
    previous.forEach(checkKey);
    this.#key = Buffer.from(key);
    this.#previous = previous.map((k) => Buffer.from(k));
  }

  seal(plaintext: string, aad: string): string {
    return seal(this.#key, plaintext, aad);
  }

  open(sealed: string, aad: string): string {
    try {
      return open(this.#key, sealed, aad);
    } catch (error) {
      for (const key of this.#previous) {
        try {
          return open(key, sealed, aad);
        } catch {
          // the next key
        }
      }
      throw error;
    }
  }

  /**
   * `sealed` sealed again with the current key when a previous key sealed it; `undefined` when the
   * current key already did. Throws `SecretBoxError` when no key opens it.
   */
  reseal(sealed: string, aad: string): string | undefined {
    try {
      open(this.#key, sealed, aad);
      return undefined;
    } catch {
      return this.seal(this.open(sealed, aad), aad);
    }
  }
}
