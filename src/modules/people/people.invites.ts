import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { paginate, type ListParams } from '../../db/paginate.js';
import type { Principal } from '../../db/tables/keys.js';
import type { InvitationRow, Role, UserRow } from '../../db/tables/people.js';
import { invitationMail, MailError } from '../../mail/index.js';
import { toIso } from '../../shared/clock.js';
import { AppError, conflict, invalidInput, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { AuditOrigin } from '../audit/index.js';
import type { ServiceContext } from '../context.js';
import { BY_CREATED_AT, type Listing } from '../lists.js';
import { getOrganization } from '../organizations/index.js';
import * as repo from './members.repository.js';
import { recordForOrganization } from './people.audit.js';
import { managingRole, ROLE_RANK } from './people.members.js';
import { hashPassword, PASSWORD_MIN, verifyPassword } from './people.passwords.js';
import * as people from './people.repository.js';
import {
  normalizeEmail,
  startSession,
  type Browser,
  type PeopleContext,
  type SignedIn,
} from './people.service.js';
import { invitationStatus, joinWithLink, newInvitation } from './people.invitations.js';
import { hashToken } from './people.tokens.js';
import { verifySecondFactor } from './people.two-factor.js';

/** An invitation by email as `/invitations` shows it (never its token). */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: repo.InvitationStatus;
  invitedBy: { id: string; name: string; email: string } | null;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
}

/** A new invitation: how it reached the person, and the link when an admin must pass it on. */
export type CreatedInvitation = Invitation & {
  delivery: 'email' | 'link';
  acceptUrl?: string;
  deliveryError?: string;
};

function toInvitation(row: InvitationRow, inviter: UserRow | undefined, now: number): Invitation {
  return {
    id: row.id,
    email: row.email ?? '',
    role: row.role,
    status: invitationStatus(row, now),
    invitedBy: inviter ? { id: inviter.id, name: inviter.name, email: inviter.email } : null,
    createdAt: toIso(row.created_at),
    expiresAt: toIso(row.expires_at),
    acceptedAt: toIso(row.accepted_at),
  };
}

async function showInvitations(db: Kysely<Database>, rows: InvitationRow[], now: number) {
  const inviterIds = rows.flatMap((row) => (row.invited_by === null ? [] : [row.invited_by]));
  const inviters = new Map((await repo.usersByIds(db, inviterIds)).map((u) => [u.id, u]));
  return rows.map((row) => toInvitation(row, inviters.get(row.invited_by ?? ''), now));
}

/** `GET /invitations`: the organization's invitations by email, newest first by default. */
export async function listInvitations(
  ctx: ServiceContext,
  organizationId: string,
  params: ListParams,
  filters: repo.InvitationFilters,
): Promise<Listing<Invitation>> {
  const now = ctx.clock.now();
  const page = await paginate(repo.invitationsQuery(ctx.db, organizationId, filters, now), {
    params,
    filters,
    sorts: { createdAt: BY_CREATED_AT },
    cursors: ctx.cursors,
  });
  return { data: await showInvitations(ctx.db, page.rows, now), pagination: page.pagination };
}

