import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { InvitationRow, UserRow } from '../../db/tables/people.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, conflict, invalidInput, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { getOrganization } from '../organizations/index.js';
import { findMembershipOfUser, type InvitationStatus } from './members.repository.js';
import { recordForOrganization } from './people.audit.js';
import * as repo from './people.repository.js';
import { hashPassword, verifyPassword } from './people.passwords.js';
import { hashToken, newToken } from './people.tokens.js';

/** How long a setup link, or an invitation by email, works. */
export const SETUP_LINK_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * A new invitation to the organization, open for `SETUP_LINK_DAYS` (a setup link when `email` is null),
 * and the token its link carries: shown once, only its hash is stored.
 */
export function newInvitation(
  organizationId: string,
  to: Pick<InvitationRow, 'email' | 'role' | 'invited_by'>,
  now: number,
): { row: InvitationRow; token: string } {
  const { token, hash } = newToken();
  const row: InvitationRow = {
    id: newId('invitation', now),
    organization_id: organizationId,
    ...to,
    token_hash: hash,
    created_at: now,
    expires_at: now + SETUP_LINK_DAYS * DAY_MS,
    accepted_at: null,
    revoked_at: null,
  };
  return { row, token };
}

export function invitationStatus(row: InvitationRow, now: number): InvitationStatus {
  if (row.accepted_at !== null) return 'accepted';
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at <= now) return 'expired';
  return 'pending';
}

/**
 * Makes the person a member of the link's organization with the link's role, unless they are one
 * already: recorded as `member.joined` by the person, with `data` beside the role.
 */
export async function joinWithLink(
  trx: Kysely<Database>,
  link: Pick<InvitationRow, 'organization_id' | 'role'>,
  userId: string,
  ip: string | null,
  now: number,
  data: Record<string, unknown> = {},
): Promise<void> {
  if (await findMembershipOfUser(trx, link.organization_id, userId)) return;
  const id = newId('membership', now);
  await repo.insertMembership(trx, {
    id,
    organization_id: link.organization_id,
    user_id: userId,
    role: link.role,
    created_at: now,
    updated_at: now,
  });
  await recordForOrganization(trx, link.organization_id, {
    actor: { type: 'user', id: userId },
    ip,
    action: 'member.joined',
    target: { type: 'membership', id },
    data: { role: link.role, ...data },
    at: now,
  });
}

/** A setup link: the token to put in `/setup?token=…`, shown once, and when it stops working. */
export interface SetupLink {
  organizationId: string;
  token: string;
  expiresAt: number;
}

/**
 * A link that makes its holder the first owner of `organizationId`: an owner invitation without email.
 * Any earlier setup link of the organization still open stops working (only the newest is valid).
 */
export async function createSetupLink(
  db: Kysely<Database>,
  clock: Clock,
  organizationId: string,
): Promise<SetupLink> {
  const now = clock.now();
  const { row, token } = newInvitation(organizationId, { email: null, role: 'owner', invited_by: null }, now);
  await db.transaction().execute(async (trx) => {
    await repo.revokeSetupLinks(trx, organizationId, now);
    await repo.insertInvitation(trx, row);
  });
  return { organizationId, token, expiresAt: row.expires_at };
}

/**
 * `audenci setup-link`: a fresh setup link for `organizationId`, or for the oldest organization without
 * an owner (so that a first start's lost link is not fatal).
 */
export async function setupLinkFor(
  db: Kysely<Database>,
  clock: Clock,
  organizationId?: string,
): Promise<SetupLink> {
  if (organizationId !== undefined) {
    await getOrganization(db, organizationId); // 404 for an unknown one
    return createSetupLink(db, clock, organizationId);
  }
  const orphan = await repo.firstOrganizationWithoutOwner(db);
  if (orphan === undefined) {
    throw conflict('No organization without an owner: name one with --org to make a setup link for it');
  }
  return createSetupLink(db, clock, orphan);
}

function gone(reason: string): AppError {
  return new AppError('GONE', `This link has been used or has expired (${reason}); ask for a new one`, {
    reason,
  });
}

/**
 * Accepts a setup link or an invitation once: the person (new, or an existing account proving its
 * password) becomes a member with the link's role. An invitation by email is for that email only; a
 * setup link (no email) takes the one given. A new membership is recorded (`member.joined`) from `ip`.
 */
export async function acceptLink(
  pc: { db: Kysely<Database>; clock: { now(): number } },
  input: { token: string; name: string; email: string; password: string },
  ip: string | null,
): Promise<{ user: UserRow; organizationId: string }> {
  const now = pc.clock.now();
  const link = await repo.findInvitationByHash(pc.db, hashToken(input.token));
  if (!link) throw notFound('Invitation');
  const status = invitationStatus(link, now);
  if (status !== 'pending') throw gone(status);
  if (link.email !== null && link.email !== input.email) {
    throw invalidInput([{ field: 'email', reason: 'Must be the address the invitation was sent to' }]);
  }
  const existing = await repo.findUserByEmail(pc.db, input.email);
  if (existing && !(await verifyPassword(existing.password_hash, input.password))) {
    throw new AppError('UNAUTHORIZED', 'An account with this email exists: give its password to accept');
  }
  // This form asks for no second factor: an account that has one accepts at /auth/invitations/accept.
  if (existing && existing.totp_enabled_at !== null) {
    throw new AppError(
      'UNAUTHORIZED',
      'This account signs in with two-factor: accept the invitation from its link, with your code',
      { reason: 'two_factor_required' },
    );
  }
  const passwordHash = existing ? existing.password_hash : await hashPassword(input.password);
  const user: UserRow = existing ?? {
    id: newId('user', now),
    email: input.email,
    name: input.name.trim(),
    password_hash: passwordHash,
    totp_secret: null,
    totp_enabled_at: null,
    totp_last_step: null,
    created_at: now,
    updated_at: now,
  };
  await pc.db.transaction().execute(async (trx) => {
    // The compare-and-set makes the link single-use even when two requests race with it.
    if (!(await repo.acceptInvitation(trx, link, now))) throw gone('accepted');
    if (!existing && !(await repo.insertUser(trx, user))) throw repo.accountJustCreated();
    await joinWithLink(trx, link, user.id, ip, now);
  });
  return { user, organizationId: link.organization_id };
}
