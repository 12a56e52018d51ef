import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { recordAudit, type NewAuditEntry } from '../audit/index.js';
import * as repo from './people.repository.js';

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
    await recordAudit(db, {
      ...entry,
      actor: { type: 'user', id: userId },
      organizationId: membership.organization_id,
      environment: null,
    });
  }
}
