import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { UserRow } from '../../db/tables/people.js';
import { sha256Hex } from '../../shared/crypto.js';
import { AppError, conflict, invalidInput } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { recordForPerson } from './people.audit.js';
import { verifyPassword } from './people.passwords.js';
import * as repo from './people.repository.js';
import { matchTotp, newTotpSecret, otpauthUrl } from './people.totp.js';

/**
 * The second factor of signing in: a TOTP authenticator (its secret sealed at rest with its own key,
 * bound to the person's id) and ten single-use recovery codes (stored as hashes). Set up → pending until
 * a first code proves the app has the secret → enabled; disabled with the password.
 */
export interface TwoFactorContext {
  db: Kysely<Database>;
  clock: { now(): number };
  /** Seals TOTP secrets (a key derived from AUDENCI_SECRET_KEY for this purpose alone). */
  twoFactorBox: SecretBox;
}

export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** What the sealed secret is bound to: a secret copied into another person's row does not open. */
const aadOf = (userId: string) => `totp:${userId}`;

/** A recovery code as typed: case, spaces and dashes do not matter. */
function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function hashRecoveryCode(userId: string, code: string): string {
  return sha256Hex(`${userId}:${normalizeRecoveryCode(code)}`);
}

/** `xxxxx-xxxxx` of 31 unambiguous characters (about 50 bits). */
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

async function findUser(db: Kysely<Database>, id: string): Promise<UserRow> {
  const user = await repo.findUser(db, id);
  if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists');
  return user;
}

/** A new secret for the person's authenticator, pending until `enableTwoFactor` (replaces a pending one). */
export async function setupTwoFactor(
  tc: TwoFactorContext,
  userId: string,
): Promise<{ secret: string; otpauthUrl: string }> {
  const user = await findUser(tc.db, userId);
  if (user.totp_enabled_at !== null) {
    throw conflict('Two-factor sign-in is already on: turn it off first to set up another authenticator', {
      reason: 'two_factor_enabled',
    });
  }
  const secret = newTotpSecret();
  const pending = { totp_secret: tc.twoFactorBox.seal(secret, aadOf(user.id)), totp_last_step: null };
  await repo.updateUser(tc.db, user.id, pending, { totp_enabled_at: null });
  return { secret, otpauthUrl: otpauthUrl(secret, user.email) };
}

/** The first code from the authenticator turns two-factor sign-in on; answers the recovery codes (once). */
export async function enableTwoFactor(
  tc: TwoFactorContext,
  userId: string,
  code: string,
  ip: string | null,
): Promise<{ recoveryCodes: string[] }> {
  const user = await findUser(tc.db, userId);
  if (user.totp_enabled_at !== null) {
    throw conflict('Two-factor sign-in is already on', { reason: 'two_factor_enabled' });
  }
  if (user.totp_secret === null) {
    throw conflict('Set up two-factor sign-in first (POST /me/two-factor/setup)', {
      reason: 'two_factor_not_set_up',
    });
  }
  const now = tc.clock.now();
  const secret = tc.twoFactorBox.open(user.totp_secret, aadOf(user.id));
  const step = matchTotp(secret, code, now);
  if (step === undefined) {
    throw invalidInput([{ field: 'code', reason: 'Is not the current code of your authenticator app' }]);
  }
  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await tc.db.transaction().execute(async (trx) => {
    const enabled = { totp_enabled_at: now, totp_last_step: step, updated_at: now };
    if (
      !(await repo.updateUser(trx, user.id, enabled, {
        totp_enabled_at: null,
        totp_secret: user.totp_secret,
      }))
    ) {
      throw conflict('Two-factor sign-in changed meanwhile: set it up again', { reason: 'changed' });
    }
    await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    await trx
      .insertInto('recovery_codes')
      .values(
        recoveryCodes.map((c) => ({
          id: newId('recoveryCode', now),
          user_id: user.id,
          code_hash: hashRecoveryCode(user.id, c),
          created_at: now,
          used_at: null,
        })),
      )
      .execute();
    const target = { type: 'user', id: user.id };
    await recordForPerson(trx, user.id, { ip, action: 'user.two_factor_enabled', target, at: now });
  });
  return { recoveryCodes };
}

/** Turns two-factor sign-in off (or drops a pending setup), given the password. */
export async function disableTwoFactor(
  tc: TwoFactorContext,
  userId: string,
  password: string,
  ip: string | null,
): Promise<void> {
  const user = await findUser(tc.db, userId);
  if (!(await verifyPassword(user.password_hash, password))) {
    throw invalidInput([{ field: 'password', reason: 'Is not your password' }]);
  }
  const now = tc.clock.now();
  await tc.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: now })
      .where('id', '=', user.id)
      .where('totp_enabled_at', 'is not', null)
      .executeTakeFirst();
    // A pending setup is dropped too; only turning it off is recorded.
    await repo.updateUser(trx, user.id, { totp_secret: null }, { totp_enabled_at: null });
    await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    if (Number(result.numUpdatedRows) === 1) {
      const target = { type: 'user', id: user.id };
      await recordForPerson(trx, user.id, { ip, action: 'user.two_factor_disabled', target, at: now });
    }
  });
}

/** Why a second factor was refused: none given (ask for it), or a wrong one (a failed attempt). */
export type SecondFactorRefusal = 'two_factor_required' | 'invalid_two_factor_code';

export function secondFactorError(reason: SecondFactorRefusal): AppError {
  return reason === 'two_factor_required'
    ? new AppError('UNAUTHORIZED', 'Enter the code of your authenticator app (or a recovery code)', {
        reason,
      })
    : new AppError('UNAUTHORIZED', 'Wrong two-factor code', { reason });
}

/**
 * Checks a person's second factor after their password was: nothing to do when two-factor sign-in is
 * off; otherwise `code` must be the authenticator's current code (one step either side, a step not
 * accepted before) or one of their recovery codes not used yet (then spent). Throws 401 with
 * `details.reason` `two_factor_required` when no code was given, `invalid_two_factor_code` when it is
 * wrong. Used by sign-in and by accepting an invitation with an existing account.
 */
export async function verifySecondFactor(
  tc: TwoFactorContext,
  user: Pick<UserRow, 'id' | 'totp_enabled_at' | 'totp_secret'>,
  code: string | undefined,
): Promise<void> {
  if (user.totp_enabled_at === null || user.totp_secret === null) return;
  if (code === undefined || code.trim() === '') throw secondFactorError('two_factor_required');
  const now = tc.clock.now();
  const secret = tc.twoFactorBox.open(user.totp_secret, aadOf(user.id));
  const current = await tc.db
    .selectFrom('users')
    .select('totp_last_step')
    .where('id', '=', user.id)
    .executeTakeFirst();
  const step = matchTotp(secret, code, now, current?.totp_last_step ?? null);
  if (step !== undefined) {
    // Two requests with the same code race: only the one that moves the step forward is accepted.
    const result = await tc.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', user.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return;
    throw secondFactorError('invalid_two_factor_code');
  }
  const spent = await tc.db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', user.id)
    .where('code_hash', '=', hashRecoveryCode(user.id, code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) === 1) return;
  throw secondFactorError('invalid_two_factor_code');
}
