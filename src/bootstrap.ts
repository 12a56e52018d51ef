import type { Kysely } from 'kysely';
import type { Database } from './db/database.js';
import { createKey, type ApiKeyWithSecret } from './modules/keys/index.js';
import { countOrganizations, createOrganization, type Organization } from './modules/organizations/index.js';
import type { Clock } from './shared/clock.js';

export interface Bootstrap {
  organization: Organization;
  key: ApiKeyWithSecret;
}

/**
 * First start of an empty embedded database: one organization on the `scale` plan and one admin live
 * key, so `npm start` is all a new user needs. Returns `undefined` when any organization exists.
 */
export async function bootstrapIfEmpty(db: Kysely<Database>, clock: Clock): Promise<Bootstrap | undefined> {
  if ((await countOrganizations(db)) > 0) return undefined;
  const organization = await createOrganization(db, clock, { name: 'Default organization', plan: 'scale' });
  const key = await createKey(db, clock, {
    organizationId: organization.id,
    environment: 'live',
    scope: 'admin',
    name: 'Admin key created on first start',
  });
  return { organization, key };
}
