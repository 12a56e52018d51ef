import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { toIso } from '../../shared/clock.js';
import { DATE_INPUT_REASON, parseDateInput } from '../../shared/dates.js';
import { AppError, invalidInput, notFound, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import { requireBrand } from '../brands/index.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { tenantList, BY_CREATED_AT } from '../lists.js';
import { recordEvent } from '../events/index.js';
import { campaignInputProblems } from './campaigns.input.js';
import * as repo from './campaigns.repository.js';
import type { CampaignRow, CampaignStatus } from '../../db/tables/campaigns.js';

export interface Campaign {
  id: string;
  brandId: string;
  name: string;
  description: string | null;
  startDate: string;
  endDate: string;
  status: CampaignStatus;
  goal: string | null;
  platforms: string[];
  startedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CampaignInput {
  brandId?: string;
  name?: string;
  description?: string | null;
  startDate?: string;
  endDate?: string;
  status?: CampaignStatus;
  goal?: string | null;
  platforms?: string[];
}

/** Which status may follow which. ARCHIVED is the end. */
const TRANSITIONS: Record<CampaignStatus, CampaignStatus[]> = {
  DRAFT: ['ACTIVE', 'ARCHIVED'],
  ACTIVE: ['COMPLETED', 'ARCHIVED'],
  COMPLETED: ['ARCHIVED'],
  ARCHIVED: [],
};

export function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    brandId: row.brand_id,
    name: row.name,
    description: row.description,
    startDate: toIso(row.start_date),
    endDate: toIso(row.end_date),
    status: row.status,
    goal: row.goal,
    platforms: JSON.parse(row.platforms) as string[],
    startedAt: toIso(row.started_at),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export const CAMPAIGN_SORTS = {
  createdAt: BY_CREATED_AT,
  startDate: { expression: 'start_date', value: (r: CampaignRow) => r.start_date },
};

export function campaignsResource(tenant: Tenant): string {
  return `campaigns:${tenant.organizationId}:${tenant.environment}`;
}

/**
 * Dates parsed and ordered (one given by a PATCH is compared with the stored other), with every other
 * problem the body alone shows: a blank name, a bad date, `campaignInputProblems`.
 */
function parseDates(
  input: CampaignInput,
  existing?: CampaignRow,
): { start: number; end: number } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (input.name !== undefined && input.name.trim() === '')
    problems.push({ field: 'name', reason: 'Must not be blank' });
  const start = input.startDate !== undefined ? parseDateInput(input.startDate) : existing?.start_date;
  const end = input.endDate !== undefined ? parseDateInput(input.endDate) : existing?.end_date;
  if (start === undefined) problems.push({ field: 'startDate', reason: DATE_INPUT_REASON });
  if (end === undefined) problems.push({ field: 'endDate', reason: DATE_INPUT_REASON });
  if (start !== undefined && end !== undefined && end <= start) {
    problems.push({ field: 'endDate', reason: 'Must be after startDate' });
  }
  const own = campaignInputProblems(input as Record<string, unknown>, existing === undefined);
  problems.push(...own.filter((p) => !problems.some((q) => q.field === p.field)));
  return problems.length ? { problems } : { start: start!, end: end! };
}

export async function createCampaign(
  ctx: ServiceContext,
  tenant: Tenant,
  input: CampaignInput & { brandId: string; name: string; startDate: string; endDate: string },
): Promise<Campaign> {
  const dates = parseDates(input);
  if ('problems' in dates) throw invalidInput(dates.problems);
  await requireBrand(ctx, tenant, input.brandId);
  const now = ctx.clock.now();
  const created = await ctx.db
    .transaction()
    .execute((trx) =>
      createCampaignIn(ctx, trx, tenant, { ...input, start: dates.start, end: dates.end }, now),
    );
  ctx.counts.invalidate(campaignsResource(tenant));
  return toCampaign(created);
}

/**
 * The insert of `createCampaign` in the caller's transaction (a content plan's apply), for input already
 * checked: the brand is the tenant's, the dates parsed and ordered. `id` may be chosen by the caller.
 * The caller invalidates the campaigns count.
 */
export async function createCampaignIn(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  input: Omit<CampaignInput, 'startDate' | 'endDate'> & {
    brandId: string;
    name: string;
    start: number;
    end: number;
    id?: string;
  },
  now: number,
): Promise<CampaignRow> {
  const row: CampaignRow = {
    id: input.id ?? newId('campaign', now),
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    brand_id: input.brandId,
    name: input.name.trim(),
    description: input.description ?? null,
    start_date: input.start,
    end_date: input.end,
    status: input.status ?? 'DRAFT',
    goal: input.goal ?? null,
    platforms: JSON.stringify(input.platforms ?? []),
    started_at: null,
    created_at: now,
    updated_at: now,
  };
  await repo.insertCampaign(trx, tenant, row);
  return (await startIfDue(ctx, trx, row)) ?? row;
}

/**
 * `campaign.started`, once: an ACTIVE campaign whose start date has come and that has not started yet
 * starts now, in the caller's transaction. The `started_at is null` guard makes concurrent sweeps (and
 * an update racing a sweep) start it only once. Returns the started row, or undefined.
 */
export async function startIfDue(
  ctx: ServiceContext,
  db: Kysely<Database>,
  row: CampaignRow,
): Promise<CampaignRow | undefined> {
  const now = ctx.clock.now();
  if (row.status !== 'ACTIVE' || row.started_at !== null || row.start_date > now) return undefined;
  const tenant: Tenant = { organizationId: row.organization_id, environment: row.environment };
  const started = await repo.markStarted(db, tenant, row.id, now);
  if (!started) return undefined;
  await recordEvent(ctx, db, tenant, {
    type: 'campaign.started',
    brandId: row.brand_id,
    data: toCampaign(started),
  });
  return started;
}

/** The scheduler's part for campaigns: starts those whose start date has arrived. */
export async function startDueCampaigns(ctx: ServiceContext, limit = 200): Promise<number> {
  const due = await repo.campaignsDueToStart(ctx.db, ctx.clock.now(), limit);
  let started = 0;
  for (const row of due) {
    const done = await ctx.db.transaction().execute((trx) => startIfDue(ctx, trx, row));
    if (done) {
      started++;
      ctx.counts.invalidate(
        campaignsResource({ organizationId: row.organization_id, environment: row.environment }),
      );
    }
  }
  return started;
}

export const findCampaignRow = findByIdOr404(repo.findCampaign, 'campaign');

export async function getCampaign(ctx: ServiceContext, tenant: Tenant, id: string): Promise<Campaign> {
  return toCampaign(await findCampaignRow(ctx, tenant, id));
}

export const listCampaigns = tenantList({
  query: repo.campaignsQuery,
  sorts: CAMPAIGN_SORTS,
  counted: campaignsResource,
  show: toCampaign,
});

/**
 * Changes a campaign. `mode: 'merge'` (PATCH) keeps the fields the input leaves out; `mode: 'replace'`
 * (PUT, whose schema requires `brandId`, `name` and both dates) resets them: `description` and `goal` to
 * null, `platforms` to none. `status` left out stays in both modes; it moves only along the allowed
 * transitions (409).
 */
export async function updateCampaign(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  input: CampaignInput,
  mode: 'replace' | 'merge',
): Promise<Campaign> {
  const existing = await findCampaignRow(ctx, tenant, id);
  const dates = parseDates(input, existing);
  if ('problems' in dates) throw invalidInput(dates.problems);
  if (
    input.status !== undefined &&
    input.status !== existing.status &&
    !TRANSITIONS[existing.status].includes(input.status)
  ) {
    throw new AppError('CONFLICT', `A ${existing.status} campaign cannot become ${input.status}`, {
      field: 'status',
      from: existing.status,
      to: input.status,
      allowed: TRANSITIONS[existing.status],
    });
  }
  if (input.brandId !== undefined && input.brandId !== existing.brand_id) {
    throw invalidInput([{ field: 'brandId', reason: 'A campaign cannot move to another brand' }]);
  }
  const reset = mode === 'replace';
  const updated = await ctx.db.transaction().execute(async (trx) => {
    await repo.updateCampaign(trx, tenant, id, {
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.description !== undefined || reset ? { description: input.description ?? null } : {}),
      ...(input.goal !== undefined || reset ? { goal: input.goal ?? null } : {}),
      ...(input.platforms !== undefined || reset ? { platforms: JSON.stringify(input.platforms ?? []) } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      start_date: dates.start,
      end_date: dates.end,
      updated_at: ctx.clock.now(),
    });
    const row = await repo.findCampaign(trx, tenant, id);
    if (!row) return undefined;
    return (await startIfDue(ctx, trx, row)) ?? row;
  });
  if (!updated) throw notFound('campaign', id);
  ctx.counts.invalidate(campaignsResource(tenant));
  return toCampaign(updated);
}

/** Its posts stay, without a campaign. */
export async function deleteCampaign(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  onDeleted: () => void,
): Promise<{ id: string; deleted: true }> {
  const deleted = await repo.deleteCampaign(ctx.db, tenant, id);
  if (deleted === 0) throw notFound('campaign', id);
  ctx.counts.invalidate(campaignsResource(tenant));
  onDeleted();
  return { id, deleted: true };
}
