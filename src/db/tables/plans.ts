import type { Insertable, Selectable } from 'kysely';
import type { TenantRow, Timestamps } from './common-columns.js';

export const PLAN_STATUSES = ['draft', 'applied'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export interface PlansTable extends TenantRow, Timestamps {
  brand_id: string;
  name: string;
  /** JSON: the parameters the preview was generated from, defaults resolved (see PlanParameters). */
  parameters: string;
  /** JSON array of PlanItem. */
  items: string;
  /** JSON PlanSummary. */
  summary: string;
  status: PlanStatus;
  /** The campaign `apply` created. Not a foreign key: the campaign may be deleted later. */
  campaign_id: string | null;
  applied_at: number | null;
}

export type PlanRow = Selectable<PlansTable>;
export type NewPlanRow = Insertable<PlansTable>;
