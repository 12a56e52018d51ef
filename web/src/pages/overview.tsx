import { useQuery } from '@tanstack/react-query';
import { currentOrganization } from '../api/auth';
import { client } from '../api/client';
import { fetchMe } from '../api/me';
import { toProblem } from '../api/problem';
import { Empty, ErrorState, Loading } from '../components/states';

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
        {me.isPending ? (
          <Loading label="Loading your profile…" />
        ) : me.isError ? (
          <ErrorState problem={toProblem(me.error)} onRetry={() => void me.refetch()} />
        ) : (
          <p className="page__lead">
            Signed in as {me.data.user.name || me.data.user.email}
            {me.data.role
              ? `, ${me.data.role} of ${currentOrganization(me.data)?.name ?? 'this organization'}`
              : ''}
            .
          </p>
        )}
      </header>

      <div className="cards">
        <article className="card" aria-labelledby="org-title">
          <h2 id="org-title" className="card__title">
            Organization
          </h2>
          {organization.isPending ? (
            <Loading label="Loading your organization…" />
          ) : organization.isError ? (
            <ErrorState problem={toProblem(organization.error)} onRetry={() => void organization.refetch()} />
          ) : (
            <dl className="facts">
              <dt>Name</dt>
              <dd>{organization.data.name}</dd>
              <dt>Plan</dt>
              <dd className="capitalize">{organization.data.plan}</dd>
              <dt>Rate limit</dt>
              <dd>
                {organization.data.rateLimit.limit.toLocaleString()} requests per{' '}
                {organization.data.rateLimit.window}
              </dd>
            </dl>
          )}
        </article>

        <article className="card" aria-labelledby="brands-title">
          <h2 id="brands-title" className="card__title">
            Brands
          </h2>
          {brands.isPending ? (
            <Loading label="Loading brands…" />
          ) : brands.isError ? (
            <ErrorState problem={toProblem(brands.error)} onRetry={() => void brands.refetch()} />
          ) : brands.data.data.length === 0 ? (
            <Empty title="No brands yet">
              Brands group your social accounts, posts and campaigns. Create one with the API or the SDK for
              now: <code>client.brands.create(&#123; name &#125;)</code>.
            </Empty>
          ) : (
            <ul className="list">
              {brands.data.data.map((brand) => (
                <li key={brand.id} className="list__item">
                  <span className="list__primary">{brand.name}</span>
                  <span className="list__secondary">{brand.timezone}</span>
                </li>
              ))}
            </ul>
          )}
        </article>
      </div>
    </section>
  );
}
