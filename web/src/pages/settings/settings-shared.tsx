import type { ReactNode } from 'react';
import { toProblem, type Problem } from '../../api/problem';
import { placeProblem } from '../../components/form-problem';

/**
 * A mutation's error split between a form's fields and the form: `details.field` may name an item of a
 * list (`events.1`), which belongs to the list's field.
 */
export function formProblem<F extends string>(error: unknown, fields: readonly F[]) {
  if (!error) return placeProblem<F>(undefined, fields);
  const problem: Problem = toProblem(error);
  return placeProblem({ ...problem, field: problem.field?.split('.')[0] }, fields);
}

/** A settings page's header: title, a sentence on what it is for, and its main action. */
export function SettingsHeader({
  id,
  title,
  lead,
  action,
  back,
  eyebrow = 'Settings',
}: {
  /** Where the page sits: "Settings", "Settings · Integrations". */
  eyebrow?: string;
  id: string;
  title: string;
  lead: ReactNode;
  action?: ReactNode;
  back?: ReactNode;
}) {
  return (
    <header className="page__header page__header--split">
      <div className="page__heading">
        {back ?? <p className="page__eyebrow">{eyebrow}</p>}
        <h1 id={id}>{title}</h1>
        <p className="page__lead">{lead}</p>
      </div>
      {action ? <div className="page__actions">{action}</div> : null}
    </header>
  );
}

/** What a role that cannot manage something sees instead of its controls. */
export function AdminsOnly({ what, role }: { what: string; role: string | null }) {
  return (
    <div className="notice" role="note">
      <p className="notice__title">Only owners and admins manage {what}</p>
      <p>
        You are {role ? `${role === 'editor' ? 'an' : 'a'} ${role}` : 'not a member'} of this organization.
        Ask an admin if you need access.
      </p>
    </div>
  );
}
