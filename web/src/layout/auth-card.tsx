import { useEffect, type ReactNode } from 'react';
import { Form, SubmitButton } from '../components/form';

/** The signed-out pages: the product name and one card, centred. */
export function AuthCard({ title, intro, children }: { title: string; intro?: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Audenci`;
  }, [title]);
  return (
    <main className="auth">
      <div className="auth__brand" aria-hidden="true">
        <span className="logo">A</span> Audenci
      </div>
      <section className="auth__card" aria-labelledby="auth-title">
        <h1 id="auth-title" className="auth__title">
          {title}
        </h1>
        {intro ? <p className="auth__intro">{intro}</p> : null}
        {children}
      </section>
    </main>
  );
}

/**
 * The form of a signed-out page: the error no field owns above the fields, then one full-width submit
 * button. With `errorId` the form is described by that error while it shows.
 */
export function AuthForm({
  onSubmit,
  error,
  errorId,
  submitLabel,
  pendingLabel,
  pending,
  children,
}: {
  onSubmit: () => void;
  error: string | undefined;
  errorId?: string;
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  children: ReactNode;
}) {
  return (
    <Form onSubmit={onSubmit} error={error} errorId={errorId}>
      {children}
      <SubmitButton label={submitLabel} pendingLabel={pendingLabel} pending={pending} block />
    </Form>
  );
}
