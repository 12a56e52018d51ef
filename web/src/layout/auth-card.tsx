import { useEffect, type ReactNode } from 'react';

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
