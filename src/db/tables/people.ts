import type { Insertable, Selectable } from 'kysely';
import type { Environment } from '../../shared/tenant.js';
import type { Timestamps } from './common-columns.js';

/** A member's role in an organization; the API scope it acts with is `ROLE_SCOPES` of the people module. */
export const ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface UsersTable extends Timestamps {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  /** argon2id (PHC string). */
  password_hash: string;
  /** Sealed with the secret box; null until two-factor is set up. */
  totp_secret: string | null;
  totp_enabled_at: number | null;
  /** The last 30-second step whose code was accepted: a code is not accepted twice. */
  totp_last_step: number | null;
}

export interface MembershipsTable extends Timestamps {
  id: string;
  organization_id: string;
  user_id: string;
  role: Role;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 of the cookie's token, hex. The token itself is never stored. */
  token_hash: string;
  /** SHA-256 of the session's CSRF token, hex. */
  csrf_token_hash: string;
  user_id: string;
  /** The organization and environment the session acts in (switchable); null without membership. */
  organization_id: string | null;
  environment: Environment;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface InvitationsTable {
  id: string;
  organization_id: string;
  /** Null for the first start's setup link: whoever holds the link chooses the email. */
  email: string | null;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
}

export interface PasswordResetsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A single-use code for signing in without the authenticator; only its SHA-256 is stored. */
export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface AuditLogTable {
  id: string;
  organization_id: string;
  environment: Environment | null;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  /** JSON text. */
  data: string | null;
  created_at: number;
}

export type UserRow = Selectable<UsersTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
