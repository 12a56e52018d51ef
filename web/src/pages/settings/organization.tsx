import { useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { APIError } from '@audenci/sdk-js';
import { useNavigate } from '@tanstack/react-router';
import { signOut, switchSession } from '../../api/auth';
import { sessionQuery } from '../../api/session-query';
import {
  createInvitation,
  listInvitations,
  listMembers,
  memberPasswordReset,
  removeMember,
  retrieveOrganization,
  revokeInvitation,
  updateMember,
  updateOrganization,
  type CreatedInvitation,
  type Member,
  type MemberPasswordReset,
  type Organization,
} from '../../api/people';
import { toProblem } from '../../api/problem';
import { useRole, type Role } from '../../api/role';
import { Badge } from '../../components/badge';
import { ConfirmButton } from '../../components/confirm-button';
import { Dialog, ResultDialog } from '../../components/dialog';
import { Field } from '../../components/field';
import { FormAlert } from '../../components/form';
import { FormDialog } from '../../components/form-dialog';
import { formatDateTime, formatRelative, formatTime } from '../../components/format';
import { SecretOnce } from '../../components/secret-once';
import { SelectField } from '../../components/select-field';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { Empty, ErrorState, Loading } from '../../components/states';
import { AuditLogPanel } from './audit-log';
import { formProblem, SettingsHeader } from './settings-shared';

const organizationKey = ['organization'] as const;
const membersKey = ['members'] as const;
const invitationsKey = ['invitations'] as const;
/** Members and invitations shown a page at a time. */
const PAGE_SIZE = 25;

const ROLES: { value: Role; label: string; hint: string }[] = [
  { value: 'owner', label: 'Owner', hint: 'Everything, including granting ownership' },
  { value: 'admin', label: 'Admin', hint: 'Keys, webhooks, members and settings' },
  { value: 'editor', label: 'Editor', hint: 'Creates and changes content' },
  { value: 'viewer', label: 'Viewer', hint: 'Reads only' },
];

function roleLabel(role: Role): string {
  return ROLES.find((r) => r.value === role)?.label ?? role;
}

/** The roles the caller may give: only an owner grants `owner`. */
function grantable(isOwner: boolean) {
  return ROLES.filter((r) => isOwner || r.value !== 'owner');
}

function NameForm({ organization }: { organization: Organization }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(organization.name);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () => updateOrganization({ name: name.trim() }),
    onMutate: () => setSaved(false),
    onSuccess: async (next) => {
      queryClient.setQueryData(organizationKey, next);
      setSaved(true);
      // The top bar shows the name from the session's memberships.
      await queryClient.invalidateQueries({ queryKey: sessionQuery.queryKey });
    },
  });
  const { field, form } = formProblem(save.error, ['name'] as const);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="form form--inline" onSubmit={submit} noValidate>
      <FormAlert message={form} />
      <div className="form__row">
        <Field
          label="Organization name"
          name="name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setSaved(false);
          }}
          error={field.name}
          maxLength={200}
          required
        />
        <button
          type="submit"
          className="button button--secondary"
          disabled={save.isPending || name.trim() === organization.name}
        >
          {save.isPending ? 'Saving…' : 'Save name'}
        </button>
      </div>
      <p className="form__status" role="status">
        {saved ? 'Saved.' : ''}
      </p>
    </form>
  );
}

function UsageMeter({ organization }: { organization: Organization }) {
  const usage = organization.usage;
  const limit = organization.rateLimit.limit;
  if (!usage) return <p className="muted">This hour's usage is not reported by this server.</p>;
  const ratio = limit > 0 ? usage.used / limit : 0;
  const tone = ratio >= 0.9 ? 'danger' : ratio >= 0.7 ? 'warning' : 'ok';
  return (
    <div className="usage">
      <div className="usage__numbers">
        <span>
          <strong>{usage.used.toLocaleString()}</strong> of {limit.toLocaleString()} requests this hour
          {usage.environment === 'test' ? ' (test mode)' : ''}
        </span>
        <span className="muted">{usage.remaining.toLocaleString()} left</span>
      </div>
      <progress
        className={`usage__bar usage__bar--${tone}`}
        max={limit}
        value={Math.min(usage.used, limit)}
        aria-label="Requests used this hour"
      />
      <p className="muted">
        Resets at {formatTime(usage.resetAt)} ({formatRelative(usage.resetAt)}).
      </p>
    </div>
  );
}

