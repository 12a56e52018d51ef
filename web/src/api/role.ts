import { useQuery } from '@tanstack/react-query';
import type { Me } from './auth';
import { sessionQuery } from './session-query';

export type Role = NonNullable<Me['role']>;

/**
 * The session's role in the organization it acts in (`GET /auth/session`, `role`). Owners and admins act
 * with the `admin` scope: keys, webhooks, members and the audit log are theirs. The pages hide what the
 * role cannot do; the API refuses it (403) anyway.
 */
export function useRole(): { role: Role | null; isAdmin: boolean; isOwner: boolean } {
  const session = useQuery(sessionQuery);
  const role = session.data?.role ?? null;
  return { role, isAdmin: role === 'owner' || role === 'admin', isOwner: role === 'owner' };
}
