import { useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { Brand, Campaign } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { useRole } from '../../api/role';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { SelectField } from '../../components/select-field';
import { Empty } from '../../components/states';
import { brandsQuery } from '../../api/brands';
import { CampaignFormDialog } from './campaign-form';
import {
  CAMPAIGN_STATUSES,
  CampaignStatusBadge,
  formatRange,
  statusWord,
  type CampaignStatus,
} from './campaign-shared';
import './campaigns.css';
import { usePlatformName } from '../../api/platforms';
import { BrandSelect } from '../../components/brand-select';

interface CampaignsSearch {
  status?: string;
  brand?: string;
}

function isStatus(value: string | undefined): value is CampaignStatus {
  return CAMPAIGN_STATUSES.includes(value as CampaignStatus);
}

/** How many posts the campaign has: the `totalCount` of a one-item page of `GET /campaigns/{id}/posts`. */
function PostCount({ campaign }: { campaign: Campaign }) {
  const count = useQuery({
    queryKey: ['campaigns', campaign.id, 'posts', 'count'],
    queryFn: async () => (await client.campaigns.listPosts(campaign.id, { limit: 1 })).pagination.totalCount,
  });
  if (count.isPending) return <span className="muted">…</span>;
  if (count.isError) return <span className="muted">?</span>;
  return <>{count.data.toLocaleString()}</>;
}

function PlatformList({ names }: { names: readonly string[] }) {
  const platformName = usePlatformName();
  if (names.length === 0) return <span className="muted">Any</span>;
  return <>{names.map(platformName).join(', ')}</>;
}

/** Campaigns: the list (status, dates, brand, platforms, number of posts), filters, create and edit. */
export function CampaignsPage() {
  const search: CampaignsSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { role } = useRole();
  const canChange = role !== null && role !== 'viewer';
  const brands = useQuery(brandsQuery);
  const brandList = brands.data?.items ?? [];
  const brandId = brandList.some((b) => b.id === search.brand) ? search.brand : undefined;
  const status = isStatus(search.status) ? search.status : undefined;
  const pages = useCursorPages();
  const campaigns = useQuery({
    queryKey: [
      'campaigns',
      'list',
      { status: status ?? null, brandId: brandId ?? null },
      pages.cursor ?? null,
    ],
    placeholderData: keepPreviousData,
    queryFn: () =>
      client.campaigns
        .list({ status, brandId, sortBy: 'startDate', sortOrder: 'desc', limit: 25, cursor: pages.cursor })
        .firstPage(),
  });
  const [editing, setEditing] = useState<Campaign | 'new' | null>(null);
  const [notice, setNotice] = useState<string>();

  const brandName = (id: string) => brandList.find((b: Brand) => b.id === id)?.name ?? id;
  const filter = (change: CampaignsSearch) => {
    pages.reset();
    void navigate({ to: '/campaigns', search: { status, brand: brandId, ...change } });
  };
  const filtered = Boolean(status || brandId);

  return (
    <section className="page" aria-labelledby="campaigns-title">
      <header className="page__header page__header--actions">
        <div>
          <h1 id="campaigns-title">Campaigns</h1>
          <p className="page__lead">
            A campaign groups a brand’s posts over a period, from draft to active to completed.
          </p>
        </div>
        {canChange ? (
          <button
            type="button"
            className="button button--primary"
            onClick={() => setEditing('new')}
            disabled={brands.isSuccess && brandList.length === 0}
          >
            New campaign
          </button>
        ) : null}
      </header>
      <div role="status" aria-live="polite" className="notice-slot">
        {notice ? <p className="alert alert--success">{notice}</p> : null}
      </div>
      {brands.isSuccess && brandList.length === 0 ? (
        <div className="card">
          <Empty title="No brands yet">
            A campaign belongs to a brand. <Link to="/brands">Create a brand</Link> first.
          </Empty>
        </div>
      ) : (
        <div className="card">
          <div className="campaigns-filters">
            <SelectField
              label="Status"
              name="status"
              value={status ?? ''}
              onChange={(e) => filter({ status: e.target.value || undefined })}
            >
              <option value="">All statuses</option>
              {CAMPAIGN_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusWord(s)}
                </option>
              ))}
            </SelectField>
            <BrandSelect
              brands={brandList}
              none="All brands"
              name="brand"
              value={brandId ?? ''}
              onChange={(e) => filter({ brand: e.target.value || undefined })}
            />
          </div>
          <PagedTable
            query={campaigns}
            pages={pages}
            loading="Loading campaigns…"
            label="Campaigns list"
            empty={
              filtered ? (
                <Empty title="No campaign matches">
                  <Link to="/campaigns" search={{}} onClick={() => pages.reset()}>
                    Show all campaigns
                  </Link>
                </Empty>
              ) : (
                <Empty title="No campaigns yet">
                  Create a campaign to plan a brand’s posts over a period and follow them on a timeline.
                </Empty>
              )
            }
            columns={
              <>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Dates</th>
                <th scope="col">Brand</th>
                <th scope="col">Platforms</th>
                <th scope="col">Posts</th>
                {canChange ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </>
            }
            row={(campaign) => (
              <tr key={campaign.id}>
                <td data-label="Name" className="table__primary">
                  <Link
                    to="/campaigns/$campaignId"
                    params={{ campaignId: campaign.id }}
                    className="table__link"
                  >
                    {campaign.name}
                  </Link>
                  {campaign.goal ? <span className="table__sub">{campaign.goal}</span> : null}
                </td>
                <td data-label="Status">
                  <CampaignStatusBadge status={campaign.status} />
                </td>
                <td data-label="Dates" className="table__nowrap">
                  {formatRange(campaign)}
                </td>
                <td data-label="Brand">{brandName(campaign.brandId)}</td>
                <td data-label="Platforms" className="table__muted">
                  <PlatformList names={campaign.platforms} />
                </td>
                <td data-label="Posts">
                  <PostCount campaign={campaign} />
                </td>
                {canChange ? (
                  <td className="table__actions">
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      aria-label={`Edit ${campaign.name}`}
                      onClick={() => setEditing(campaign)}
                    >
                      Edit
                    </button>
                  </td>
                ) : null}
              </tr>
            )}
          />
        </div>
      )}
      {editing !== null ? (
        <CampaignFormDialog
          key={editing === 'new' ? 'new' : editing.id}
          campaign={editing === 'new' ? undefined : editing}
          brands={brandList}
          defaultBrandId={brandId}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setNotice(
              editing === 'new' ? `Campaign “${saved.name}” created.` : `Campaign “${saved.name}” saved.`,
            );
            setEditing(null);
            void queryClient.invalidateQueries({ queryKey: ['campaigns'] });
          }}
        />
      ) : null}
    </section>
  );
}