function OrganizationPanel() {
  const { isAdmin } = useRole();
  const organization = useQuery({ queryKey: organizationKey, queryFn: retrieveOrganization });
  return (
    <section className="panel" aria-labelledby="org-details-title">
      <h2 id="org-details-title" className="panel__title">
        Details
      </h2>
      {organization.isPending ? (
        <Loading label="Loading your organization…" />
      ) : organization.isError ? (
        <ErrorState problem={toProblem(organization.error)} onRetry={() => void organization.refetch()} />
      ) : (
        <div className="org-grid">
          <div>
            {isAdmin ? (
              <NameForm key={organization.data.id} organization={organization.data} />
            ) : (
              <dl className="facts">
                <dt>Name</dt>
                <dd>{organization.data.name}</dd>
              </dl>
            )}
            <dl className="facts">
              <dt>Plan</dt>
              <dd className="capitalize">{organization.data.plan}</dd>
              <dt>Rate limit</dt>
              <dd>
                {organization.data.rateLimit.limit.toLocaleString()} requests per{' '}
                {organization.data.rateLimit.window}, per environment
                {organization.data.rateLimit.override ? ' (set for this organization)' : ''}
              </dd>
            </dl>
          </div>
          <UsageMeter organization={organization.data} />
        </div>
      )}
    </section>
  );
}

/** The roles the caller may grant (an owner grants owner too), with the chosen role's hint under them. */
function RoleField({
  value,
  onChange,
  error,
  autoFocus,
}: {
  value: Role;
  onChange: (role: Role) => void;
  error: string | undefined;
  autoFocus?: boolean;
}) {
  const { isOwner } = useRole();
  return (
    <SelectField
      label="Role"
      name="role"
      value={value}
      onChange={(e) => onChange(e.target.value as Role)}
      error={error}
      hint={ROLES.find((r) => r.value === value)?.hint}
      autoFocus={autoFocus}
    >
      {grantable(isOwner).map((r) => (
        <option key={r.value} value={r.value}>
          {r.label}
        </option>
      ))}
    </SelectField>
  );
}

function InviteDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const invite = useMutation({
    mutationFn: () => createInvitation({ email: email.trim(), role }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: invitationsKey }),
  });
  const { field, form } = formProblem(invite.error, ['email', 'role'] as const);
  const close = () => {
    invite.reset();
    setEmail('');
    setRole('editor');
    onClose();
  };

  if (invite.data) {
    return (
      <InvitationSent
        invitation={invite.data}
        onClose={close}
        onAnother={() => {
          invite.reset();
          setEmail('');
        }}
      />
    );
  }

  return (
    <FormDialog
      open={open}
      title="Invite a member"
      onClose={close}
      onSubmit={() => invite.mutate()}
      error={form}
      submitLabel="Send invitation"
      pendingLabel="Inviting…"
      pending={invite.isPending}
    >
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="off"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={field.email}
        required
        autoFocus
      />
      <RoleField value={role} onChange={setRole} error={field.role} />
    </FormDialog>
  );
}

/** A link that works once, shown once, for the admin to pass on when the server sends no email. */
function OneTimeLink({
  label,
  url,
  expiresAt,
}: {
  label: string;
  url: string | null | undefined;
  expiresAt: string;
}) {
  return url ? (
    <SecretOnce
      label={label}
      value={url}
      warning={`It works once, until ${formatDateTime(expiresAt)}, and is not shown again.`}
    />
  ) : null;
}

function InvitationSent({
  invitation,
  onClose,
  onAnother,
}: {
  invitation: CreatedInvitation;
  onClose: () => void;
  onAnother: () => void;
}) {
  return (
    <ResultDialog
      title="Invitation created"
      onClose={onClose}
      actions={
        <button type="button" className="button button--secondary" onClick={onAnother}>
          Invite another
        </button>
      }
    >
      {invitation.delivery === 'email' ? (
        <p className="dialog__text">
          An invitation to join as {roleLabel(invitation.role).toLowerCase()} was emailed to{' '}
          <strong>{invitation.email}</strong>. It expires {formatDateTime(invitation.expiresAt)}.
        </p>
      ) : (
        <>
          <p className="dialog__text">
            {invitation.deliveryError
              ? `The email to ${invitation.email} could not be sent (${invitation.deliveryError}).`
              : `This server sends no email.`}{' '}
            Pass this link on to <strong>{invitation.email}</strong> yourself: it makes them{' '}
            {invitation.role === 'viewer' ? 'a' : 'an'} {roleLabel(invitation.role).toLowerCase()}.
          </p>
          <OneTimeLink label="Invitation link" url={invitation.acceptUrl} expiresAt={invitation.expiresAt} />
        </>
      )}
    </ResultDialog>
  );
}

function RoleDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>(member.role);
  const change = useMutation({
    mutationFn: () => updateMember(member.id, { role }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: membersKey });
      onClose();
    },
  });
  const problem = change.error ? toProblem(change.error) : undefined;
  const lastOwner =
    change.error instanceof APIError && change.error.details?.reason === 'last_owner'
      ? 'The organization needs at least one owner: make someone else owner first.'
      : undefined;
  const { field, form } = formProblem(change.error, ['role'] as const);
  return (
    <FormDialog
      title={`Change the role of ${member.name || member.email}`}
      onClose={onClose}
      onSubmit={() => change.mutate()}
      error={lastOwner ?? form}
      submitLabel="Save role"
      pendingLabel="Saving…"
      pending={change.isPending}
      submitDisabled={role === member.role}
      requestId={problem?.requestId}
    >
      <RoleField value={role} onChange={setRole} error={lastOwner ? undefined : field.role} autoFocus />
    </FormDialog>
  );
}

/**
 * A password-reset link for a member, made on opening: mailed when the server sends mail, otherwise shown
 * once for the admin to pass on. The server refuses a member who outranks the caller or who belongs to
 * another organization too; the dialog says so.
 */
function ResetLinkDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const who = member.name || member.email;
  const [result, setResult] = useState<MemberPasswordReset>();
  const reset = useMutation({
    mutationFn: () => memberPasswordReset(member.id),
    onSuccess: setResult,
  });
  return (
    <Dialog
      open
      title={`Password reset for ${who}`}
      onClose={onClose}
      footer={
        result ? (
          <button type="button" className="button button--primary" onClick={onClose}>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="button button--secondary" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="button button--primary"
              onClick={() => reset.mutate()}
              disabled={reset.isPending}
            >
              {reset.isPending ? 'Creating…' : 'Create reset link'}
            </button>
          </>
        )
      }
    >
      {!result ? (
        <>
          <p className="dialog__text">
            {who} gets a link to choose a new password. It works once, for an hour; their current password
            keeps working until they use it, and using it signs them out everywhere.
          </p>
          <FormAlert message={reset.isError ? toProblem(reset.error).message : undefined} />
        </>
      ) : result.delivery === 'email' ? (
        <p className="dialog__text" role="status">
          The link was emailed to <strong>{member.email}</strong>. It expires{' '}
          {formatDateTime(result.expiresAt)}.
        </p>
      ) : (
        <>
          <p className="dialog__text" role="status">
            This server sends no email: pass this link on to <strong>{member.email}</strong> yourself.
          </p>
          <OneTimeLink label="Password reset link" url={result.resetUrl} expiresAt={result.expiresAt} />
        </>
      )}
    </Dialog>
  );
}

/**
 * Leaving the organization (your own membership): the session moves to another organization of yours, or,
 * with none left, signs out. The server keeps the last owner (409, shown in the dialog).
 */
