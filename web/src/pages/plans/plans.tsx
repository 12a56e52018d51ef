import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { client } from '../../api/client';
import { Badge } from '../../components/badge';
import { formatDateTime } from '../../components/format';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { Empty } from '../../components/states';
import { brandsQuery } from '../../api/brands';
import { wallAt, shiftDate, formatShortDay } from '../../components/zoned-time';
import './plans.css';

/** "Mon, 1 Mar – Sun, 28 Mar" in the plan's zone (the range's end is exclusive). */
export function planDates(plan: { parameters: { startDate: string; endDate: string; timezone: string } }) {
  const { startDate, endDate, timezone } = plan.parameters;
  const first = wallAt(timezone, Date.parse(startDate)).date;
  const last = shiftDate(wallAt(timezone, Date.parse(endDate)).date, -1);
  return `${formatShortDay(first)} – ${formatShortDay(last < first ? first : last)}`;
}

/** Content plans, newest first: status, dates, items, and the campaign once applied. */
export function PlansPage() {
  const pages = useCursorPages();
  const plans = useQuery({
    queryKey: ['plans', 'list', pages.cursor ?? null],
    placeholderData: keepPreviousData,
    queryFn: () => client.plans.list({ limit: 25, cursor: pages.cursor }).firstPage(),
  });
  const brands = useQuery(brandsQuery);
  const brandName = (id: string) => brands.data?.items.find((b) => b.id === id)?.name ?? '…';

  return (
    <section className="page" aria-labelledby="plans-title">
      <header className="page__header page__header--split">
        <div>
          <h1 id="plans-title">Content plans</h1>
          <p className="page__lead">
            A plan proposes dated posts for a brand over a range of days. Apply it to create its campaign and
            the draft posts.
          </p>
        </div>
        <div className="page__actions">
          <Link className="button button--primary" to="/plans/new">
            New plan
          </Link>
        </div>
      </header>
      <PagedTable
        query={plans}
        pages={pages}
        loading="Loading plans…"
        label="Content plans list"
        empty={
          <Empty title="No plans yet">
            <Link to="/plans/new">Make a plan</Link>: choose a brand, dates, platforms and topics, and see the
            posts on a calendar before anything is created.
          </Empty>
        }
        columns={
          <>
            <th scope="col">Plan</th>
            <th scope="col">Brand</th>
            <th scope="col">Dates</th>
            <th scope="col">Posts</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </>
        }
        row={(plan) => (
          <tr key={plan.id}>
            <td>
              <Link className="table__link" to="/plans/$planId" params={{ planId: plan.id }}>
                {plan.name}
              </Link>
            </td>
            <td>{brandName(plan.brandId)}</td>
            <td className="table__nowrap">{planDates(plan)}</td>
            <td>
              {plan.items.length} {plan.items.length === 1 ? 'post' : 'posts'}
            </td>
            <td>
              {plan.status === 'applied' ? (
                <Badge tone="success">Applied {formatDateTime(plan.appliedAt)}</Badge>
              ) : (
                <Badge tone="neutral">Draft, not applied</Badge>
              )}
            </td>
            <td className="table__nowrap">{formatDateTime(plan.createdAt)}</td>
          </tr>
        )}
      />
    </section>
  );
}
