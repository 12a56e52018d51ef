import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { AnalyticsParams, AnalyticsReport, Campaign } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { postsByIds } from '../../api/posts';
import { toProblem } from '../../api/problem';
import { Field } from '../../components/field';
import { DataTable } from '../../components/paged-table';
import { SelectField } from '../../components/select-field';
import { Empty, QueryView } from '../../components/states';
import { brandsQuery } from '../../api/brands';
import { ChartPanel, formatCount, formatRate, Kpis } from './analytics-shared';
import { ExportPanel } from './export-panel';
import { FollowersPanel } from './followers-panel';
import { periodLabel, rangeOf, type AnalyticsSearch, type Granularity } from './range';
import './analytics.css';
import { platformNamer, platformsQuery } from '../../api/platforms';
import { BrandSelect } from '../../components/brand-select';
import { PlatformSelect } from '../../components/platform-select';

const GRANULARITIES: { value: Granularity; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];

const TOP_POSTS = 10;
const METRICS_REFRESH_MS = 60_000;

/** A refused range (`startDate`/`endDate`: e.g. more than 1,000 days), in words for the "To" field. */
function rangeProblemOf(error: unknown): string | undefined {
  if (!error) return undefined;
  const problem = toProblem(error);
  return problem.field === 'endDate' || problem.field === 'startDate'
    ? (problem.reason ?? problem.message)
    : undefined;
}

function readerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The filters of the page as the API takes them (`endDate` exclusive: the day after "To"). */
export function analyticsFilters(search: AnalyticsSearch): AnalyticsParams {
  const range = rangeOf(search);
  return {
    startDate: range.from,
    endDate: range.endExclusive,
    // A brand's own time zone draws its days; otherwise the reader's.
    ...(search.brand ? { brandId: search.brand } : { timezone: readerZone() }),
    ...(search.platform ? { platform: search.platform } : {}),
    ...(search.campaign ? { campaignId: search.campaign } : {}),
  };
}

function reportQuery(filters: AnalyticsParams, groupBy: NonNullable<AnalyticsParams['groupBy']>) {
  return {
    queryKey: ['analytics', 'report', groupBy, filters] as const,
    queryFn: () =>
      client.analytics.retrieve({
        ...filters,
        groupBy,
        // The top posts: ranked by the server over the whole range, highest first.
        ...(groupBy === 'post' ? { sortBy: 'engagements', limit: TOP_POSTS } : {}),
      }),
    // A metrics sync records no event for the live updates to pass on: new figures are asked for now and then.
    refetchInterval: METRICS_REFRESH_MS,
  };
}

