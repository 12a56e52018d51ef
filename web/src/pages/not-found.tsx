import { Link } from '@tanstack/react-router';

export function NotFoundPage() {
  return (
    <main className="page page--narrow" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p className="page__lead">There is no page at this address.</p>
      <Link to="/" className="button button--secondary">
        Go to the overview
      </Link>
    </main>
  );
}
