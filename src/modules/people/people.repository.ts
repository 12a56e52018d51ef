import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database } from '../../db/database.js';
import { columnsEqual, unscoped, type ColumnValues } from '../../db/tenant.js';
import { conflict } from '../../shared/errors.js';
import { invitations, memberships, OPEN_INVITATION } from './members.repository.js';
import type { OrganizationRow } from '../../db/tables/organizations.js';
import type {
  InvitationRow,
  MembershipRow,
  NewSessionRow,
  Role,
  SessionRow,
  UserRow,
  UsersTable,
} from '../../db/tables/people.js';

/** Why session queries span tenants: a session belongs to a person, whose organizations it switches. */
const SESSIONS = 'a session is found by its token or its person, across the organizations they belong to';

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUser(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Creates the person unless their email is taken meanwhile (two links accepted at once by a new
 * address): false then, and nothing is written.
 */
export async function insertUser(db: Kysely<Database>, row: Insertable<UsersTable>): Promise<boolean> {
  const result = await db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** An account for this email was created while the link was being accepted (409): it must sign in. */
export const accountJustCreated = () =>
  conflict(
    'An account with this email was created a moment ago: accept the invitation again with its password',
    {
      field: 'email',
    },
  );

/**
 * Updates the person, if their columns still hold the values of `guard` (a compare-and-set, as for
 * `columnsEqual`); answers whether it changed.
 */
export async function updateUser(
  db: Kysely<Database>,
  id: string,
  changes: Updateable<UsersTable>,
  guard: ColumnValues<'users'> = {},
): Promise<boolean> {
  let query = db.updateTable('users').set(changes).where('id', '=', id);
  for (const condition of columnsEqual('users', guard)) query = query.where(condition);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Marks the person's reset links not used yet used (or only the one `only`, if it has not expired);
 * answers how many: a compare-and-set, so that a link is used once even when two requests race with it.
 */
export async function spendPasswordResets(
  db: Kysely<Database>,
  userId: string,
  at: number,
  only?: string,
): Promise<number> {
  let query = db
    .updateTable('password_resets')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null);
  if (only !== undefined) query = query.where('id', '=', only).where('expires_at', '>', at);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A person's memberships with their organization's name, oldest first. */
export type MembershipWithOrganization = Pick<MembershipRow, 'organization_id' | 'role'> &
  Pick<OrganizationRow, 'name'>;

export async function membershipsOf(
  db: Kysely<Database>,
  userId: string,
): Promise<MembershipWithOrganization[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['memberships.organization_id', 'memberships.role', 'organizations.name'])
    .where('memberships.user_id', '=', userId)
    .orderBy('memberships.created_at')
    .orderBy('memberships.id')
    .execute();
}

export const insertMembership = memberships.insert;

/** A session with the role of its person in its organization, and that organization's plan. */
export type SessionForAuth = SessionRow & {
  role: Role | null;
  plan: OrganizationRow['plan'] | null;
  rate_limit_override: number | null;
};

export async function findSessionByHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<SessionForAuth | undefined> {
  return unscoped(db, SESSIONS)
    .selectFrom('sessions')
    .leftJoin('memberships', (join) =>
      join
        .onRef('memberships.user_id', '=', 'sessions.user_id')
        .onRef('memberships.organization_id', '=', 'sessions.organization_id'),
    )
    .leftJoin('organizations', 'organizations.id', 'sessions.organization_id')
    .selectAll('sessions')
    .select(['memberships.role', 'organizations.plan', 'organizations.rate_limit_override'])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function insertSession(db: Kysely<Database>, row: NewSessionRow): Promise<void> {
  await unscoped(db, SESSIONS).insertInto('sessions').values(row).execute();
}

/**
 * Updates the sessions whose columns equal `filters` (as for `columnsEqual`), all but the one `except`;
 * answers how many changed.
 */
async function updateSessions(
  db: Kysely<Database>,
  filters: ColumnValues<'sessions'>,
  changes: Partial<Pick<SessionRow, 'last_seen_at' | 'organization_id' | 'environment' | 'revoked_at'>>,
  except?: string,
): Promise<number> {
  let query = unscoped(db, SESSIONS).updateTable('sessions').set(changes);
  for (const condition of columnsEqual('sessions', filters)) query = query.where(condition);
  if (except !== undefined) query = query.where('id', '!=', except);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function updateSession(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<SessionRow, 'last_seen_at' | 'organization_id' | 'environment'>>,
): Promise<void> {
  await updateSessions(db, { id }, changes);
}

/** Revokes the person's sessions still open (all but `keep`, or the one `only`); answers how many. */
export function revokeSessions(
  db: Kysely<Database>,
  userId: string,
  at: number,
  which: { keep?: string; only?: string } = {},
): Promise<number> {
  return updateSessions(
    db,
    { user_id: userId, id: which.only, revoked_at: null },
    { revoked_at: at },
    which.keep,
  );
}

export async function revokeSessionByHash(
  db: Kysely<Database>,
  tokenHash: string,
  at: number,
): Promise<boolean> {
  return (await updateSessions(db, { token_hash: tokenHash, revoked_at: null }, { revoked_at: at })) > 0;
}

/**
 * The person's sessions acting in `organizationId` act in `to` from now on (another organization they
 * belong to, or none): a removed member's browser no longer reaches the organization.
 */
export function moveSessions(
  db: Kysely<Database>,
  userId: string,
  organizationId: string,
  to: string | null,
): Promise<number> {
  return updateSessions(db, { user_id: userId, organization_id: organizationId }, { organization_id: to });
}

/** The person's sessions neither revoked nor past their absolute end, newest first (at most `limit`). */
export async function openSessions(
  db: Kysely<Database>,
  userId: string,
  now: number,
  limit: number,
): Promise<SessionRow[]> {
  return unscoped(db, SESSIONS)
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function findSessionOfUser(
  db: Kysely<Database>,
  userId: string,
  id: string,
): Promise<SessionRow | undefined> {
  return unscoped(db, SESSIONS)
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export const insertInvitation = invitations.insert;

export async function findInvitationByHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Marks an open invitation accepted; answers false when another request accepted or revoked it first. */
export async function acceptInvitation(
  db: Kysely<Database>,
  link: Pick<InvitationRow, 'organization_id' | 'id'>,
  at: number,
): Promise<boolean> {
  const open = { id: link.id, ...OPEN_INVITATION };
  return (await invitations.update(db, link.organization_id, open, { accepted_at: at })) === 1;
}

/** Revokes the organization's open setup links (invitations without email): only the newest works. */
export async function revokeSetupLinks(
  db: Kysely<Database>,
  organizationId: string,
  at: number,
): Promise<void> {
  await invitations.update(db, organizationId, { email: null, ...OPEN_INVITATION }, { revoked_at: at });
}

/** The oldest organization without an owner, for `audenci setup-link` without `--org`. */
export async function firstOrganizationWithoutOwner(db: Kysely<Database>): Promise<string | undefined> {
  const row = await db
    .selectFrom('organizations')
    .select('organizations.id')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('memberships')
            .select('memberships.id')
            .whereRef('memberships.organization_id', '=', 'organizations.id')
            .where('memberships.role', '=', 'owner'),
        ),
      ),
    )
    .orderBy('organizations.created_at')
    .orderBy('organizations.id')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
