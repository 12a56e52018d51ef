import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { recordAudit, type NewAuditEntry } from '../audit/index.js';
import * as repo from './people.repository.js';

/**
 * Records a change to the organization itself (its members, invitations, a member's password): an entry
 * of no environment, since every environment shares them.
 */
export async function recordForOrganization(
  db: Kysely<Database>,
  organizationId: string,
  entry: Omit<NewAuditEntry, 'organizationId' | 'environment'>,
): Promise<void> {
  await recordAudit(db, { ...entry, organizationId, environment: null });
}

/** What a person did, as an entry records it: the organization is filled in by `recordForPerson`. */
export type PersonEntry = Omit<NewAuditEntry, 'organizationId' | 'environment' | 'actor'>;

/**
 * Records what a person did to their own account or sessions in every organization they belong to, as
 * an entry of the organization itself (no environment). A person's sign-in or password is not one
 * organization's business more than another's: a session can switch to any of them, so each one's
 * owners see it. `db` is the transaction of the change.
 */
export async function recordForPerson(
  db: Kysely<Database>,
  userId: string,
  entry: PersonEntry,
): Promise<void> {
  for (const membership of await repo.membershipsOf(db, userId)) {
    await recordForOrganization(db, membership.organization_id, {
      ...entry,
      actor: { type: 'user', id: userId },
    });
  }
}
