import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../../db/database.js';
import { organizationRows } from '../../db/tenant.js';
import type { InvitationRow, MembershipRow, Role, UserRow } from '../../db/tables/people.js';

/**
 * The queries of an organization's members and invitations. Both tables belong to an organization only
 * (no environment): every query here names the organization.
 */

type MembershipQuery = SelectQueryBuilder<Database, 'memberships', MembershipRow>;
type InvitationQuery = SelectQueryBuilder<Database, 'invitations', InvitationRow>;

export const memberships = organizationRows('memberships');
export const invitations = organizationRows('invitations');

/** The columns of an invitation neither accepted nor revoked (it may have expired): one still to use. */
export const OPEN_INVITATION = { accepted_at: null, revoked_at: null } as const;

export interface MemberFilters {
  role?: Role;
}

/** The organization's memberships (filtered), for a page of `GET /members`. */
export function membersQuery(
  db: Kysely<Database>,
  organizationId: string,
  filters: MemberFilters,
): MembershipQuery {
  return memberships.where(db, organizationId, { role: filters.role });
}

export function findMembership(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
): Promise<MembershipRow | undefined> {
  return memberships.find(db, organizationId, { id });
}

export function findMembershipOfUser(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
): Promise<MembershipRow | undefined> {
  return memberships.find(db, organizationId, { user_id: userId });
}

/** The people of some memberships, by id. */
export async function usersByIds(db: Kysely<Database>, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('users')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
}

/**
 * How many owners the organization has, their rows locked first (a no-op update): two requests demoting
 * or removing the last two owners at once are serialized, and the second sees the first's change.
 */
export async function lockAndCountOwners(db: Kysely<Database>, organizationId: string): Promise<number> {
  await db
    .updateTable('memberships')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'owner')
    .execute();
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'owner')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Changes a member's role when it is still `from` (compare-and-set); answers whether it changed. */
export async function updateRole(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
  from: Role,
  to: Role,
  at: number,
): Promise<boolean> {
  return (
    (await memberships.update(db, organizationId, { id, role: from }, { role: to, updated_at: at })) === 1
  );
}

/** Deletes a member whose role is still `role` (compare-and-set); answers whether it did. */
export async function deleteMembership(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
  role: Role,
): Promise<boolean> {
  return (await memberships.remove(db, organizationId, { id, role })) === 1;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface InvitationFilters {
  status?: InvitationStatus;
}

/** The organization's invitations by email (setup links have none and are not listed), filtered. */
export function invitationsQuery(
  db: Kysely<Database>,
  organizationId: string,
  filters: InvitationFilters,
  now: number,
): InvitationQuery {
  const query = (filters: { accepted_at?: null; revoked_at?: null }) =>
    invitations.where(db, organizationId, filters).where('email', 'is not', null);
  switch (filters.status) {
    case 'accepted':
      return query({}).where('accepted_at', 'is not', null);
    case 'revoked':
      return query({ accepted_at: null }).where('revoked_at', 'is not', null);
    case 'expired':
      return query(OPEN_INVITATION).where('expires_at', '<=', now);
    case 'pending':
      return query(OPEN_INVITATION).where('expires_at', '>', now);
    case undefined:
      return query({});
  }
}

export function findInvitation(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
): Promise<InvitationRow | undefined> {
  return invitations.where(db, organizationId, { id }).where('email', 'is not', null).executeTakeFirst();
}

/** Revokes the organization's open invitations to `email`; answers their ids. */
export async function revokePendingInvitations(
  db: Kysely<Database>,
  organizationId: string,
  email: string,
  at: number,
): Promise<string[]> {
  const rows = await invitations
    .updateQuery(db, organizationId, { email, ...OPEN_INVITATION }, { revoked_at: at })
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Revokes one open invitation (compare-and-set); answers whether this call revoked it. */
export async function revokeInvitation(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
  at: number,
): Promise<boolean> {
  return (await invitations.update(db, organizationId, { id, ...OPEN_INVITATION }, { revoked_at: at })) === 1;
}

/** Whether `email` already belongs to a member of the organization. */
export async function isMemberEmail(
  db: Kysely<Database>,
  organizationId: string,
  email: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('memberships.id')
    .where('memberships.organization_id', '=', organizationId)
    .where('users.email', '=', email)
    .executeTakeFirst();
  return row !== undefined;
}
