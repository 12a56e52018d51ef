import { useId } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { currentOrganization, switchSession, type Session } from '../api/auth';
import { toProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';

/**
 * The organization the session acts in. A person in several organizations switches here (a native
 * select: keyboard and screen-reader friendly as is); every query is refetched, since every page shows
 * the chosen organization's data.
 */
export function OrgSwitcher({ session, className = '' }: { session: Session; className?: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const current = currentOrganization(session);
  const change = useMutation({
    mutationFn: (organizationId: string) => switchSession({ organizationId }),
    onSuccess: async (next) => {
      queryClient.setQueryData(sessionQuery.queryKey, next);
      await queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
    },
  });
  const organizations = [...session.organizations].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <div className={`topbar__org ${className}`}>
      <label className="topbar__org-label" htmlFor={id}>
        Organization
      </label>
      {organizations.length > 1 ? (
        <select
          id={id}
          className="org-switcher"
          value={change.isPending ? change.variables : (current?.id ?? '')}
          disabled={change.isPending}
          onChange={(event) => change.mutate(event.target.value)}
        >
          {organizations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name} ({o.role})
            </option>
          ))}
        </select>
      ) : (
        <output id={id} className="topbar__org-name">
          {current?.name ?? 'Your organization'}
        </output>
      )}
      {change.isError ? (
        <span className="topbar__error" role="alert">
          {toProblem(change.error).message}
        </span>
      ) : null}
    </div>
  );
}
