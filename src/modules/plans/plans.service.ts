import { createHash } from 'node:crypto';
import type { AiProvider } from '../../ai/index.js';
import type { Platform } from '../../platforms/platforms.js';
import { toIso } from '../../shared/clock.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import { getBrand, isTimeZone, type Brand } from '../brands/index.js';
import { campaignsResource, getCampaign, toCampaign, type Campaign } from '../campaigns/index.js';
import type { ServiceContext } from '../context.js';
import { deleteByIdOr404, findByIdOr404 } from '../by-id.js';
import { tenantList, BY_CREATED_AT } from '../lists.js';
import { createPostsIn, plannedPostTimes, postsResource } from '../posts/index.js';
import {
  DEFAULT_PILLARS,
  generatePlan,
  summarize,
  TAKEN_MARGIN_MS,
  type PlanItem,
  type PlanParameters,
  type PlanPreview,
  type PlanSummary,
} from './plans.generate.js';
import { claimAndCreateCampaign, itemPost } from './plans.apply.js';
import { givenItems, type PlanItemInput } from './plans.items.js';
import * as repo from './plans.repository.js';
import type { PlanRow, PlanStatus } from '../../db/tables/plans.js';
import { MAX_RANGE_DAYS, normalPillar, parseBound, planInputProblems } from './plans.input.js';

export { MAX_RANGE_DAYS };

/** `POST /plans/generate-preview`'s body; `POST /plans` adds `name` and, optionally, edited `items`. */
export interface PlanInput {
  brandId: string;
  startDate: string;
  endDate: string;
  platforms: Platform[];
  postsPerWeek: number;
  pillars?: string[];
  goal?: string | null;
  timezone?: string;
}

export interface Plan {
  id: string;
  brandId: string;
  name: string;
  status: PlanStatus;
  campaignId: string | null;
  appliedAt: string | null;
  parameters: PlanParameters;
  items: PlanItem[];
  summary: PlanSummary;
  createdAt: string;
  updatedAt: string;
}

export interface ApplyResult {
  plan: Plan;
  /** Null when the plan was applied earlier and its campaign has been deleted since. */
  campaign: Campaign | null;
  /** Whether this call applied the plan (false when it had been applied already). */
  created: boolean;
  /** Draft posts this call created: 0 when the plan had been applied already. */
  postsCreated: number;
}

