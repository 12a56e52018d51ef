import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { acceptInvitation, fetchInvitation } from '../api/auth';
import { asksForCode, toProblem, twoFactorProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { Field, PasswordField } from '../components/field';
import { placeProblem } from '../components/form-problem';
import { formatDateTime } from '../components/format';
import { ErrorState, Loading } from '../components/states';
import { AuthCard, AuthForm } from '../layout/auth-card';

const FIELDS = ['name', 'password', 'code'] as const;

/**
 * An invitation link (`/invitations/accept?token=…`): the organization, the role and the email it is for;
 * a new person picks a name and a password, someone with an account proves it (password, and a code when
 * two-factor sign-in is on). Joining signs in, in the invited organization.
 */
export function AcceptInvitationPage() {
  const token = useSearch({ strict: false }).token ?? '';
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => fetchInvitation(token),
    enabled: Boolean(token),
    retry: false,
    staleTime: Infinity,
  });
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const mutation = useMutation({
    mutationFn: acceptInvitation,
    onSuccess: async (session) => {
      queryClient.clear();
      queryClient.setQueryData(sessionQuery.queryKey, session);
      await navigate({ to: '/' });
    },
    onError: (error) => {
      if (asksForCode(error)) setNeedsCode(true);
    },
  });
  const { field, form } = placeProblem(twoFactorProblem(mutation.error), FIELDS);

  if (!token || invitation.isError) {
    return (
      <AuthCard title="Join an organization">
        <ErrorState
          problem={
            invitation.isError
              ? toProblem(invitation.error)
              : { message: 'This page needs the invitation link you were given (it ends with ?token=…).' }
          }
        />
        <p className="auth__footer">
          Ask whoever invited you for a new link, or <Link to="/sign-in">sign in</Link>.
        </p>
      </AuthCard>
    );
  }
  if (invitation.isPending) {
    return (
      <AuthCard title="Join an organization">
        <Loading label="Checking the invitation…" />
      </AuthCard>
    );
  }

  const { organization, email, role, accountExists, expiresAt } = invitation.data;
  const submit = () => {
    mutation.mutate({
      token,
      password,
      ...(accountExists ? {} : { name: name.trim() }),
      ...(needsCode && code.trim() ? { code: code.trim() } : {}),
    });
  };

  return (
    <AuthCard title={`Join ${organization.name}`}>
      <dl className="facts facts--compact">
        <dt>Organization</dt>
        <dd>{organization.name}</dd>
        <dt>Role</dt>
        <dd className="capitalize">{role}</dd>
        <dt>Email</dt>
        <dd>{email}</dd>
        <dt>Valid until</dt>
        <dd>{formatDateTime(expiresAt)}</dd>
      </dl>
      <p className="auth__intro">
        {accountExists
          ? 'You already have an Audenci account: confirm it is you with its password.'
          : 'Create your account: your name and a password.'}
      </p>
      <AuthForm
        onSubmit={submit}
        error={form}
        submitLabel={`Join ${organization.name}`}
        pendingLabel="Joining…"
        pending={mutation.isPending}
      >
        <input type="email" name="email" autoComplete="username" value={email} readOnly hidden />
        {accountExists ? null : (
          <Field
            label="Your name"
            name="name"
            autoComplete="name"
            required
            autoFocus
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={field.name}
          />
        )}
        <PasswordField
          autoComplete={accountExists ? 'current-password' : 'new-password'}
          autoFocus={accountExists}
          hint={accountExists ? undefined : 'A long passphrase you use nowhere else.'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={field.password}
        />
        {needsCode ? (
          <Field
            label="Authentication code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            autoFocus
            hint="The 6-digit code of your authenticator app, or a recovery code."
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={field.code}
          />
        ) : null}
      </AuthForm>
    </AuthCard>
  );
}
