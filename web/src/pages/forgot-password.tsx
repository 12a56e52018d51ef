import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { requestPasswordReset } from '../api/auth';
import { toProblem } from '../api/problem';
import { EmailField } from '../components/field';
import { placeProblem } from '../components/form-problem';
import { AuthCard, AuthForm } from '../layout/auth-card';

const FIELDS = ['email'] as const;

/** "Forgot password?": asks for a reset email, or says to ask an admin where this server sends no email. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const mutation = useMutation({ mutationFn: requestPasswordReset });
  const { field, form } = placeProblem(mutation.error ? toProblem(mutation.error) : undefined, FIELDS);

  if (mutation.isSuccess) {
    return (
      <AuthCard title="Reset your password">
        {mutation.data.emailSent ? (
          <div className="alert alert--success" role="status">
            If an account uses <strong>{email.trim()}</strong>, a reset link is on its way. It works once, for
            one hour.
          </div>
        ) : (
          <div className="alert alert--info" role="status">
            This server does not send email. Ask an admin of your organization for a reset link: they make one
            from your row in Settings → Organization (it works once, for one hour).
          </div>
        )}
        <p className="auth__footer">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Reset your password"
      intro="Enter the email you sign in with. We will send a link to set a new password."
    >
      <AuthForm
        onSubmit={() => mutation.mutate(email.trim())}
        error={form}
        submitLabel="Send reset link"
        pendingLabel="Sending…"
        pending={mutation.isPending}
      >
        <EmailField autoFocus value={email} onChange={(e) => setEmail(e.target.value)} error={field.email} />
      </AuthForm>
      <p className="auth__footer">
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
