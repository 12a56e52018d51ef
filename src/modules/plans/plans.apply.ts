import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type { CampaignRow } from '../../db/tables/campaigns.js';
import { createCampaignIn } from '../campaigns/index.js';
import type { ServiceContext } from '../context.js';
import type { NewPostInput } from '../posts/index.js';
import type { PlanItem, PlanParameters } from './plans.generate.js';
import * as repo from './plans.repository.js';

/**
 * What applying a plan writes, shared by `POST /plans/{id}/apply` (everything in one transaction) and the
 * `plans.apply` job (the claim and the campaign with its first chunk of posts, the rest chunk by chunk).
 */

/** What applying reads of a plan (a `Plan` of plans.service.ts). */
export interface PlanToApply {
  id: string;
  brandId: string;
  name: string;
  parameters: PlanParameters;
}

/**
 * Claims the draft plan (a conditional UPDATE on its status, so concurrent applies make one campaign)
 * and creates its campaign, in the caller's transaction: DRAFT, the plan's name, brand, range, platforms
 * and goal. Answers undefined when the plan is no longer a draft (applied by another call first).
 */
export async function claimAndCreateCampaign(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  plan: PlanToApply,
  campaignId: string,
  now: number,
): Promise<CampaignRow | undefined> {
  if (!(await repo.claimForApply(trx, tenant, plan.id, campaignId, now))) return undefined;
  const { parameters: p } = plan;
  return createCampaignIn(
    ctx,
    trx,
    tenant,
    {
      id: campaignId,
      brandId: plan.brandId,
      name: plan.name,
      start: Date.parse(p.startDate),
      end: Date.parse(p.endDate),
      goal: p.goal,
      platforms: p.platforms,
      description: `From content plan ${plan.id}`,
    },
    now,
  );
}

/**
 * The DRAFT post an item becomes: its planned time as `scheduledFor` (none once that time has passed) and
 * `metadata.plan` saying where it came from.
 */
export function itemPost(plan: PlanToApply, item: PlanItem, campaignId: string, now: number): NewPostInput {
  return {
    brandId: plan.brandId,
    platform: item.platform,
    caption: item.caption,
    campaignId,
    status: 'DRAFT',
    scheduledFor: Date.parse(item.scheduledFor) > now ? item.scheduledFor : null,
    metadata: {
      plan: {
        id: plan.id,
        pillar: item.pillar,
        plannedFor: item.scheduledFor,
        mediaSuggestion: item.mediaSuggestion,
      },
    },
  };
}