function Filters({
  search,
  campaigns,
  campaignsError,
  rangeProblem,
}: {
  search: AnalyticsSearch;
  campaigns: Campaign[] | undefined;
  campaignsError: string | undefined;
  /** The server's objection to the range (too many periods), shown under "To". */
  rangeProblem: string | undefined;
}) {
  const navigate = useNavigate();
  const brands = useQuery(brandsQuery);
  const range = rangeOf(search);
  const set = (patch: Partial<AnalyticsSearch>) =>
    void navigate({
      to: '/analytics',
      search: (prev: AnalyticsSearch) => {
        const next: Record<string, string> = {};
        for (const [k, v] of Object.entries({ ...prev, ...patch })) if (v) next[k] = v;
        return next;
      },
      replace: true,
    });
  return (
    <form className="panel analytics-filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <Field
        label="From"
        name="from"
        type="date"
        value={range.from}
        max={range.to}
        onChange={(e) => e.target.value && set({ from: e.target.value })}
      />
      <Field
        label="To"
        name="to"
        type="date"
        value={range.to}
        min={range.from}
        error={range.error ?? rangeProblem}
        onChange={(e) => e.target.value && set({ to: e.target.value })}
      />
      <SelectField
        label="Granularity"
        name="groupBy"
        value={range.groupBy}
        onChange={(e) => set({ groupBy: e.target.value })}
      >
        {GRANULARITIES.map((g) => (
          <option key={g.value} value={g.value}>
            {g.label}
          </option>
        ))}
      </SelectField>
      <BrandSelect
        brands={brands.data?.items ?? []}
        none="All brands"
        name="brand"
        value={search.brand ?? ''}
        onChange={(e) => set({ brand: e.target.value, campaign: undefined })}
      />
      <PlatformSelect
        name="platform"
        value={search.platform ?? ''}
        onChange={(e) => set({ platform: e.target.value })}
      />
      <SelectField
        label="Campaign"
        name="campaign"
        value={search.campaign ?? ''}
        onChange={(e) => set({ campaign: e.target.value })}
        hint={campaignsError ? `Campaigns could not be loaded: ${campaignsError}` : undefined}
      >
        <option value="">All campaigns</option>
        {campaigns?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
    </form>
  );
}

function totalsKpis(report: AnalyticsReport) {
  const t = report.totals;
  return [
    { label: 'Posts', value: formatCount(t.posts) },
    { label: 'Impressions', value: formatCount(t.impressions) },
    { label: 'Reach', value: formatCount(t.reach) },
    { label: 'Engagements', value: formatCount(t.engagements) },
    { label: 'Engagement rate', value: formatRate(t.engagementRate) },
  ];
}

const seriesOf = (report: AnalyticsReport) => [
  { name: 'Impressions', data: report.rows.map((r) => r.impressions ?? 0), area: true },
  { name: 'Reach', data: report.rows.map((r) => r.reach ?? 0), area: true },
  { name: 'Engagements', data: report.rows.map((r) => r.engagements ?? 0) },
];

const barSeriesOf = (report: AnalyticsReport) => [
  { name: 'Impressions', data: report.rows.map((r) => r.impressions ?? 0) },
  { name: 'Engagements', data: report.rows.map((r) => r.engagements ?? 0) },
];

function OverTime({ report, granularity }: { report: AnalyticsReport; granularity: Granularity }) {
  const categories = useMemo(
    () => report.rows.map((r) => periodLabel(r.key ?? '', granularity)),
    [report, granularity],
  );
  const series = useMemo(() => seriesOf(report), [report]);
  const t = report.totals;
  return (
    <ChartPanel
      kind="line"
      title={`Impressions, reach and engagements by ${granularity}`}
      summary={`${formatCount(t.impressions)} impressions, ${formatCount(t.reach)} reach and ${formatCount(t.engagements)} engagements over ${report.rows.length} ${granularity}s.`}
      categoryLabel={granularity[0]!.toUpperCase() + granularity.slice(1)}
      categories={categories}
      series={series}
    />
  );
}

function ByGroup({
  report,
  title,
  categoryLabel,
  name,
}: {
  report: AnalyticsReport;
  title: string;
  categoryLabel: string;
  name: (key: string | null) => string;
}) {
  const categories = useMemo(() => report.rows.map((r) => name(r.key)), [report, name]);
  const series = useMemo(() => barSeriesOf(report), [report]);
  return (
    <ChartPanel
      kind="bar"
      horizontal
      title={title}
      summary={`${report.rows.length} ${categoryLabel.toLowerCase()}${report.rows.length === 1 ? '' : 's'} with published posts in the range.`}
      categoryLabel={categoryLabel}
      categories={categories}
      series={series}
      empty="No published posts in this range."
    />
  );
}

function TopPosts({
  report,
  platformName,
}: {
  report: AnalyticsReport;
  platformName: (key: string | null) => string;
}) {
  const top = report.rows;
  const ids = top.map((row) => row.key!);
  // The top posts' captions in one request (`GET /posts?ids=`), not one per row.
  const posts = useQuery({
    queryKey: ['posts', 'by-ids', [...ids].sort()],
    enabled: ids.length > 0,
    staleTime: 60_000,
    queryFn: () => postsByIds(ids),
  });
  return (
    <section className="panel" aria-labelledby="top-posts-title">
      <h2 className="panel__title" id="top-posts-title">
        Top posts
      </h2>
      {top.length === 0 ? (
        <p className="muted">No published post has metrics in this range yet.</p>
      ) : (
        <DataTable
          label="Top posts by engagements"
          columns={
            <>
              <th scope="col">Post</th>
              <th scope="col">Platform</th>
              <th scope="col">Impressions</th>
              <th scope="col">Reach</th>
              <th scope="col">Engagements</th>
              <th scope="col">Rate</th>
            </>
          }
        >
          {top.map((row) => {
            const post = posts.data?.get(row.key!);
            const caption = post?.caption.trim() || row.key!;
            return (
              <tr key={row.key}>
                <td data-label="Post" className="table__primary">
                  <Link
                    to="/analytics/posts/$postId"
                    params={{ postId: row.key! }}
                    className="table__link top-posts__caption"
                  >
                    {caption.length > 80 ? `${caption.slice(0, 79)}…` : caption}
                  </Link>
                </td>
                <td data-label="Platform">{post ? platformName(post.platform) : '…'}</td>
                <td data-label="Impressions" className="table__number">
                  {formatCount(row.impressions)}
                </td>
                <td data-label="Reach" className="table__number">
                  {formatCount(row.reach)}
                </td>
                <td data-label="Engagements" className="table__number">
                  {formatCount(row.engagements)}
                </td>
                <td data-label="Rate" className="table__number">
                  {formatRate(row.engagementRate)}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </section>
  );
}

/**
 * Analytics of published posts: the range, granularity and filters live in the address (so a view can be
 * shared and reloaded); totals, impressions/reach/engagements over time, by platform and by campaign, the
 * top posts, followers of each account over time, and the CSV export through the `analytics.export` job.
 */
export function AnalyticsPage() {
  const search: AnalyticsSearch = useSearch({ strict: false });
  const range = rangeOf(search);
  const filters = useMemo(() => analyticsFilters(search), [search]);
  const campaigns = useQuery({
    queryKey: ['campaigns', 'analytics-filter', search.brand ?? null],
    queryFn: () =>
      listAll(client.campaigns.list({ limit: 100, ...(search.brand ? { brandId: search.brand } : {}) })),
  });
  const platforms = useQuery(platformsQuery);
  const ready = !range.error;
  const overTime = useQuery({ ...reportQuery(filters, range.groupBy), enabled: ready });
  const byPlatform = useQuery({ ...reportQuery(filters, 'platform'), enabled: ready });
  const byCampaign = useQuery({ ...reportQuery(filters, 'campaign'), enabled: ready });
  const byPost = useQuery({ ...reportQuery(filters, 'post'), enabled: ready });
  // A range the server refuses is refused for the followers and the export too: shown once.
  const rangeProblem = rangeProblemOf(overTime.error);

  const campaignList = campaigns.data?.items;
  const campaignName = useMemo(() => {
    const names = new Map(campaignList?.map((c) => [c.id, c.name]));
    return (key: string | null) => (key === null ? 'No campaign' : (names.get(key) ?? key));
  }, [campaignList]);
  const platformList = platforms.data;
  const platformName = useMemo(() => {
    const name = platformNamer(platformList);
    return (key: string | null) => (key === null ? 'Unknown' : name(key));
  }, [platformList]);

  return (
    <section className="page page--wide" aria-labelledby="analytics-title">
      <header className="page__header page__header--split">
        <div className="page__heading">
          <h1 id="analytics-title">Analytics</h1>
          <p className="page__lead">
            Impressions, reach and engagement of published posts, summed from each post’s latest metrics.
            Metrics arrive from the platforms a while after publishing.
          </p>
        </div>
      </header>
      <Filters
        search={search}
        campaigns={campaignList}
        campaignsError={campaigns.isError ? toProblem(campaigns.error).message : undefined}
        rangeProblem={rangeProblem}
      />
      {range.error ? null : (
        <QueryView query={overTime} loading="Loading analytics…">
          {(report) =>
            report.totals.posts === 0 ? (
              <div className="card">
                <Empty title="No metrics in this range yet">
                  Publish posts and their metrics show here within a few minutes; or widen the range and
                  filters above.
                </Empty>
              </div>
            ) : (
              <>
                <Kpis label="Totals for the range" items={totalsKpis(report)} />
                <OverTime report={report} granularity={range.groupBy} />
                <div className="analytics-grid">
                  <QueryView query={byPlatform} loading="Loading platforms…">
                    {(r) => (
                      <ByGroup report={r} title="By platform" categoryLabel="Platform" name={platformName} />
                    )}
                  </QueryView>
                  <QueryView query={byCampaign} loading="Loading campaigns…">
                    {(r) => (
                      <ByGroup report={r} title="By campaign" categoryLabel="Campaign" name={campaignName} />
                    )}
                  </QueryView>
                </div>
                <QueryView query={byPost} loading="Loading top posts…">
                  {(r) => <TopPosts report={r} platformName={platformName} />}
                </QueryView>
              </>
            )
          }
        </QueryView>
      )}
      {range.error || rangeProblem ? null : (
        <FollowersPanel brandId={search.brand} platform={search.platform} from={range.from} to={range.to} />
      )}
      {range.error || rangeProblem ? null : <ExportPanel filters={filters} groupBy={range.groupBy} />}
    </section>
  );
}
