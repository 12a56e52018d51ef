import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { confirmPasswordReset, fetchPasswordReset } from '../api/auth';
import { toProblem } from '../api/problem';
import { Field } from '../components/field';
import { placeProblem } from '../components/form-problem';
import { ErrorState, Loading } from '../components/states';
import { AuthCard, AuthForm } from '../layout/auth-card';

const FIELDS = ['password', 'confirm'] as const;

/** The reset link (`/reset-password?token=…`): the account's email, the new password twice. */
export function ResetPasswordPage() {
  const token = useSearch({ strict: false }).token ?? '';
  const reset = useQuery({
    queryKey: ['password-reset', token],
    queryFn: () => fetchPasswordReset(token),
    enabled: Boolean(token),
    retry: false,
    staleTime: Infinity,
  });
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const mutation = useMutation({ mutationFn: confirmPasswordReset });
  const { field, form } = placeProblem(mutation.error ? toProblem(mutation.error) : undefined, FIELDS);

  if (!token) {
    return (
      <AuthCard title="Set a new password">
        <ErrorState
          problem={{ message: 'This page needs the reset link you were given (it ends with ?token=…).' }}
        />
        <p className="auth__footer">
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </AuthCard>
    );
  }
  if (reset.isPending) {
    return (
      <AuthCard title="Set a new password">
        <Loading label="Checking the link…" />
      </AuthCard>
    );
  }
  if (reset.isError) {
    return (
      <AuthCard title="Set a new password">
        <ErrorState problem={toProblem(reset.error)} />
        <p className="auth__footer">
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </AuthCard>
    );
  }
  if (mutation.isSuccess) {
    return (
      <AuthCard title="Password changed">
        <div className="alert alert--success" role="status">
          Your password is changed and every session of your account was signed out.
        </div>
        <Link to="/sign-in" className="button button--primary button--block">
          Sign in
        </Link>
      </AuthCard>
    );
  }

  const submit = () => {
    const differ = password !== confirm;
    setMismatch(differ);
    if (!differ) mutation.mutate({ token, password });
  };
  return (
    <AuthCard title="Set a new password" intro={`For ${reset.data.email}.`}>
      <AuthForm
        onSubmit={submit}
        error={form}
        submitLabel="Set new password"
        pendingLabel="Saving…"
        pending={mutation.isPending}
      >
        <input type="email" name="email" autoComplete="username" value={reset.data.email} readOnly hidden />
        <Field
          label="New password"
          type="password"
          name="password"
          required
          autoComplete="new-password"
          autoFocus
          hint="A long passphrase you use nowhere else."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={field.password}
        />
        <Field
          label="New password again"
          type="password"
          name="confirm"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={mismatch ? 'The two passwords differ.' : field.confirm}
        />
      </AuthForm>
    </AuthCard>
  );
}
