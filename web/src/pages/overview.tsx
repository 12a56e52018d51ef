import { useQuery } from '@tanstack/react-query';
import { currentOrganization } from '../api/auth';
import { client } from '../api/client';
import { fetchMe } from '../api/me';
import { Empty, QueryView } from '../components/states';

/** Home of the signed-in app: who you are, your organization and its brands, read through the SDK. */
export function OverviewPage() {
  const me = useQuery({ queryKey: ['me'], queryFn: fetchMe });
  const organization = useQuery({
    queryKey: ['organization'],
    queryFn: () => client.organization.retrieve(),
  });
  const brands = useQuery({
    queryKey: ['brands', 'first-page'],
    queryFn: () => client.brands.list({ limit: 5 }).firstPage(),
  });

  return (
    <section className="page" aria-labelledby="overview-title">
      <header className="page__header">
        <h1 id="overview-title">Overview</h1>
        <QueryView query={me} loading="Loading your profile…">
          {(data) => (
            <p className="page__lead">
              Signed in as {data.user.name || data.user.email}
              {data.role ? `, ${data.role} of ${currentOrganization(data)?.name ?? 'this organization'}` : ''}
              .
            </p>
          )}
        </QueryView>
      </header>

      <div className="cards">
        <article className="card" aria-labelledby="org-title">
          <h2 id="org-title" className="card__title">
            Organization
          </h2>
          <QueryView query={organization} loading="Loading your organization…">
            {(org) => (
              <dl className="facts">
                <dt>Name</dt>
                <dd>{org.name}</dd>
                <dt>Plan</dt>
                <dd className="capitalize">{org.plan}</dd>
                <dt>Rate limit</dt>
                <dd>
                  {org.rateLimit.limit.toLocaleString()} requests per {org.rateLimit.window}
                </dd>
              </dl>
            )}
          </QueryView>
        </article>

        <article className="card" aria-labelledby="brands-title">
          <h2 id="brands-title" className="card__title">
            Brands
          </h2>
          <QueryView query={brands} loading="Loading brands…">
            {(page) =>
              page.data.length === 0 ? (
                <Empty title="No brands yet">
                  Brands group your social accounts, posts and campaigns. Create one on the Brands page.
                </Empty>
              ) : (
                <ul className="list">
                  {page.data.map((brand) => (
                    <li key={brand.id} className="list__item">
                      <span className="list__primary">{brand.name}</span>
                      <span className="list__secondary">{brand.timezone}</span>
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryView>
        </article>
      </div>
    </section>
  );
}
