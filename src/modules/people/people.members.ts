import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { ListParams } from '../../db/paginate.js';
import { paginate } from '../../db/paginate.js';
import type { Principal } from '../../db/tables/keys.js';
import type { MembershipRow, Role, UserRow } from '../../db/tables/people.js';
import { toIso } from '../../shared/clock.js';
import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { AuditOrigin } from '../audit/index.js';
import type { ServiceContext } from '../context.js';
import { BY_CREATED_AT, type Listing } from '../lists.js';
import * as repo from './members.repository.js';
import { recordForOrganization } from './people.audit.js';
import * as people from './people.repository.js';

/** A member of the organization as `/members` shows them. */
export interface Member {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  twoFactorEnabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** How much each role may do: a member manages only those who rank no higher (owner above all). */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

/**
 * The role a caller acts with when managing members: a person's own role, or `admin` for an API key of
 * the admin scope (a key stands for no person, and never for an owner).
 */
export function managingRole(principal: Principal): Role {
  return principal.kind === 'session' ? principal.role : 'admin';
}

export function toMember(
  row: MembershipRow,
  user: Pick<UserRow, 'email' | 'name' | 'totp_enabled_at'>,
): Member {
  return {
    id: row.id,
    userId: row.user_id,
    email: user.email,
    name: user.name,
    role: row.role,
    twoFactorEnabled: user.totp_enabled_at !== null,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

async function showMembers(db: Kysely<Database>, rows: MembershipRow[]): Promise<Member[]> {
  const users = new Map(
    (
      await repo.usersByIds(
        db,
        rows.map((r) => r.user_id),
      )
    ).map((u) => [u.id, u]),
  );
  return rows.flatMap((row) => {
    const user = users.get(row.user_id);
    return user ? [toMember(row, user)] : [];
  });
}

/** `GET /members`: the organization's members (every environment shares them), oldest first by default. */
export async function listMembers(
  ctx: ServiceContext,
  organizationId: string,
  params: ListParams,
  filters: repo.MemberFilters,
): Promise<Listing<Member>> {
  const page = await paginate(repo.membersQuery(ctx.db, organizationId, filters), {
    params,
    filters,
    sorts: { createdAt: BY_CREATED_AT },
    cursors: ctx.cursors,
  });
  return { data: await showMembers(ctx.db, page.rows), pagination: page.pagination };
}

async function membershipOr404(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
): Promise<MembershipRow> {
  const row = await repo.findMembership(db, organizationId, id);
  if (!row) throw notFound('member', id);
  return row;
}

async function show(db: Kysely<Database>, row: MembershipRow): Promise<Member> {
  const [member] = await showMembers(db, [row]);
  if (!member) throw notFound('member', row.id);
  return member;
}

export async function getMember(ctx: ServiceContext, organizationId: string, id: string): Promise<Member> {
  return show(ctx.db, await membershipOr404(ctx.db, organizationId, id));
}

/**
 * Refuses (409 `last_owner`) to take the owner role from the organization's last owner; the owners are
 * locked first, so that two requests taking it from the last two are serialized.
 */
async function keepAnOwner(trx: Kysely<Database>, row: MembershipRow): Promise<void> {
  if (row.role !== 'owner' || (await repo.lockAndCountOwners(trx, row.organization_id)) > 1) return;
  throw conflict('The organization must keep at least one owner: make another member owner first', {
    reason: 'last_owner',
  });
}

/** A compare-and-set on the member found no row: another request changed it since it was read. */
function changedMeanwhile(): AppError {
  return conflict('The member was changed at the same time: read it again and retry');
}

/**
 * Changes the member `id` of the principal's organization in one transaction: `change` gets their row as
 * read there (404 when there is none) and the time of the change; `record` writes its audit entry, whose
 * target is the membership.
 */
async function changeMember<T>(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
  origin: AuditOrigin,
  change: (
    trx: Kysely<Database>,
    row: MembershipRow,
    now: number,
    record: (action: string, data: Record<string, unknown>) => Promise<void>,
  ) => Promise<T>,
): Promise<T> {
  const organizationId = principal.organizationId;
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await membershipOr404(trx, organizationId, id);
    const target = { type: 'membership', id };
    const record = (action: string, data: Record<string, unknown>) =>
      recordForOrganization(trx, organizationId, { ...origin, action, target, data, at: now });
    return change(trx, row, now, record);
  });
}

function ownersOnly(what: string): AppError {
  return new AppError('FORBIDDEN', `Only an owner can ${what}`, { reason: 'owner_required' });
}

/**
 * `PATCH /members/{id}`: a new role. Only an owner grants or takes away `owner`; the last owner keeps it
 * (409 `last_owner`). Recorded as `member.role_changed` with the role before and after.
 */
export async function updateMemberRole(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
  role: Role,
  origin: AuditOrigin,
): Promise<Member> {
  const updated = await changeMember(ctx, principal, id, origin, async (trx, row, now, record) => {
    if (row.role === role) return row;
    if ((row.role === 'owner' || role === 'owner') && managingRole(principal) !== 'owner') {
      throw ownersOnly(row.role === 'owner' ? 'change the role of an owner' : 'make a member owner');
    }
    await keepAnOwner(trx, row);
    if (!(await repo.updateRole(trx, row.organization_id, id, row.role, role, now))) throw changedMeanwhile();
    await record('member.role_changed', { userId: row.user_id, before: row.role, after: role });
    return { ...row, role, updated_at: now };
  });
  return show(ctx.db, updated);
}

/**
 * `DELETE /members/{id}`: an admin removes a member (an owner only by an owner), or a person leaves
 * (their own membership, any role, with a session). The last owner cannot go (409 `last_owner`). The
 * person's sessions acting in the organization move to another organization of theirs, or to none.
 */
export async function removeMember(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
  origin: AuditOrigin,
): Promise<void> {
  await changeMember(ctx, principal, id, origin, async (trx, row, _now, record) => {
    const leaving = principal.kind === 'session' && principal.userId === row.user_id;
    if (!leaving) {
      if (principal.scope !== 'admin') {
        throw new AppError(
          'FORBIDDEN',
          'Only an admin or an owner removes members; you may remove only your own membership (leave)',
          { requiredScope: 'admin', grantedScope: principal.scope },
        );
      }
      if (row.role === 'owner' && managingRole(principal) !== 'owner') throw ownersOnly('remove an owner');
    }
    await keepAnOwner(trx, row);
    // The role read above is the one checked: a member promoted meanwhile (to owner) is not removed.
    if (!(await repo.deleteMembership(trx, row.organization_id, id, row.role))) throw changedMeanwhile();
    const next = (await people.membershipsOf(trx, row.user_id))[0]?.organization_id ?? null;
    await people.moveSessions(trx, row.user_id, row.organization_id, next);
    await record(leaving ? 'member.left' : 'member.removed', { userId: row.user_id, role: row.role });
  });
}
