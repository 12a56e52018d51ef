import type { FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearch } from '@tanstack/react-router';
import { signIn } from '../api/auth';
import { toProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { EmailField, PasswordField } from '../components/field';
import { placeProblem } from '../components/form-problem';
import { useFieldValues } from '../components/use-field-values';
import { AuthCard } from '../layout/auth-card';

const FIELDS = ['email', 'password'] as const;

/** Only paths of this app: a `redirect` pointing elsewhere would make the form an open redirect. */
function safeRedirect(target: string | undefined): string {
  return target && target.startsWith('/') && !target.startsWith('//') ? target : '/';
}

export function SignInPage() {
  const { redirect } = useSearch({ strict: false });
  const router = useRouter();
  const queryClient = useQueryClient();
  const { values, bind } = useFieldValues(FIELDS);
  const mutation = useMutation({
    mutationFn: signIn,
    onSuccess: async (session) => {
      queryClient.setQueryData(sessionQuery.queryKey, session);
      // Back where the visitor was sent from (a path with its query), or the overview.
      router.history.push(safeRedirect(redirect));
    },
  });
  const { field, form } = placeProblem(mutation.error ? toProblem(mutation.error) : undefined, FIELDS);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    mutation.mutate({ email: values.email.trim(), password: values.password });
  };

  return (
    <AuthCard title="Sign in to Audenci">
      <form
        className="form"
        onSubmit={submit}
        noValidate
        aria-describedby={form ? 'sign-in-error' : undefined}
      >
        {form ? (
          <div className="alert alert--error" id="sign-in-error" role="alert">
            {form}
          </div>
        ) : null}
        <EmailField autoFocus {...bind('email', field)} />
        <PasswordField autoComplete="current-password" {...bind('password', field)} />
        <button type="submit" className="button button--primary button--block" disabled={mutation.isPending}>
          {mutation.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthCard>
  );
}
