import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { MetricsSnapshot, PostAnalytics } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { formatDateTime } from '../../components/format';
import { DataTable } from '../../components/paged-table';
import { Empty, QueryView } from '../../components/states';
import { ChartPanel, formatCount, formatRate, Kpis } from './analytics-shared';
import './analytics.css';

const METRICS: { key: keyof Omit<MetricsSnapshot, 'capturedAt' | 'engagementRate'>; label: string }[] = [
  { key: 'impressions', label: 'Impressions' },
  { key: 'reach', label: 'Reach' },
  { key: 'likes', label: 'Likes' },
  { key: 'comments', label: 'Comments' },
  { key: 'shares', label: 'Shares' },
  { key: 'saves', label: 'Saves' },
  { key: 'clicks', label: 'Clicks' },
  { key: 'videoViews', label: 'Video views' },
];

/** A reading's time, to the second: the first readings of a post can be seconds apart. */
const readingFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const formatReading = (iso: string) => readingFormat.format(new Date(iso));

function Snapshots({ analytics }: { analytics: PostAnalytics }) {
  const snapshots = analytics.snapshots;
  const latest = snapshots.at(-1)!;
  const categories = useMemo(() => snapshots.map((s) => formatReading(s.capturedAt)), [snapshots]);
  const series = useMemo(
    () => [
      { name: 'Impressions', data: snapshots.map((s) => s.impressions), area: true },
      { name: 'Reach', data: snapshots.map((s) => s.reach), area: true },
      {
        name: 'Engagements',
        data: snapshots.map(
          (s) => (s.likes ?? 0) + (s.comments ?? 0) + (s.shares ?? 0) + (s.saves ?? 0) + (s.clicks ?? 0),
        ),
      },
    ],
    [snapshots],
  );
  return (
    <>
      <Kpis
        label="Latest metrics"
        items={[
          ...METRICS.filter((m) => latest[m.key] !== null).map((m) => ({
            label: m.label,
            value: formatCount(latest[m.key]),
          })),
          { label: 'Engagement rate', value: formatRate(latest.engagementRate) },
        ]}
      />
      <ChartPanel
        kind="line"
        title="Metrics over time"
        summary={`${snapshots.length} reading${snapshots.length === 1 ? '' : 's'} of the post’s lifetime metrics since it was published.`}
        categoryLabel="Read at"
        categories={categories}
        series={series}
      />
      <section className="panel" aria-labelledby="snapshots-title">
        <h2 className="panel__title" id="snapshots-title">
          Every reading
        </h2>
        <DataTable
          label="Metrics readings"
          columns={
            <>
              <th scope="col">Read at</th>
              {METRICS.map((m) => (
                <th scope="col" key={m.key}>
                  {m.label}
                </th>
              ))}
              <th scope="col">Rate</th>
            </>
          }
        >
          {snapshots.map((s) => (
            <tr key={s.capturedAt}>
              <td data-label="Read at" className="table__nowrap">
                {formatReading(s.capturedAt)}
              </td>
              {METRICS.map((m) => (
                <td key={m.key} data-label={m.label} className="table__number">
                  {formatCount(s[m.key])}
                </td>
              ))}
              <td data-label="Rate" className="table__number">
                {formatRate(s.engagementRate)}
              </td>
            </tr>
          ))}
        </DataTable>
      </section>
    </>
  );
}

/** One post's metrics: the latest reading as figures, every reading over time as a chart and a table. */
export function PostAnalyticsPage() {
  const { postId } = useParams({ strict: false }) as { postId: string };
  const post = useQuery({ queryKey: ['posts', postId], queryFn: () => client.posts.retrieve(postId) });
  const analytics = useQuery({
    queryKey: ['analytics', 'post', postId],
    queryFn: () => client.analytics.post(postId),
  });
  const caption = post.data?.caption.trim();
  return (
    <section className="page" aria-labelledby="post-analytics-title">
      <header className="page__header">
        <Link to="/analytics" className="back-link">
          ← Analytics
        </Link>
        <p className="page__eyebrow">Post analytics</p>
        <h1 id="post-analytics-title" className="break">
          {caption ? (caption.length > 120 ? `${caption.slice(0, 119)}…` : caption) : postId}
        </h1>
        {post.data ? (
          <p className="page__lead">
            <span className="capitalize">{post.data.platform}</span>
            {post.data.publishedAt ? ` · published ${formatDateTime(post.data.publishedAt)}` : ''}
            {post.data.platformUrl ? (
              <>
                {' · '}
                <a href={post.data.platformUrl} target="_blank" rel="noreferrer">
                  View on the platform
                </a>
              </>
            ) : null}
          </p>
        ) : null}
      </header>
      <QueryView query={analytics} loading="Loading the post’s metrics…">
        {(data) =>
          data.snapshots.length === 0 ? (
            <div className="card">
              <Empty title="No metrics yet">
                {data.publishedAt
                  ? 'The platform is asked for this post’s metrics a while after publishing; they show here then.'
                  : 'Metrics start once the post is published.'}
              </Empty>
            </div>
          ) : (
            <Snapshots analytics={data} />
          )
        }
      </QueryView>
    </section>
  );
}
