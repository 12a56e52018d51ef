import type { Insertable, Selectable } from 'kysely';
import type { TenantRow } from './common-columns.js';
import type { Tenant } from '../../shared/tenant.js';
import type { Role } from './people.js';

export const SCOPES = ['read', 'read_write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Other spellings accepted wherever a scope is given (API and CLI): the seed's `read-only` and
 * `read-write`, and `read_only` to match `read_write`. Answers always carry the canonical name.
 */
export const SCOPE_ALIASES = { 'read-only': 'read', read_only: 'read', 'read-write': 'read_write' } as const;
export type ScopeSpelling = Scope | keyof typeof SCOPE_ALIASES;
export const SCOPE_SPELLINGS = [...SCOPES, ...Object.keys(SCOPE_ALIASES)] as ScopeSpelling[];

/** The canonical scope a spelling names, or undefined for an unknown one. */
export function canonicalScope(spelling: string): Scope | undefined {
  if ((SCOPES as readonly string[]).includes(spelling)) return spelling as Scope;
  return Object.hasOwn(SCOPE_ALIASES, spelling)
    ? SCOPE_ALIASES[spelling as keyof typeof SCOPE_ALIASES]
    : undefined;
}

/** What every caller has: the tenant it acts in and what it may do there. */
interface PrincipalBase extends Tenant {
  scope: Scope;
  /** Requests per hour for this organization and environment. */
  rateLimit: number;
}

/** A caller with an API key: the key's tenant and scope. */
export interface KeyPrincipal extends PrincipalBase {
  kind: 'key';
  keyId: string;
}

/**
 * A person signed in with a session cookie, acting in the session's current organization and
 * environment with the scope of their role there.
 */
export interface SessionPrincipal extends PrincipalBase {
  kind: 'session';
  sessionId: string;
  userId: string;
  role: Role;
}

/** Who is calling. */
export type Principal = KeyPrincipal | SessionPrincipal;

export interface ApiKeysTable extends TenantRow {
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
