import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useRouter, useSearch } from '@tanstack/react-router';
import { signIn } from '../api/auth';
import { asksForCode, twoFactorProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { EmailField, Field, PasswordField } from '../components/field';
import { placeProblem } from '../components/form-problem';
import { useFieldValues } from '../components/use-field-values';
import { AuthCard, AuthForm } from '../layout/auth-card';

const FIELDS = ['email', 'password', 'code'] as const;

/** Only paths of this app: a `redirect` pointing elsewhere would make the form an open redirect. */
function safeRedirect(target: string | undefined): string {
  return target && target.startsWith('/') && !target.startsWith('//') ? target : '/';
}

export function SignInPage() {
  const { redirect } = useSearch({ strict: false });
  const router = useRouter();
  const queryClient = useQueryClient();
  const { values, bind } = useFieldValues(FIELDS);
  // Two-factor sign-in: the server asked for a code; the form shows its field and resubmits with it.
  const [needsCode, setNeedsCode] = useState(false);
  const mutation = useMutation({
    mutationFn: signIn,
    onError: (error) => {
      if (asksForCode(error)) setNeedsCode(true);
    },
    onSuccess: async (session) => {
      queryClient.setQueryData(sessionQuery.queryKey, session);
      // Back where the visitor was sent from (a path with its query), or the overview.
      router.history.push(safeRedirect(redirect));
    },
  });
  const { field, form } = placeProblem(twoFactorProblem(mutation.error), FIELDS);

  const submit = () => {
    const code = values.code.replace(/\s+/g, '');
    mutation.mutate({
      email: values.email.trim(),
      password: values.password,
      ...(needsCode && code ? { code } : {}),
    });
  };

  return (
    <AuthCard title="Sign in to Audenci">
      <AuthForm
        onSubmit={submit}
        error={form}
        errorId="sign-in-error"
        submitLabel={needsCode ? 'Verify and sign in' : 'Sign in'}
        pendingLabel="Signing in…"
        pending={mutation.isPending}
      >
        <EmailField autoFocus {...bind('email', field)} />
        <PasswordField autoComplete="current-password" {...bind('password', field)} />
        {needsCode ? (
          <Field
            label="Authentication code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            autoFocus
            hint="Two-factor sign-in is on: the 6-digit code of your authenticator app, or a recovery code."
            {...bind('code', field)}
          />
        ) : null}
      </AuthForm>
      <p className="auth__footer">
        <Link to="/forgot-password">Forgot password?</Link>
      </p>
    </AuthCard>
  );
}
