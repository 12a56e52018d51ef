import type { Insertable, Selectable } from 'kysely';
import type { Environment } from '../organizations/organizations.table.js';

export const SCOPES = ['read', 'read_write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  environment: Environment;
  name: string | null;
  scope: Scope;
  /** SHA-256 of the full key, hex. The key itself is never stored. */
  key_hash: string;
  /** e.g. `sk_prod_4f9A`: enough to recognise a key in a list. */
  prefix: string;
  last4: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  rotated_at: number | null;
  replaced_by: string | null;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKeyRow = Insertable<ApiKeysTable>;
