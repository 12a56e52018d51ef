import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { Badge } from '../../components/badge';
import { formatDateTime } from '../../components/format';
import { FormAlert } from '../../components/form';
import { QueryView } from '../../components/states';
import { ApplyProgress, ApplyResult, useApplyJob } from './apply-progress';
import { PlanCalendar } from './plan-calendar';
import { brandsQuery } from '../../api/brands';
import { planQuery } from './plans-api';
import { planDates } from './plans';
import './plans.css';
import { platformNamer, platformsQuery } from '../../api/platforms';

/** One plan: its parameters, its items on the calendar, and Apply while it is a draft. */
export function PlanPage() {
  const { planId } = useParams({ from: '/signed-in/plans/$planId' });
  const plan = useQuery(planQuery(planId));
  const brands = useQuery(brandsQuery);
  const platforms = useQuery(platformsQuery);
  const apply = useApplyJob();
  const name = platformNamer(platforms.data ?? []);

  return (
    <section className="page" aria-labelledby="plan-title">
      <QueryView query={plan} loading="Loading the plan…">
        {(p) => {
          const brand = brands.data?.items.find((b) => b.id === p.brandId);
          return (
            <>
              <header className="page__header page__header--split">
                <div>
                  <p className="page__eyebrow">
                    <Link to="/plans">Content plans</Link>
                  </p>
                  <h1 id="plan-title">{p.name}</h1>
                </div>
                <div className="page__actions">
                  {p.status === 'draft' && !apply.result ? (
                    <button
                      type="button"
                      className="button button--primary"
                      disabled={apply.running}
                      onClick={() => void apply.start(p)}
                    >
                      {apply.running ? 'Applying…' : 'Apply plan'}
                    </button>
                  ) : null}
                </div>
              </header>
              <div className="stack">
                <ApplyProgress job={apply.job} />
                <FormAlert message={apply.problem?.message} />
                {apply.result && apply.job ? <ApplyResult job={apply.job} plan={p} onPlanPage /> : null}
                <dl className="facts panel">
                  <dt>Status</dt>
                  <dd>
                    {p.status === 'applied' ? (
                      <Badge tone="success">Applied {formatDateTime(p.appliedAt)}</Badge>
                    ) : (
                      <Badge>Draft, not applied</Badge>
                    )}
                  </dd>
                  <dt>Brand</dt>
                  <dd>{brand?.name ?? p.brandId}</dd>
                  <dt>Dates</dt>
                  <dd>
                    {planDates(p)} ({p.parameters.timezone})
                  </dd>
                  <dt>Platforms</dt>
                  <dd>{p.parameters.platforms.map(name).join(', ')}</dd>
                  <dt>Per week</dt>
                  <dd>{p.parameters.postsPerWeek} per platform</dd>
                  <dt>Topics</dt>
                  <dd>{p.parameters.pillars.join(', ')}</dd>
                  {p.parameters.goal ? (
                    <>
                      <dt>Goal</dt>
                      <dd>{p.parameters.goal}</dd>
                    </>
                  ) : null}
                  {p.campaignId ? (
                    <>
                      <dt>Campaign</dt>
                      <dd>
                        <Link to="/campaigns/$campaignId" params={{ campaignId: p.campaignId }}>
                          Open the campaign
                        </Link>
                      </dd>
                    </>
                  ) : null}
                </dl>
                <h2>
                  {p.items.length} planned {p.items.length === 1 ? 'post' : 'posts'}
                </h2>
                <PlanCalendar
                  items={p.items.map((item, i) => ({ ...item, key: `item-${i}` }))}
                  zone={p.parameters.timezone}
                  start={Date.parse(p.parameters.startDate)}
                  end={Date.parse(p.parameters.endDate)}
                  platformName={name}
                  caption={`The posts of ${p.name}`}
                />
              </div>
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
