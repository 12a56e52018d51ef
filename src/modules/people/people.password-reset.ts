import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Role, UserRow } from '../../db/tables/people.js';
import type { Principal } from '../../db/tables/keys.js';
import { passwordResetMail, type Mailer } from '../../mail/index.js';
import { toIso } from '../../shared/clock.js';
import { AppError, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { SYSTEM_ORIGIN, type AuditOrigin } from '../audit/index.js';
import { recordForOrganization, recordForPerson } from './people.audit.js';
import { hashPassword } from './people.passwords.js';
import * as repo from './people.repository.js';
import { hashToken, newToken } from './people.tokens.js';

/**
 * Password resets: a one-time link (`<publicUrl>/reset-password?token=…`, valid an hour, only its hash
 * stored) that lets a person choose a new password without the old one. Asked for by the person (mailed
 * when SMTP is configured; the answer is the same whether the address has an account or not), by an
 * admin for a member (mailed, or the link given to the admin to pass on), or by an operator
 * (`audenci password-reset-link`). Using it ends every session of the person; two-factor sign-in still
 * applies afterwards.
 */
export interface ResetContext {
  db: Kysely<Database>;
  clock: { now(): number };
  mailer: Mailer;
  /** AUDENCI_PUBLIC_URL: the links point at its `/reset-password` page. */
  publicUrl: string;
}

export const RESET_LINK_MS = 60 * 60 * 1000;

/** A reset link just made: the URL holds the token, which is shown (or mailed) only now. */
export interface ResetLink {
  resetUrl: string;
  expiresAt: string;
}

/** Makes a reset link for the person (their earlier links keep working until used or expired). */
export async function createResetLink(
  rc: Pick<ResetContext, 'db' | 'clock' | 'publicUrl'>,
  user: Pick<UserRow, 'id'>,
): Promise<ResetLink> {
  const now = rc.clock.now();
  const { token, hash } = newToken();
  const expiresAt = now + RESET_LINK_MS;
  await rc.db
    .insertInto('password_resets')
    .values({
      id: newId('passwordReset', now),
      user_id: user.id,
      token_hash: hash,
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  const url = new URL('/reset-password', rc.publicUrl);
  url.searchParams.set('token', token);
  return { resetUrl: url.toString(), expiresAt: toIso(expiresAt) };
}

function resetMessage(rc: ResetContext, email: string, link: ResetLink) {
  const mail = passwordResetMail({
    resetUrl: link.resetUrl,
    expiresAt: new Date(link.expiresAt),
    now: new Date(rc.clock.now()),
  });
  return { to: email, ...mail };
}

/**
 * `POST /auth/password-reset`: mails a link when the address has an account and SMTP is configured.
 * Answers only whether mail can be sent at all, so the answer (and its time: the mail is handed over
 * after the answer) says nothing of which addresses have accounts. A failed delivery goes to `onError`.
 */
export async function requestPasswordReset(
  rc: ResetContext,
  email: string,
  onError: (error: unknown) => void,
): Promise<{ emailSent: boolean }> {
  if (!rc.mailer.configured) return { emailSent: false };
  const user = await repo.findUserByEmail(rc.db, email);
  if (user) {
    const link = await createResetLink(rc, user);
    void rc.mailer.send(resetMessage(rc, user.email, link)).catch(onError);
  }
  return { emailSent: true };
}

/** The open reset a token names: unknown, used and expired ones alike are 404. */
async function openReset(rc: ResetContext, token: string) {
  const row = await rc.db
    .selectFrom('password_resets')
    .innerJoin('users', 'users.id', 'password_resets.user_id')
    .select([
      'password_resets.id',
      'password_resets.user_id',
      'password_resets.expires_at',
      'password_resets.used_at',
      'users.email',
    ])
    .where('password_resets.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= rc.clock.now()) {
    throw new AppError(
      'NOT_FOUND',
      'This password reset link is not valid: it was used already, has expired, or was mistyped. Ask for a new one.',
    );
  }
  return row;
}

/** `GET /auth/password-reset/{token}`: whose password the link resets, and until when. */
export async function describeReset(
  rc: ResetContext,
  token: string,
): Promise<{ email: string; expiresAt: string }> {
  const row = await openReset(rc, token);
  return { email: row.email, expiresAt: toIso(row.expires_at) };
}

/**
 * `POST /auth/password-reset/confirm`: the new password. The link (and every other open link of the
 * person) is spent, every session of the person ends. Recorded as `user.password_reset`.
 */
export async function confirmReset(
  rc: ResetContext,
  input: { token: string; password: string },
  ip: string | null,
): Promise<void> {
  const row = await openReset(rc, input.token);
  const passwordHash = await hashPassword(input.password);
  const now = rc.clock.now();
  await rc.db.transaction().execute(async (trx) => {
    if ((await repo.spendPasswordResets(trx, row.user_id, now, row.id)) !== 1) {
      throw new AppError('NOT_FOUND', 'This password reset link was used already: ask for a new one.');
    }
    await repo.spendPasswordResets(trx, row.user_id, now);
    await repo.updateUser(trx, row.user_id, { password_hash: passwordHash, updated_at: now });
    const revokedSessions = await repo.revokeSessions(trx, row.user_id, now);
    const target = { type: 'user', id: row.user_id };
    await recordForPerson(trx, row.user_id, {
      ip,
      action: 'user.password_reset',
      target,
      data: { revokedSessions },
      at: now,
    });
  });
}

/**
 * `audenci password-reset-link --email`: a reset link for the operator to pass on (a person who is
 * locked out and whose admins cannot help, or a server without SMTP). Recorded as
 * `user.password_reset_requested` by the system in each organization of the person.
 */
export async function operatorResetLink(
  rc: Pick<ResetContext, 'db' | 'clock' | 'publicUrl'>,
  email: string,
): Promise<ResetLink & { userId: string; email: string }> {
  const user = await repo.findUserByEmail(rc.db, email.trim().toLowerCase());
  if (!user) throw new AppError('NOT_FOUND', `No account with the email '${email}'`);
  const link = await createResetLink(rc, user);
  const at = rc.clock.now();
  for (const membership of await repo.membershipsOf(rc.db, user.id)) {
    await recordForOrganization(rc.db, membership.organization_id, {
      ...SYSTEM_ORIGIN,
      action: 'user.password_reset_requested',
      target: { type: 'user', id: user.id },
      data: { delivery: 'link', by: 'operator' },
      at,
    });
  }
  return { ...link, userId: user.id, email: user.email };
}

/** How much each role may do: an admin resets only the password of members who rank no higher. */
const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

/** What an admin's reset link answers: mailed, or the link for the admin to pass on. */
export interface MemberReset {
  delivery: 'email' | 'link';
  resetUrl?: string;
  expiresAt: string;
}

/**
 * `POST /members/{id}/password-reset`: a reset link for a member of the caller's organization (another
 * organization's member is 404). Refused (403) when the member's role outranks the caller's (an API key
 * acts as an admin), or when they belong to another organization too: the link would open that one,
 * whose admins did not ask. Mailed when SMTP is configured; otherwise, or when the mail is refused, the
 * link is answered for the admin. Recorded as `user.password_reset_requested`.
 */
export async function resetMemberPassword(
  rc: ResetContext,
  principal: Principal,
  membershipId: string,
  origin: AuditOrigin,
): Promise<MemberReset> {
  const member = await rc.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.id', 'memberships.role', 'memberships.user_id', 'users.email'])
    .where('memberships.id', '=', membershipId)
    .where('memberships.organization_id', '=', principal.organizationId)
    .executeTakeFirst();
  if (!member) throw notFound('Member', membershipId);
  const callerRole: Role = principal.kind === 'session' ? principal.role : 'admin';
  if (ROLE_RANK[member.role] > ROLE_RANK[callerRole]) {
    throw new AppError('FORBIDDEN', `An ${callerRole} cannot reset the password of an ${member.role}`, {
      reason: 'outranked',
    });
  }
  const elsewhere = await rc.db
    .selectFrom('memberships')
    .select('id')
    .where('user_id', '=', member.user_id)
    .where('organization_id', '!=', principal.organizationId)
    .limit(1)
    .executeTakeFirst();
  if (elsewhere) {
    throw new AppError(
      'FORBIDDEN',
      'This member belongs to another organization too: they reset their password themselves (“Forgot password”)',
      { reason: 'member_of_other_organization' },
    );
  }
  const link = await createResetLink(rc, { id: member.user_id });
  let delivery: MemberReset['delivery'] = 'link';
  if (rc.mailer.configured) {
    const sent = await rc.mailer.send(resetMessage(rc, member.email, link)).catch(() => undefined);
    if (sent?.delivered) delivery = 'email';
  }
  const now = rc.clock.now();
  await recordForOrganization(rc.db, principal.organizationId, {
    ...origin,
    action: 'user.password_reset_requested',
    target: { type: 'user', id: member.user_id },
    data: { memberId: member.id, delivery },
    at: now,
  });
  return delivery === 'email'
    ? { delivery, expiresAt: link.expiresAt }
    : { delivery, resetUrl: link.resetUrl, expiresAt: link.expiresAt };
}
