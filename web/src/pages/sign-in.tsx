import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearch } from '@tanstack/react-router';
import { signIn } from '../api/auth';
import { toProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { Field } from '../components/field';
import { placeProblem } from '../components/form-problem';
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
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
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
    mutation.mutate({ email: email.trim(), password });
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
        <Field
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={field.email}
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={field.password}
        />
        <button type="submit" className="button button--primary button--block" disabled={mutation.isPending}>
          {mutation.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthCard>
  );
}
