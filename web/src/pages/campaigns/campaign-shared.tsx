import type { Campaign } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { Badge, type BadgeTone } from '../../components/badge';

export type CampaignStatus = Campaign['status'];

/** The platforms the API knows (`GET /platforms`): names and the words the page shows for them. */
export const campaignQuery = (id: string) => ({
  queryKey: ['campaigns', id] as const,
  queryFn: () => client.campaigns.retrieve(id),
});

const STATUS: Record<CampaignStatus, { word: string; tone: BadgeTone }> = {
  DRAFT: { word: 'Draft', tone: 'neutral' },
  ACTIVE: { word: 'Active', tone: 'success' },
  COMPLETED: { word: 'Completed', tone: 'info' },
  ARCHIVED: { word: 'Archived', tone: 'warning' },
};

export const CAMPAIGN_STATUSES = Object.keys(STATUS) as CampaignStatus[];

export function statusWord(status: CampaignStatus): string {
  return STATUS[status].word;
}

export function CampaignStatusBadge({ status }: { status: CampaignStatus }) {
  return <Badge tone={STATUS[status].tone}>{STATUS[status].word}</Badge>;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/**
 * A campaign's start or end as the calendar day it was given: dates are sent as `YYYY-MM-DD` and kept as
 * midnight UTC, so they are shown in UTC (in a zone west of UTC they would fall on the day before).
 */
export function formatDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dayFormat.format(date);
}

export function formatRange(campaign: Pick<Campaign, 'startDate' | 'endDate'>): string {
  return `${formatDay(campaign.startDate)} – ${formatDay(campaign.endDate)}`;
}

/** `2026-12-01` from `2026-12-01T00:00:00.000Z`: the value of a date input. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}
