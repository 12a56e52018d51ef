import type { Role, SessionRow, UserRow } from '../../db/tables/people.js';
import { toIso } from '../../shared/clock.js';
import type { Environment } from '../../shared/tenant.js';
import type { MembershipWithOrganization } from './people.repository.js';

/** A person as the API shows them (never the password hash or the second factor's secret). */
export interface Person {
  id: string;
  email: string;
  name: string;
  twoFactorEnabled: boolean;
  createdAt: string;
}

/** An organization the person belongs to, with their role there. */
export interface OrganizationMembership {
  id: string;
  name: string;
  role: Role;
}

/** The signed-in person, their organizations, and where the session acts. */
export interface Me {
  user: Person;
  organizations: OrganizationMembership[];
  /** The organization the session acts in; null when the person belongs to none. */
  organizationId: string | null;
  environment: Environment;
  /** The person's role in `organizationId`. */
  role: Role | null;
}

/** What sign-in, setup, switching and `GET /auth/session` answer: `Me`, the session and its CSRF token. */
export interface SessionInfo extends Me {
  /** Send it as `X-CSRF-Token` with every state-changing request made with the session cookie. */
  csrfToken: string;
  session: { id: string; createdAt: string; expiresAt: string };
}

/** One of the person's open sessions (`GET /me/sessions`). */
export interface SessionView {
  id: string;
  /** The session of this request. */
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt: string | null;
  ip: string | null;
  userAgent: string | null;
}

export function toPerson(row: UserRow): Person {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    twoFactorEnabled: row.totp_enabled_at !== null,
    createdAt: toIso(row.created_at),
  };
}

export function toMe(
  user: UserRow,
  memberships: MembershipWithOrganization[],
  session: Pick<SessionRow, 'organization_id' | 'environment'>,
): Me {
  const organizations = memberships.map((m) => ({ id: m.organization_id, name: m.name, role: m.role }));
  return {
    user: toPerson(user),
    organizations,
    organizationId: session.organization_id,
    environment: session.environment,
    role: organizations.find((o) => o.id === session.organization_id)?.role ?? null,
  };
}

export function toSessionView(row: SessionRow, currentId: string | undefined): SessionView {
  return {
    id: row.id,
    current: row.id === currentId,
    createdAt: toIso(row.created_at),
    lastSeenAt: toIso(row.last_seen_at),
    expiresAt: toIso(row.expires_at),
    revokedAt: toIso(row.revoked_at),
    ip: row.ip,
    userAgent: row.user_agent,
  };
}
