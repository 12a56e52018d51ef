import { toIso } from '../../shared/clock.js';
import { isTimeZone } from '../../shared/dates.js';
import { AppError, invalidInput, notFound, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { tenantList, BY_CREATED_AT, BY_UPDATED_AT, BY_NAME } from '../lists.js';
import * as repo from './brands.repository.js';
import type { BrandRow } from '../../db/tables/brands.js';

export interface Brand {
  id: string;
  name: string;
  timezone: string;
  voice: string | null;
  colors: string[];
  createdAt: string;
  updatedAt: string;
}

export interface BrandInput {
  name?: string;
  timezone?: string;
  voice?: string | null;
  colors?: string[];
}

export const DEFAULT_TIMEZONE = 'UTC';

export function toBrand(row: BrandRow): Brand {
  return {
    id: row.id,
    name: row.name,
    timezone: row.timezone,
    voice: row.voice,
    colors: JSON.parse(row.colors) as string[],
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

/** The count cache's resource for a tenant's brands (`totalCount` of the list). */
export function brandsResource(tenant: Tenant): string {
  return `brands:${tenant.organizationId}:${tenant.environment}`;
}

export { isTimeZone };

/** Rules the schema cannot express; shape and lengths are checked by the route schema already. */
function check(input: BrandInput): void {
  const problems: FieldProblem[] = [];
  if (input.name !== undefined && input.name.trim() === '')
    problems.push({ field: 'name', reason: 'Must not be blank' });
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    problems.push({ field: 'timezone', reason: 'Must be an IANA time zone, e.g. Europe/Paris' });
  }
  if (problems.length) throw invalidInput(problems);
}

export async function createBrand(
  ctx: ServiceContext,
  tenant: Tenant,
  input: BrandInput & { name: string },
): Promise<Brand> {
  check(input);
  const now = ctx.clock.now();
  const row: BrandRow = {
    id: newId('brand', now),
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    name: input.name.trim(),
    timezone: input.timezone ?? DEFAULT_TIMEZONE,
    voice: input.voice ?? null,
    colors: JSON.stringify(input.colors ?? []),
    created_at: now,
    updated_at: now,
  };
  await repo.insertBrand(ctx.db, tenant, row);
  ctx.counts.invalidate(brandsResource(tenant));
  return toBrand(row);
}

const findBrandRow = findByIdOr404(repo.findBrand, 'brand');

export async function getBrand(ctx: ServiceContext, tenant: Tenant, id: string): Promise<Brand> {
  return toBrand(await findBrandRow(ctx, tenant, id));
}

/**
 * The brand a write names (a new campaign's, account's or media item's `brandId`): one the tenant does not
 * have is the request's mistake, so 400 naming `field` rather than 404.
 */
export async function requireBrand(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  field = 'brandId',
): Promise<Brand> {
  const row = await repo.findBrand(ctx.db, tenant, id);
  if (!row) throw invalidInput([{ field, reason: `No brand with id '${id}'` }]);
  return toBrand(row);
}

export const listBrands = tenantList({
  query: repo.brandsQuery,
  sorts: { createdAt: BY_CREATED_AT, updatedAt: BY_UPDATED_AT, name: BY_NAME },
  counted: brandsResource,
  show: toBrand,
});

/**
 * Changes a brand. `mode: 'merge'` (PATCH) keeps the fields the input leaves out; `mode: 'replace'`
 * (PUT, whose schema requires `name`) resets them as creation would: `timezone` to UTC, `voice` to null,
 * `colors` to none.
 */
export async function updateBrand(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  input: BrandInput,
  mode: 'replace' | 'merge',
): Promise<Brand> {
  check(input);
  const reset = mode === 'replace';
  const updated = await repo.updateBrand(ctx.db, tenant, id, {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.timezone !== undefined || reset ? { timezone: input.timezone ?? DEFAULT_TIMEZONE } : {}),
    ...(input.voice !== undefined || reset ? { voice: input.voice ?? null } : {}),
    ...(input.colors !== undefined || reset ? { colors: JSON.stringify(input.colors ?? []) } : {}),
    updated_at: ctx.clock.now(),
  });
  if (updated === 0) throw notFound('brand', id);
  // A new name changes the counts filtered by name.
  ctx.counts.invalidate(brandsResource(tenant));
  return getBrand(ctx, tenant, id);
}

export async function deleteBrand(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
): Promise<{ id: string; deleted: true }> {
  // A brand with posts or campaigns is not deleted (409): they would lose their owner.
  await findBrandRow(ctx, tenant, id);
  const dependents = await repo.countDependents(ctx.db, tenant, id);
  if (dependents.posts > 0 || dependents.campaigns > 0) {
    throw new AppError(
      'CONFLICT',
      `The brand still has ${dependents.posts} post(s) and ${dependents.campaigns} campaign(s); delete them first`,
      dependents,
    );
  }
  const deleted = await repo.deleteBrand(ctx.db, tenant, id);
  if (deleted === 0) throw notFound('brand', id);
  ctx.counts.invalidate(brandsResource(tenant));
  return { id, deleted: true };
}
