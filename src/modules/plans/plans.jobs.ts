import { Type } from '@sinclair/typebox';
import { AppError, conflict, invalidInput } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import { campaignsResource } from '../campaigns/index.js';
import type { ServiceContext } from '../context.js';
import type { ItemError, JobTypeHandler } from '../jobs/index.js';
import { createPostsIn, postsResource } from '../posts/index.js';
import { inputProblems } from '../../shared/validation/problems.js';
import { lazyBodyValidator } from '../../shared/validation/validator.js';
import { claimAndCreateCampaign, itemPost } from './plans.apply.js';
import * as repo from './plans.repository.js';
import { plansResource, toPlan, type Plan } from './plans.service.js';

export const PLANS_APPLY_JOB = 'plans.apply';

export interface PlanApplyPayload {
  planId: string;
}

/** What each chunk hands the next: the campaign the first chunk made and the drafts made so far. */
export interface PlanApplyState {
  campaignId: string;
  postIds: string[];
}

const PayloadSchema = Type.Object(
  { planId: Type.String({ minLength: 1, maxLength: 64, description: 'The draft plan to apply' }) },
  { additionalProperties: false },
);
const validatePayload = lazyBodyValidator(PayloadSchema);

/** The payload's problems, every one in one 400 naming `payload.…`. */
function checkPayload(payload: unknown): PlanApplyPayload {
  const problems = inputProblems(payload, validatePayload(), { schema: PayloadSchema });
  if (problems.length) {
    throw invalidInput(
      problems.map((p) => ({ field: p.field ? `payload.${p.field}` : 'payload', reason: p.reason })),
      undefined,
      { location: 'body' },
    );
  }
  return payload as PlanApplyPayload;
}

/** The tenant's plan, or the job's 400 naming `payload.planId` (another organization's plan included). */
async function findPlan(ctx: ServiceContext, tenant: Tenant, planId: string): Promise<Plan> {
  const row = await repo.findPlan(ctx.db, tenant, planId);
  if (!row) {
    throw invalidInput([{ field: 'payload.planId', reason: `No plan with id '${planId}'` }], undefined, {
      location: 'body',
    });
  }
  return toPlan(row);
}

function alreadyApplied(plan: Plan): AppError {
  return conflict(
    `Plan '${plan.id}' has already been applied` +
      (plan.campaignId ? ` (campaign '${plan.campaignId}')` : '') +
      '; a plan is applied once',
    { planId: plan.id, campaignId: plan.campaignId, appliedAt: plan.appliedAt },
  );
}

/**
 * `plans.apply` `{planId}`: applies a draft plan as `POST /plans/{id}/apply` does, with progress — one
 * item is one draft post. The first chunk claims the plan (marks it applied with its campaign id; a plan
 * applied already, or meanwhile by another call, fails the job with 409's message) and creates the
 * campaign with its first drafts; each further chunk creates the next drafts. A chunk's posts commit with
 * the job's progress and state (the campaign id, the posts so far), so a worker that dies mid-chunk leaves
 * nothing of that chunk and the retry resumes after the last committed one: no second campaign, no
 * duplicate draft. An item the posts' rules refuse is an item error; the others are still created.
 */
export const planApplyJobType: JobTypeHandler<PlanApplyPayload, PlanApplyState> = {
  type: PLANS_APPLY_JOB,
  scope: 'read_write',
  // Small, so the progress moves a few posts at a time.
  chunkSize: 5,

  async prepare(ctx, tenant, payload) {
    const { planId } = checkPayload(payload);
    const plan = await findPlan(ctx, tenant, planId);
    if (plan.status === 'applied') throw alreadyApplied(plan);
    return { payload: { planId }, total: plan.items.length };
  },

  async runChunk({ ctx, trx, tenant, payload, state, offset, limit }) {
    const row = await repo.findPlan(trx, tenant, payload.planId);
    if (!row) throw new AppError('NOT_FOUND', `Plan '${payload.planId}' was deleted before it was applied`);
    const plan = toPlan(row);
    const now = ctx.clock.now();
    let campaignId = state?.campaignId;
    if (!campaignId) {
      campaignId = newId('campaign', now);
      if (
        plan.status === 'applied' ||
        !(await claimAndCreateCampaign(ctx, trx, tenant, plan, campaignId, now))
      )
        throw alreadyApplied(toPlan((await repo.findPlan(trx, tenant, plan.id))!));
      ctx.counts.invalidate(plansResource(tenant));
      ctx.counts.invalidate(campaignsResource(tenant));
    }
    const slice = plan.items.slice(offset, offset + limit);
    const postIds = [...(state?.postIds ?? [])];
    const errors: ItemError[] = [];
    for (const [i, item] of slice.entries()) {
      try {
        const [post] = await createPostsIn(ctx, trx, tenant, [itemPost(plan, item, campaignId, now)], now);
        postIds.push(post!.id);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const field = error.details?.field;
        errors.push({
          index: offset + i,
          code: error.code,
          message: error.message,
          ...(typeof field === 'string' && field ? { field } : {}),
        });
      }
    }
    if (slice.length > errors.length) ctx.counts.invalidate(postsResource(tenant));
    return {
      processed: slice.length,
      succeeded: slice.length - errors.length,
      failed: errors.length,
      errors,
      state: { campaignId, postIds },
      done: offset + slice.length >= plan.items.length,
    };
  },

  summarize: (payload, progress, state) => ({
    planId: payload.planId,
    campaignId: state?.campaignId ?? null,
    postIds: state?.postIds ?? [],
    postsCreated: progress.succeeded,
    failed: progress.failed,
  }),
};
