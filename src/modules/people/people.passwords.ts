import { hash, verify, type Algorithm } from '@node-rs/argon2';

/**
 * Passwords are stored as argon2id hashes with OWASP's minimum parameters (19 MiB of memory, two
 * passes, one lane): the PHC string records them, so a later change of parameters still verifies the
 * hashes made before it.
 */
const ARGON2ID = 2 as Algorithm; // the package's const enum, which isolated modules cannot import
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** The length a password may have (in characters); longer ones cost hashing time for nothing. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** A hash of no one's password: an unknown email costs the same time as a wrong password. */
let decoy: Promise<string> | undefined;

/** Whether `password` matches `stored`; with no stored hash, verifies against the decoy and answers false. */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (stored === undefined) {
    decoy ??= hashPassword('not anyone’s password');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
