import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { completeSetup } from '../api/auth';
import { toProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { EmailField, Field, PasswordField } from '../components/field';
import { placeProblem } from '../components/form-problem';
import { useFieldValues } from '../components/use-field-values';
import { ErrorState } from '../components/states';
import { AuthCard, AuthForm } from '../layout/auth-card';

const FIELDS = ['name', 'email', 'password'] as const;

/** The first start's one-time link (`/setup?token=…`): creates the owner of the organization. */
export function SetupPage() {
  const token = useSearch({ strict: false }).token ?? '';
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { values, bind } = useFieldValues(FIELDS);
  const mutation = useMutation({
    mutationFn: completeSetup,
    onSuccess: async (session) => {
      queryClient.setQueryData(sessionQuery.queryKey, session);
      await navigate({ to: '/' });
    },
  });
  const { field, form } = placeProblem(mutation.error ? toProblem(mutation.error) : undefined, FIELDS);

  if (!token) {
    return (
      <AuthCard title="Set up Audenci">
        <ErrorState
          problem={{
            message:
              'This page needs the setup link the server printed at its first start (it ends with ?token=…).',
          }}
        />
      </AuthCard>
    );
  }

  const submit = () => {
    mutation.mutate({
      token,
      name: values.name.trim(),
      email: values.email.trim(),
      password: values.password,
    });
  };

  return (
    <AuthCard title="Set up Audenci" intro="Create the owner account of your organization.">
      <AuthForm
        onSubmit={submit}
        error={form}
        submitLabel="Create owner account"
        pendingLabel="Creating your account…"
        pending={mutation.isPending}
      >
        <Field label="Your name" autoComplete="name" required autoFocus {...bind('name', field)} />
        <EmailField {...bind('email', field)} />
        <PasswordField
          autoComplete="new-password"
          hint="A long passphrase you use nowhere else."
          {...bind('password', field)}
        />
      </AuthForm>
    </AuthCard>
  );
}
