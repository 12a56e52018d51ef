import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { invalidInput, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { toIso } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import { recordAudit, type AuditOrigin } from '../audit/index.js';
import * as repo from './organizations.repository.js';
import {
  PLANS,
  PLAN_RATE_LIMITS,
  type OrganizationRow,
  type PlanName,
} from '../../db/tables/organizations.js';

export interface Organization {
  id: string;
  name: string;
  plan: PlanName;
  rateLimit: { limit: number; window: 'hour'; override: boolean };
  createdAt: string;
  updatedAt: string;
}

export function rateLimitOf(org: Pick<OrganizationRow, 'plan' | 'rate_limit_override'>): number {
  return org.rate_limit_override ?? PLAN_RATE_LIMITS[org.plan];
}

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    rateLimit: { limit: rateLimitOf(row), window: 'hour', override: row.rate_limit_override !== null },
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export interface CreateOrganizationInput {
  name: string;
  plan: string;
  rateLimit?: number | null;
}

/** Longest organization name, and highest per-organization rate limit (requests per hour). */
export const MAX_ORGANIZATION_NAME_LENGTH = 200;
export const MAX_RATE_LIMIT = 10_000_000;

function checkInput(input: { name?: string; plan?: string; rateLimit?: number | null }): void {
  const problems = [];
  if (
    input.name !== undefined &&
    (input.name.trim() === '' || input.name.length > MAX_ORGANIZATION_NAME_LENGTH)
  ) {
    problems.push({ field: 'name', reason: `Must be 1 to ${MAX_ORGANIZATION_NAME_LENGTH} characters` });
  }
  if (input.plan !== undefined && !(PLANS as readonly string[]).includes(input.plan)) {
    problems.push({ field: 'plan', reason: `Must be one of: ${PLANS.join(', ')}` });
  }
  if (
    input.rateLimit != null &&
    (!Number.isInteger(input.rateLimit) || input.rateLimit < 1 || input.rateLimit > MAX_RATE_LIMIT)
  ) {
    problems.push({
      field: 'rateLimit',
      reason: `Must be a whole number of requests per hour from 1 to ${MAX_RATE_LIMIT}`,
    });
  }
  if (problems.length) throw invalidInput(problems);
}

export async function createOrganization(
  db: Kysely<Database>,
  clock: Clock,
  input: CreateOrganizationInput,
): Promise<Organization> {
  checkInput(input);
  const now = clock.now();
  const row: OrganizationRow = {
    id: newId('organization', now),
    name: input.name.trim(),
    plan: input.plan as PlanName,
    rate_limit_override: input.rateLimit ?? null,
    created_at: now,
    updated_at: now,
  };
  await repo.insertOrganization(db, row);
  return toOrganization(row);
}

export async function getOrganization(db: Kysely<Database>, id: string): Promise<Organization> {
  const row = await repo.findOrganization(db, id);
  if (!row) throw notFound('organization', id);
  return toOrganization(row);
}

export async function listOrganizations(db: Kysely<Database>): Promise<Organization[]> {
  return (await repo.listOrganizations(db)).map(toOrganization);
}

export async function updateOrganization(
  db: Kysely<Database>,
  clock: Clock,
  id: string,
  input: { name?: string; plan?: string; rateLimit?: number | null },
): Promise<Organization> {
  checkInput(input);
  const existing = await repo.findOrganization(db, id);
  if (!existing) throw notFound('organization', id);
  await repo.updateOrganization(db, id, {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.plan !== undefined ? { plan: input.plan as PlanName } : {}),
    ...(input.rateLimit !== undefined ? { rate_limit_override: input.rateLimit } : {}),
    updated_at: clock.now(),
  });
  return getOrganization(db, id);
}

/**
 * `PATCH /organization`: a new name, chosen by an admin of the organization. Recorded as
 * `organization.updated` with the name before and after (nothing recorded when it is the same).
 */
export async function renameOrganization(
  db: Kysely<Database>,
  clock: Clock,
  id: string,
  name: string,
  origin: AuditOrigin,
): Promise<Organization> {
  checkInput({ name });
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    const existing = await repo.findOrganization(trx, id);
    if (!existing) throw notFound('organization', id);
    const after = name.trim();
    if (after === existing.name) return;
    await repo.updateOrganization(trx, id, { name: after, updated_at: now });
    await recordAudit(trx, {
      ...origin,
      organizationId: id,
      environment: null,
      action: 'organization.updated',
      target: { type: 'organization', id },
      data: { name: { before: existing.name, after } },
      at: now,
    });
  });
  return getOrganization(db, id);
}

export const countOrganizations = repo.countOrganizations;