/** The link an invitation's token opens in the web app. */
export function acceptUrlOf(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/invitations/accept?token=${encodeURIComponent(token)}`;
}

/**
 * `POST /invitations`: invites `email` with `role` for seven days. An owner invitation needs an owner;
 * an address already a member is 409 (`email`); an earlier open invitation to the address stops working.
 * Recorded as `member.invited`. Mailed when SMTP is configured; otherwise, or when the mail fails, the
 * answer carries the link for the admin to pass on.
 */
export async function createInvitation(
  ctx: ServiceContext,
  publicUrl: string,
  principal: Principal,
  input: { email: string; role: Role },
  origin: AuditOrigin,
): Promise<CreatedInvitation> {
  const organizationId = principal.organizationId;
  const email = normalizeEmail(input.email);
  if (ROLE_RANK[input.role] > ROLE_RANK[managingRole(principal)]) {
    throw new AppError('FORBIDDEN', 'Only an owner can invite an owner', { reason: 'owner_required' });
  }
  const now = ctx.clock.now();
  const inviter = principal.kind === 'session' ? await people.findUser(ctx.db, principal.userId) : undefined;
  const to = { email, role: input.role, invited_by: inviter?.id ?? null };
  const { row, token } = newInvitation(organizationId, to, now);
  await ctx.db.transaction().execute(async (trx) => {
    if (await repo.isMemberEmail(trx, organizationId, email)) {
      throw conflict(`${email} is already a member of this organization`, {
        field: 'email',
        reason: 'already_member',
      });
    }
    const replaced = await repo.revokePendingInvitations(trx, organizationId, email, now);
    await people.insertInvitation(trx, row);
    await recordForOrganization(trx, organizationId, {
      ...origin,
      action: 'member.invited',
      target: { type: 'invitation', id: row.id },
      data: { email, role: input.role, ...(replaced.length ? { replaced } : {}) },
      at: now,
    });
  });

  const invitation = toInvitation(row, inviter, now);
  const acceptUrl = acceptUrlOf(publicUrl, token);
  if (!ctx.mailer.configured) return { ...invitation, delivery: 'link', acceptUrl };
  const organization = await getOrganization(ctx.db, organizationId);
  const mail = invitationMail({
    organizationName: organization.name,
    inviterName: inviter?.name ?? `An administrator of ${organization.name}`,
    role: input.role,
    acceptUrl,
    expiresAt: new Date(row.expires_at),
    now: new Date(now),
  });
  try {
    const sent = await ctx.mailer.send({ to: email, ...mail });
    if (sent.delivered) return { ...invitation, delivery: 'email' };
    return { ...invitation, delivery: 'link', acceptUrl };
  } catch (error) {
    if (!(error instanceof MailError)) throw error;
    return { ...invitation, delivery: 'link', acceptUrl, deliveryError: error.message };
  }
}

/** `DELETE /invitations/{id}`: the link stops working; an accepted one is 409, a revoked one stays so. */
export async function revokeInvitation(
  ctx: ServiceContext,
  organizationId: string,
  id: string,
  origin: AuditOrigin,
): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await repo.findInvitation(trx, organizationId, id);
    if (!row) throw notFound('invitation', id);
    if (row.accepted_at !== null) {
      throw conflict('This invitation has been accepted: remove the member instead', { status: 'accepted' });
    }
    if (!(await repo.revokeInvitation(trx, organizationId, id, now))) return;
    await recordForOrganization(trx, organizationId, {
      ...origin,
      action: 'invitation.revoked',
      target: { type: 'invitation', id },
      data: { email: row.email, role: row.role },
      at: now,
    });
  });
}

function invalidLink(): AppError {
  return new AppError(
    'NOT_FOUND',
    'This invitation link is not valid: it has been used, revoked or has expired. Ask for a new invitation.',
  );
}

/** The open invitation by email a token names, or 404 (setup links are accepted at `/auth/setup`). */
async function openInvitation(db: Kysely<Database>, token: string, now: number): Promise<InvitationRow> {
  const row = await people.findInvitationByHash(db, hashToken(token));
  if (!row || row.email === null || invitationStatus(row, now) !== 'pending') throw invalidLink();
  return row;
}

/** What the accept page shows before the person answers. */
export interface InvitationPreview {
  organization: { id: string; name: string };
  email: string;
  role: Role;
  accountExists: boolean;
  expiresAt: string;
}

/** `GET /auth/invitations/{token}`. */
export async function previewInvitation(
  pc: Pick<PeopleContext, 'db' | 'clock'>,
  token: string,
): Promise<InvitationPreview> {
  const row = await openInvitation(pc.db, token, pc.clock.now());
  const organization = await getOrganization(pc.db, row.organization_id);
  const email = row.email!;
  return {
    organization: { id: organization.id, name: organization.name },
    email,
    role: row.role,
    accountExists: (await people.findUserByEmail(pc.db, email)) !== undefined,
    expiresAt: toIso(row.expires_at),
  };
}

export interface AcceptInput {
  token: string;
  name?: string;
  password: string;
  code?: string;
}

/** The email of the open invitation a token names (what the sign-in throttle counts), or 404. */
export async function invitationEmail(pc: Pick<PeopleContext, 'db' | 'clock'>, token: string) {
  return (await openInvitation(pc.db, token, pc.clock.now())).email!;
}

/**
 * `POST /auth/invitations/accept`: the invited person joins the organization with the invitation's role
 * and is signed in there. An existing account proves its password (and, with two-factor on, its code:
 * 401 `two_factor_required` without one, `invalid_two_factor_code` for a wrong one); a new one is made
 * with `name` and `password`. The invitation is used once. Recorded as `member.joined`.
 */
export async function acceptInvitationToken(
  pc: PeopleContext,
  input: AcceptInput,
  browser: Browser,
): Promise<SignedIn> {
  const now = pc.clock.now();
  const link = await openInvitation(pc.db, input.token, now);
  const email = link.email!;
  const existing = await people.findUserByEmail(pc.db, email);
  if (existing) {
    if (!(await verifyPassword(existing.password_hash, input.password))) {
      throw new AppError('UNAUTHORIZED', 'An account with this email exists: give its password to accept', {
        reason: 'wrong_password',
      });
    }
    await verifySecondFactor(pc, existing, input.code);
  } else {
    const problems = [];
    if (input.name === undefined || input.name.trim() === '') {
      problems.push({ field: 'name', reason: 'Is required to create your account' });
    }
    if (input.password.length < PASSWORD_MIN) {
      problems.push({ field: 'password', reason: `Must be at least ${PASSWORD_MIN} characters` });
    }
    if (problems.length) throw invalidInput(problems);
  }
  const passwordHash = existing ? undefined : await hashPassword(input.password);
  const userId = existing?.id ?? newId('user', now);
  await pc.db.transaction().execute(async (trx) => {
    // The compare-and-set makes the invitation single-use even when two requests race with it.
    if (!(await people.acceptInvitation(trx, link, now))) throw invalidLink();
    const created =
      existing ||
      (await people.insertUser(trx, {
        id: userId,
        email,
        name: input.name!.trim(),
        password_hash: passwordHash!,
        created_at: now,
        updated_at: now,
      }));
    if (!created) throw people.accountJustCreated();
    await joinWithLink(trx, link, userId, browser.ip, now, { invitationId: link.id, newAccount: !existing });
  });
  const user = existing ?? (await people.findUser(pc.db, userId));
  if (!user) throw invalidLink();
  return startSession(pc, user, browser, link.organization_id);
}
