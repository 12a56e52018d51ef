import type { Insertable, Selectable } from 'kysely';
import type { TenantRow, Timestamps } from './common-columns.js';

export const CAMPAIGN_STATUSES = ['DRAFT', 'ACTIVE', 'COMPLETED', 'ARCHIVED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface CampaignsTable extends TenantRow, Timestamps {
  brand_id: string;
  name: string;
  description: string | null;
  start_date: number;
  end_date: number;
  status: CampaignStatus;
  goal: string | null;
  /** JSON array of platform names. */
  platforms: string;
  /** When `campaign.started` fired (the start date arrived while ACTIVE, or it was activated later). */
  started_at: number | null;
}

export type CampaignRow = Selectable<CampaignsTable>;
export type NewCampaignRow = Insertable<CampaignsTable>;
