import type { Kysely } from 'kysely';
import type { Database } from './db/database.js';
import { createKey, type ApiKeyWithSecret } from './modules/keys/index.js';
import { countOrganizations, createOrganization, type Organization } from './modules/organizations/index.js';
import { createSetupLink, type SetupLink } from './modules/people/index.js';
import type { Clock } from './shared/clock.js';

export interface Bootstrap {
  organization: Organization;
  key: ApiKeyWithSecret;
  /** An admin key of the test environment: sandbox accounts, nothing reaches a social network. */
  testKey: ApiKeyWithSecret;
  /** The link that makes its holder the organization's first owner (a browser opens `/setup?token=…`). */
  setup: SetupLink;
}

/** Where a setup link's token is opened: the web app's setup page. */
export function setupUrl(publicUrl: string, link: SetupLink): string {
  return `${publicUrl}/setup?token=${link.token}`;
}

/**
 * First start of an empty embedded database: one organization on the `scale` plan, an admin live key,
 * an admin test key (the sandbox, for trying things out) and a setup link for its first owner (valid
 * 7 days), so `npm start` is all a new user needs. Returns `undefined` when any organization exists.
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
  const testKey = await createKey(db, clock, {
    organizationId: organization.id,
    environment: 'test',
    scope: 'admin',
    name: 'Test key created on first start',
  });
  const setup = await createSetupLink(db, clock, organization.id);
  return { organization, key, testKey, setup };
}
