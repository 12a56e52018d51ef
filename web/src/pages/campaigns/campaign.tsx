import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { Campaign, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { toProblem } from '../../api/problem';
import { useRole } from '../../api/role';
import { ConfirmButton } from '../../components/confirm-button';
import { formatDateTime } from '../../components/format';
import { Empty, QueryView } from '../../components/states';
import { brandsQuery } from '../../api/brands';
import { CampaignFormDialog } from './campaign-form';
import { CampaignStatusBadge, campaignQuery, formatRange } from './campaign-shared';
import { Timeline, postMoment } from './timeline';
import './campaigns.css';
import { platformNamer, platformsQuery } from '../../api/platforms';

/** The campaign's posts, by date (`GET /campaigns/{id}/posts`); keyed under `posts` so post events refresh it. */
function useCampaignPosts(id: string) {
  return useQuery({
    queryKey: ['posts', 'campaign', id],
    queryFn: () =>
      listAll(client.campaigns.listPosts(id, { sortBy: 'date', sortOrder: 'asc', limit: 100 }), 500),
  });
}

/** The status moves a person makes from here: DRAFT → ACTIVE → COMPLETED (archiving is confirmed). */
function StatusActions({ campaign, onChanged }: { campaign: Campaign; onChanged: (c: Campaign) => void }) {
  const move = useMutation({
    mutationFn: (status: Campaign['status']) => client.campaigns.update(campaign.id, { status }),
    onSuccess: onChanged,
  });
  const problem = move.error ? toProblem(move.error) : undefined;
  return (
    <>
      {campaign.status === 'DRAFT' ? (
        <button
          type="button"
          className="button button--primary"
          disabled={move.isPending}
          onClick={() => move.mutate('ACTIVE')}
        >
          {move.isPending ? 'Activating…' : 'Activate'}
        </button>
      ) : null}
      {campaign.status === 'ACTIVE' ? (
        <button
          type="button"
          className="button button--secondary"
          disabled={move.isPending}
          onClick={() => move.mutate('COMPLETED')}
        >
          {move.isPending ? 'Saving…' : 'Mark completed'}
        </button>
      ) : null}
      {campaign.status !== 'ARCHIVED' ? (
        <ConfirmButton
          label="Archive"
          title={`Archive ${campaign.name}?`}
          confirmLabel="Archive campaign"
          buttonClass="button button--secondary"
          onConfirm={() => client.campaigns.update(campaign.id, { status: 'ARCHIVED' }).then(onChanged)}
        >
          An archived campaign keeps its posts but cannot be activated again.
        </ConfirmButton>
      ) : null}
      {problem ? (
        <p className="alert alert--error campaign-actions__error" role="alert">
          {problem.message}
        </p>
      ) : null}
    </>
  );
}

function CampaignView({ campaign }: { campaign: Campaign }) {
  const queryClient = useQueryClient();
  const { role } = useRole();
  const canChange = role !== null && role !== 'viewer';
  const brands = useQuery(brandsQuery);
  const platforms = useQuery(platformsQuery);
  const posts = useCampaignPosts(campaign.id);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string>();
  const brand = brands.data?.items.find((b) => b.id === campaign.brandId);
  const timeZone = brand?.timezone ?? 'UTC';
  const platformName = platformNamer(platforms.data);

  const changed = (saved: Campaign, message: string) => {
    queryClient.setQueryData(campaignQuery(saved.id).queryKey, saved);
    setNotice(message);
    void queryClient.invalidateQueries({ queryKey: ['campaigns'] });
  };

  return (
    <>
      <header className="page__header page__header--actions">
        <div>
          <p className="campaign-back">
            <Link to="/campaigns" className="back-link">
              ← Campaigns
            </Link>
          </p>
          <h1 id="campaign-title" className="campaign-title">
            {campaign.name} <CampaignStatusBadge status={campaign.status} />
          </h1>
          <p className="page__lead">
            {brand?.name ?? campaign.brandId} · {formatRange(campaign)}
            {campaign.goal ? ` · ${campaign.goal}` : ''}
          </p>
        </div>
        <div className="page__actions campaign-actions">
          {canChange ? (
            <Link
              to="/compose"
              search={{ campaign: campaign.id, brand: campaign.brandId }}
              className="button button--primary"
            >
              New post in this campaign
            </Link>
          ) : null}
        </div>
      </header>
      <div role="status" aria-live="polite" className="notice-slot">
        {notice ? <p className="alert alert--success">{notice}</p> : null}
      </div>
      <div className="card">
        <div className="campaign-summary">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <CampaignStatusBadge status={campaign.status} />
              {campaign.startedAt ? (
                <span className="muted"> since {formatDateTime(campaign.startedAt)}</span>
              ) : null}
            </dd>
            <dt>Dates</dt>
            <dd>{formatRange(campaign)}</dd>
            <dt>Brand</dt>
            <dd>{brand ? `${brand.name} (${brand.timezone})` : campaign.brandId}</dd>
            <dt>Platforms</dt>
            <dd>{campaign.platforms.length ? campaign.platforms.map(platformName).join(', ') : 'Any'}</dd>
            {campaign.description ? (
              <>
                <dt>Description</dt>
                <dd className="campaign-summary__text">{campaign.description}</dd>
              </>
            ) : null}
          </dl>
          {canChange ? (
            <div className="toolbar campaign-actions">
              <button type="button" className="button button--secondary" onClick={() => setEditing(true)}>
                Edit
              </button>
              <StatusActions
                campaign={campaign}
                onChanged={(saved) => changed(saved, `Campaign is now ${saved.status.toLowerCase()}.`)}
              />
            </div>
          ) : null}
        </div>
      </div>
      <section className="card card--wide" aria-labelledby="timeline-title">
        <div className="card__header">
          <h2 id="timeline-title" className="card__title">
            Posts on the timeline
          </h2>
          {posts.data ? (
            <span className="muted">
              {posts.data.items.length === 1 ? '1 post' : `${posts.data.items.length} posts`}
            </span>
          ) : null}
        </div>
        <QueryView query={posts} loading="Loading the campaign’s posts…">
          {({ items, more }) =>
            items.length === 0 ? (
              <Empty title="No posts in this campaign yet">
                {canChange ? (
                  <Link to="/compose" search={{ campaign: campaign.id, brand: campaign.brandId }}>
                    Write the first post
                  </Link>
                ) : (
                  'Posts added to the campaign appear here, by day.'
                )}
              </Empty>
            ) : (
              <>
                <Timeline
                  posts={items}
                  startDate={campaign.startDate}
                  endDate={campaign.endDate}
                  timeZone={timeZone}
                  platformName={platformName}
                />
                <Unscheduled posts={items} platformName={platformName} />
                {more ? <p className="table__note">Showing the first 500 posts.</p> : null}
              </>
            )
          }
        </QueryView>
      </section>
      {editing ? (
        <CampaignFormDialog
          campaign={campaign}
          brands={brands.data?.items ?? []}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            changed(saved, `Campaign “${saved.name}” saved.`);
          }}
        />
      ) : null}
    </>
  );
}