export function toPlan(row: PlanRow): Plan {
  return {
    id: row.id,
    brandId: row.brand_id,
    name: row.name,
    status: row.status,
    campaignId: row.campaign_id,
    appliedAt: toIso(row.applied_at),
    parameters: JSON.parse(row.parameters) as PlanParameters,
    items: JSON.parse(row.items) as PlanItem[],
    summary: JSON.parse(row.summary) as PlanSummary,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export function plansResource(tenant: Tenant): string {
  return `plans:${tenant.organizationId}:${tenant.environment}`;
}

interface Resolved {
  params: PlanParameters;
  brand: Brand;
  start: number;
  end: number;
}

/** Every rule the schema cannot express, checked at once (400 naming each field). */
async function resolve(
  ctx: ServiceContext,
  tenant: Tenant,
  input: PlanInput,
  problems: FieldProblem[] = [],
): Promise<Resolved> {
  let brand: Brand | undefined;
  try {
    brand = await getBrand(ctx, tenant, input.brandId);
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error;
    problems.push({ field: 'brandId', reason: `No brand with id '${input.brandId}'` });
  }
  let zone = input.timezone ?? brand?.timezone ?? 'UTC';
  if (!isTimeZone(zone)) {
    problems.push({ field: 'timezone', reason: 'Must be an IANA time zone, e.g. Europe/Paris' });
    zone = 'UTC';
  }
  problems.push(...planInputProblems(input as unknown as Record<string, unknown>, ctx.clock.now(), zone));
  if (problems.length) throw invalidInput(problems);
  const start = parseBound(input.startDate, zone);
  const end = parseBound(input.endDate, zone);
  const pillars = (input.pillars ?? DEFAULT_PILLARS).map(normalPillar);
  return {
    brand: brand!,
    start: start!,
    end: end!,
    params: {
      brandId: input.brandId,
      startDate: toIso(start!),
      endDate: toIso(end!),
      platforms: input.platforms,
      postsPerWeek: input.postsPerWeek,
      pillars,
      goal: input.goal?.trim() || null,
      timezone: zone,
    },
  };
}

async function build(ctx: ServiceContext, ai: AiProvider, tenant: Tenant, resolved: Resolved) {
  const { params, start, end, brand } = resolved;
  const planned = await plannedPostTimes(ctx, tenant, {
    brandId: params.brandId,
    platforms: params.platforms,
    from: start - TAKEN_MARGIN_MS,
    to: end + TAKEN_MARGIN_MS,
  });
  const taken = new Map<string, number[]>();
  for (const p of planned) taken.set(p.platform, [...(taken.get(p.platform) ?? []), p.scheduledFor]);
  const seed = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
  return generatePlan(ai, {
    params,
    start,
    end,
    brand: { name: brand.name, voice: brand.voice },
    taken,
    now: ctx.clock.now(),
    seed,
  });
}

/** `POST /plans/generate-preview`: the items and summary, saved nowhere. */
export async function previewPlan(
  ctx: ServiceContext,
  ai: AiProvider,
  tenant: Tenant,
  input: PlanInput,
): Promise<PlanPreview> {
  return build(ctx, ai, tenant, await resolve(ctx, tenant, input));
}

/** The items a person edited, checked against the plan's rules (400 naming each broken item field). */
function editedPreview(ctx: ServiceContext, resolved: Resolved, input: PlanItemInput[]): PlanPreview {
  const { params, start, end, brand } = resolved;
  const { items, problems } = givenItems(input, {
    params,
    start,
    end,
    now: ctx.clock.now(),
    brandName: brand.name,
  });
  if (problems.length) throw invalidInput(problems);
  const unplaced = Object.fromEntries(params.platforms.map((p) => [p, 0]));
  return { items, summary: summarize(items, params, unplaced) };
}

/**
 * `POST /plans`: stores a draft plan — the preview generated from the parameters, or the `items` given
 * (a preview as the person edited it).
 */
export async function createPlan(
  ctx: ServiceContext,
  ai: AiProvider,
  tenant: Tenant,
  input: PlanInput & { name: string; items?: PlanItemInput[] },
): Promise<Plan> {
  const name = input.name.trim();
  const resolved = await resolve(
    ctx,
    tenant,
    input,
    name ? [] : [{ field: 'name', reason: 'Must not be blank' }],
  );
  const preview = input.items
    ? editedPreview(ctx, resolved, input.items)
    : await build(ctx, ai, tenant, resolved);
  const now = ctx.clock.now();
  const row: PlanRow = {
    id: newId('plan', now),
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    brand_id: resolved.params.brandId,
    name,
    parameters: JSON.stringify(resolved.params),
    items: JSON.stringify(preview.items),
    summary: JSON.stringify(preview.summary),
    status: 'draft',
    campaign_id: null,
    applied_at: null,
    created_at: now,
    updated_at: now,
  };
  await repo.insertPlan(ctx.db, tenant, row);
  ctx.counts.invalidate(plansResource(tenant));
  return toPlan(row);
}

export const findPlanRow = findByIdOr404(repo.findPlan, 'plan');

export async function getPlan(ctx: ServiceContext, tenant: Tenant, id: string): Promise<Plan> {
  return toPlan(await findPlanRow(ctx, tenant, id));
}

export const listPlans = tenantList({
  query: repo.plansQuery,
  sorts: { createdAt: BY_CREATED_AT },
  counted: plansResource,
  show: toPlan,
});

/** Deletes the plan only: a campaign and posts it made stay. */
export const deletePlan = deleteByIdOr404(repo.deletePlan, 'plan', plansResource);

/**
 * `POST /plans/{id}/apply`: in one transaction, claims the plan (a conditional UPDATE on its status),
 * creates its campaign (DRAFT, the plan's name, brand, range, platforms and goal) and one DRAFT post per
 * item with the planned time as `scheduledFor` and `metadata.plan` saying where it came from (with their
 * `post.created` events). An item whose time has passed becomes a draft without `scheduledFor`.
 * Applying an applied plan changes nothing and answers its campaign.
 */
export async function applyPlan(ctx: ServiceContext, tenant: Tenant, id: string): Promise<ApplyResult> {
  const now = ctx.clock.now();
  const campaignId = newId('campaign', now);
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const row = await findPlanRow(ctx, tenant, id, trx);
    const plan = toPlan(row);
    const campaign =
      row.status === 'applied'
        ? undefined
        : await claimAndCreateCampaign(ctx, trx, tenant, plan, campaignId, now);
    if (!campaign) {
      // Applied before, or by a concurrent call that committed first.
      const current = await findPlanRow(ctx, tenant, id, trx);
      return { row: current, campaign: null, created: false, postsCreated: 0 };
    }
    const posts = await createPostsIn(
      ctx,
      trx,
      tenant,
      plan.items.map((item) => itemPost(plan, item, campaignId, now)),
      now,
    );
    const applied = await repo.findPlan(trx, tenant, id);
    return { row: applied!, campaign: toCampaign(campaign), created: true, postsCreated: posts.length };
  });
  if (outcome.created) {
    ctx.counts.invalidate(plansResource(tenant));
    ctx.counts.invalidate(campaignsResource(tenant));
    ctx.counts.invalidate(postsResource(tenant));
  }
  let campaign = outcome.campaign;
  if (!campaign && outcome.row.campaign_id) {
    campaign = await getCampaign(ctx, tenant, outcome.row.campaign_id).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    });
  }
  return {
    plan: toPlan(outcome.row),
    campaign,
    created: outcome.created,
    postsCreated: outcome.postsCreated,
  };
}