function LeaveButton({ member, organization }: { member: Member; organization: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (
    <ConfirmButton
      label="Leave"
      accessibleLabel={`Leave ${organization}`}
      title={`Leave ${organization}?`}
      confirmLabel="Leave organization"
      onConfirm={async () => {
        await removeMember(member.id);
        const next = await queryClient.fetchQuery({ ...sessionQuery, staleTime: 0 }).catch(() => null);
        if (next?.organizationId) {
          queryClient.setQueryData(
            sessionQuery.queryKey,
            await switchSession({ organizationId: next.organizationId }),
          );
          await queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
          await navigate({ to: '/' });
        } else {
          await signOut();
          queryClient.clear();
          await navigate({ to: '/sign-in' });
        }
      }}
    >
      You lose access to {organization} at once. To come back, an admin has to invite you again.
    </ConfirmButton>
  );
}

function MembersPanel() {
  const queryClient = useQueryClient();
  const session = useQuery(sessionQuery);
  const { isAdmin, isOwner } = useRole();
  const [inviting, setInviting] = useState(false);
  const [changing, setChanging] = useState<Member>();
  const [resetting, setResetting] = useState<Member>();
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const members = useQuery({
    queryKey: [...membersKey, cursor ?? null],
    queryFn: () => listMembers({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    placeholderData: keepPreviousData,
  });
  const me = session.data?.user.id;
  const organizationName =
    session.data?.organizations.find((o) => o.id === session.data?.organizationId)?.name ??
    'this organization';

  return (
    <section className="panel" aria-labelledby="members-title">
      <div className="panel__header">
        <h2 id="members-title" className="panel__title">
          Members
        </h2>
        {isAdmin ? (
          <button
            type="button"
            className="button button--primary button--small"
            onClick={() => setInviting(true)}
          >
            Invite member
          </button>
        ) : null}
      </div>
      <PagedTable
        query={members}
        pages={pages}
        loading="Loading members…"
        empty={<Empty title="No members">Invite people to work in this organization.</Empty>}
        label="Members list"
        columns={
          <>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </>
        }
        row={(member) => {
          const self = member.userId === me;
          const manageable = isAdmin && !self && (isOwner || member.role !== 'owner');
          const who = member.name || member.email;
          return (
            <tr key={member.id}>
              <td data-label="Name" className="table__primary">
                {member.name || <span className="muted">No name</span>}
                {self ? <span className="table__sub">You</span> : null}
              </td>
              <td data-label="Email" className="break">
                {member.email}
              </td>
              <td data-label="Role">
                <Badge tone={member.role === 'owner' || member.role === 'admin' ? 'accent' : 'neutral'}>
                  {roleLabel(member.role)}
                </Badge>
                {member.twoFactorEnabled ? <span className="table__sub">Two-factor on</span> : null}
              </td>
              <td data-label="Joined">{formatDateTime(member.createdAt)}</td>
              <td className="table__actions">
                {self ? <LeaveButton member={member} organization={organizationName} /> : null}
                {manageable ? (
                  <>
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      aria-label={`Change role of ${who}`}
                      onClick={() => setChanging(member)}
                    >
                      Change role
                    </button>
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      aria-label={`Password reset link for ${who}`}
                      onClick={() => setResetting(member)}
                    >
                      Reset link
                    </button>
                    <ConfirmButton
                      label="Remove"
                      accessibleLabel={`Remove ${who}`}
                      title={`Remove ${who}?`}
                      confirmLabel="Remove member"
                      onConfirm={async () => {
                        await removeMember(member.id);
                        await queryClient.invalidateQueries({ queryKey: membersKey });
                      }}
                    >
                      {who} loses access to this organization at once; their sessions stop acting in it.
                    </ConfirmButton>
                  </>
                ) : null}
              </td>
            </tr>
          );
        }}
      />
      <InviteDialog open={inviting} onClose={() => setInviting(false)} />
      {changing ? <RoleDialog member={changing} onClose={() => setChanging(undefined)} /> : null}
      {resetting ? <ResetLinkDialog member={resetting} onClose={() => setResetting(undefined)} /> : null}
    </section>
  );
}

function InvitationsPanel() {
  const queryClient = useQueryClient();
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const invitations = useQuery({
    queryKey: [...invitationsKey, 'pending', cursor ?? null],
    queryFn: () => listInvitations({ status: 'pending', limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="panel" aria-labelledby="invitations-title">
      <h2 id="invitations-title" className="panel__title">
        Pending invitations
      </h2>
      <PagedTable
        query={invitations}
        pages={pages}
        loading="Loading invitations…"
        empty={<Empty title="No pending invitations" />}
        label="Pending invitations list"
        columns={
          <>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Invited by</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </>
        }
        row={(invitation) => (
          <tr key={invitation.id}>
            <td data-label="Email" className="table__primary break">
              {invitation.email}
            </td>
            <td data-label="Role">{roleLabel(invitation.role)}</td>
            <td data-label="Invited by">
              {invitation.invitedBy?.name || invitation.invitedBy?.email || '—'}
            </td>
            <td data-label="Expires">{formatDateTime(invitation.expiresAt)}</td>
            <td className="table__actions">
              <ConfirmButton
                label="Revoke"
                accessibleLabel={`Revoke the invitation of ${invitation.email}`}
                title={`Revoke the invitation of ${invitation.email}?`}
                confirmLabel="Revoke invitation"
                onConfirm={async () => {
                  await revokeInvitation(invitation.id);
                  await queryClient.invalidateQueries({ queryKey: invitationsKey });
                }}
              >
                The invitation link stops working. You can invite them again later.
              </ConfirmButton>
            </td>
          </tr>
        )}
      />
    </section>
  );
}

/** Settings → Organization: name, plan and usage, the members and their invitations, the audit log. */
export function OrganizationSettingsPage() {
  const { isAdmin } = useRole();
  return (
    <section className="page" aria-labelledby="org-settings-title">
      <SettingsHeader
        id="org-settings-title"
        title="Organization"
        lead="Who works in this organization, with which role, and what has been done in it."
      />
      <OrganizationPanel />
      <MembersPanel />
      {isAdmin ? <InvitationsPanel /> : null}
      {isAdmin ? <AuditLogPanel /> : null}
    </section>
  );
}