/** Drafts with no date: they have no place on the timeline yet. */
function Unscheduled({ posts, platformName }: { posts: Post[]; platformName: (name: string) => string }) {
  const undated = posts.filter((p) => postMoment(p) === null);
  if (undated.length === 0) return null;
  return (
    <div className="campaign-undated">
      <h3 className="campaign-undated__title">Not scheduled yet</h3>
      <ul className="list">
        {undated.map((post) => (
          <li key={post.id} className="list__item">
            <Link to="/posts/$postId" params={{ postId: post.id }}>
              {platformName(post.platform)}: {post.caption.slice(0, 80) || 'No caption yet'}
            </Link>
            <span className="list__secondary">Draft, created {formatDateTime(post.createdAt)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One campaign: what it is, Edit / Activate / Complete / Archive, and its posts on a timeline. */
export function CampaignPage() {
  const { campaignId } = useParams({ strict: false }) as { campaignId: string };
  const campaign = useQuery(campaignQuery(campaignId));
  return (
    <section
      className="page"
      aria-labelledby={campaign.data ? 'campaign-title' : undefined}
      aria-label={campaign.data ? undefined : 'Campaign'}
    >
      <QueryView query={campaign} loading="Loading the campaign…">
        {(data) => <CampaignView campaign={data} />}
      </QueryView>
    </section>
  );
}
