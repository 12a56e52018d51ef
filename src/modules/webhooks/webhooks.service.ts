import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { ListParams } from '../../db/paginate.js';
import { toIso } from '../../shared/clock.js';
import { conflict, invalidInput, notFound, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { assertPublicUrl, assertUrlForm, UnsafeUrlError, type LookupFn } from '../../shared/ssrf.js';
import type { Tenant } from '../../shared/tenant.js';
import { EVENT_TYPES } from '../../db/tables/events.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404, type Deleted } from '../by-id.js';
import { recordAudit, type AuditOrigin } from '../audit/index.js';
import { listPage, BY_CREATED_AT, type Listing } from '../lists.js';
import * as repo from './webhooks.repository.js';
import { generateSecret } from './webhooks.signing.js';
import { type DisabledReason, type WebhookEndpointRow } from '../../db/tables/webhooks.js';

/** What the webhooks module needs beyond the service context: the secret box and the SSRF setting. */
export interface WebhooksContext extends ServiceContext {
  /** Seals endpoint secrets at rest (a key derived for 'webhook-secrets'). */
  secrets: SecretBox;
  /** AUDENCI_ALLOW_PRIVATE_URLS: lifts the SSRF guard (local development and tests). */
  allowPrivateUrls: boolean;
  /** The resolver the SSRF guard uses (tests inject one). */
  lookup?: LookupFn;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabledReason: DisabledReason | null;
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

export const DEFAULT_OVERLAP_SECONDS = 86_400;

const SUBSCRIBABLE = new Set<string>([...EVENT_TYPES, '*']);

/** The API view: the secret is never part of it (it is shown once, by create and rotate). */
export function toEndpoint(row: WebhookEndpointRow, now: number): WebhookEndpoint {
  const overlapping = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    failingSince: toIso(row.failing_since),
    previousSecretExpiresAt: overlapping ? toIso(row.previous_secret_expires_at) : null,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export function webhooksResource(tenant: Tenant): string {
  return `webhooks:${tenant.organizationId}:${tenant.environment}`;
}

const UNSAFE_REASONS: Record<UnsafeUrlError['reason'], string> = {
  scheme: 'Must use http or https',
  credentials: 'Must not contain a user name or password',
  too_long: 'Must be at most 2048 characters',
  invalid: 'Must be an absolute http or https URL',
  private_address:
    'Resolves to a private, loopback or link-local address; webhooks go to public addresses only ' +
    '(the server operator can allow private ones with AUDENCI_ALLOW_PRIVATE_URLS=true)',
  unresolvable: 'Its host name does not resolve',
};

function urlProblem(error: UnsafeUrlError): FieldProblem {
  const address = error.address ? ` (${error.address})` : '';
  return { field: 'url', reason: UNSAFE_REASONS[error.reason] + address };
}

/**
 * The problems of a webhook body that the body alone shows: unknown event types, and a URL refused by
 * its form — scheme, credentials, length, a literal private address (unless `allowPrivate`). Whether a
 * host name resolves to public addresses is the service's to check, after.
 */
export function webhookInputProblems(input: Record<string, unknown>, allowPrivate: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof input.url === 'string') {
    try {
      assertUrlForm(input.url, { allowPrivate });
    } catch (error) {
      if (!(error instanceof UnsafeUrlError)) throw error;
      problems.push(urlProblem(error));
    }
  }
  if (Array.isArray(input.events)) {
    input.events.forEach((type, i) => {
      if (typeof type === 'string' && !SUBSCRIBABLE.has(type)) {
        problems.push({
          field: `events.${i}`,
          reason: `Unknown event type '${type}'; use one of: ${EVENT_TYPES.join(', ')}, or "*" for all`,
        });
      }
    });
  }
  return problems;
}

/** The message of a 400 led by unknown event types: it names them all. */
export function webhookProblemsMessage(
  problems: FieldProblem[],
  input: Record<string, unknown>,
): string | undefined {
  const events = Array.isArray(input.events) ? (input.events as unknown[]) : [];
  const unknown = problems
    .filter((p) => p.field.startsWith('events.'))
    .map((p) => `'${String(events[Number(p.field.split('.')[1])])}'`);
  if (!problems[0]?.field.startsWith('events.')) return undefined;
  return `Unknown event type${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`;
}

/**
 * Every problem the body shows, then the SSRF guard at registration and update: a URL whose host does not
 * resolve, or resolves to a private address, is a 400 naming `url`, never a 500.
 */
async function checkInput(ctx: WebhooksContext, input: EndpointInput): Promise<void> {
  const problems = webhookInputProblems(input as Record<string, unknown>, ctx.allowPrivateUrls);
  if (problems.length) {
    throw invalidInput(problems, webhookProblemsMessage(problems, input as Record<string, unknown>));
  }
  if (input.url === undefined) return;
  try {
    await assertPublicUrl(input.url, { allowPrivate: ctx.allowPrivateUrls, lookup: ctx.lookup });
  } catch (error) {
    if (!(error instanceof UnsafeUrlError)) throw error;
    throw invalidInput([urlProblem(error)]);
  }
}

/** Records `action` on endpoint `id` in `db`, the transaction of the change. `data` never holds a secret. */
function auditEndpoint(
  db: Kysely<Database>,
  change: { tenant: Tenant; origin: AuditOrigin; at: number },
  action: string,
  id: string,
  data: Record<string, unknown>,
) {
  return recordAudit(db, {
    ...change.origin,
    organizationId: change.tenant.organizationId,
    environment: change.tenant.environment,
    action: `webhook_endpoint.${action}`,
    target: { type: 'webhook_endpoint', id },
    data,
    at: change.at,
  });
}

/** What the audit log keeps of an endpoint's settings (not its secret). */
function auditedSettings(row: Pick<WebhookEndpointRow, 'url' | 'events' | 'enabled'>) {
  return { url: row.url, events: JSON.parse(row.events) as string[], enabled: row.enabled === 1 };
}

export async function createEndpoint(
  ctx: WebhooksContext,
  tenant: Tenant,
  input: EndpointInput & { url: string; events: string[] },
  origin: AuditOrigin,
): Promise<WebhookEndpoint & { secret: string }> {
  await checkInput(ctx, input);
  const now = ctx.clock.now();
  const id = newId('webhook', now);
  const secret = generateSecret();
  const row: WebhookEndpointRow = {
    id,
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    url: input.url,
    description: input.description ?? null,
    events: JSON.stringify(input.events),
    enabled: input.enabled === false ? 0 : 1,
    disabled_reason: null,
    secret: ctx.secrets.seal(secret, id),
    previous_secret: null,
    previous_secret_expires_at: null,
    failing_since: null,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await repo.insertEndpoint(trx, tenant, row);
    await auditEndpoint(trx, { tenant, origin, at: now }, 'created', id, auditedSettings(row));
  });
  ctx.counts.invalidate(webhooksResource(tenant));
  return { ...toEndpoint(row, now), secret };
}

export const findEndpointRow = findByIdOr404(repo.findEndpoint, 'webhook endpoint');

export async function getEndpoint(ctx: ServiceContext, tenant: Tenant, id: string): Promise<WebhookEndpoint> {
  return toEndpoint(await findEndpointRow(ctx, tenant, id), ctx.clock.now());
}

export async function listEndpoints(
  ctx: ServiceContext,
  tenant: Tenant,
  params: ListParams,
): Promise<Listing<WebhookEndpoint>> {
  const now = ctx.clock.now();
  return listPage(
    ctx,
    repo.endpointsQuery(ctx.db, tenant),
    { params, filters: {}, sorts: { createdAt: BY_CREATED_AT }, counted: webhooksResource(tenant) },
    (row) => toEndpoint(row, now),
  );
}

/**
 * Changes an endpoint. `mode: 'merge'` (PATCH) keeps the fields the input leaves out; `mode: 'replace'`
 * (PUT, whose schema requires `url` and `events`) resets them as creation would: `description` to null,
 * `enabled` to true. Enabling a disabled endpoint clears why Audenci disabled it and the failure run;
 * disabling it clears them too; sending the value it already has changes neither.
 */
export async function updateEndpoint(
  ctx: WebhooksContext,
  tenant: Tenant,
  id: string,
  input: EndpointInput,
  mode: 'replace' | 'merge',
  origin: AuditOrigin,
): Promise<WebhookEndpoint> {
  const existing = await findEndpointRow(ctx, tenant, id);
  await checkInput(ctx, input);
  const reset = mode === 'replace';
  const enabled = input.enabled ?? (reset ? true : undefined);
  const now = ctx.clock.now();
  const changes = {
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.events !== undefined ? { events: JSON.stringify(input.events) } : {}),
    ...(input.description !== undefined || reset ? { description: input.description ?? null } : {}),
    ...(enabled !== undefined && (enabled ? 1 : 0) !== existing.enabled
      ? { enabled: enabled ? 1 : 0, disabled_reason: null, failing_since: null }
      : {}),
  };
  await ctx.db.transaction().execute(async (trx) => {
    await repo.updateEndpoint(trx, tenant, id, {
      ...changes,
      updated_at: Math.max(now, existing.updated_at + 1),
    });
    const changed = settingsChanged(existing, { ...existing, ...changes });
    if (changed) await auditEndpoint(trx, { tenant, origin, at: now }, 'updated', id, changed);
  });
  ctx.counts.invalidate(webhooksResource(tenant));
  return getEndpoint(ctx, tenant, id);
}

/**
 * The audited settings that differ, each as `{from, to}` (the URL, the events, enabled); undefined when
 * none does (a description alone is not a security-relevant change).
 */
function settingsChanged(
  before: WebhookEndpointRow,
  after: WebhookEndpointRow,
): Record<string, { from: unknown; to: unknown }> | undefined {
  const from = auditedSettings(before);
  const to = auditedSettings(after);
  const fields = (Object.keys(from) as (keyof typeof from)[]).filter(
    (field) => JSON.stringify(from[field]) !== JSON.stringify(to[field]),
  );
  if (fields.length === 0) return undefined;
  return Object.fromEntries(fields.map((field) => [field, { from: from[field], to: to[field] }]));
}

/** Its deliveries and their attempts go with it; jobs still queued for them find nothing to send. */
export async function deleteEndpoint(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  origin: AuditOrigin,
): Promise<Deleted> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await repo.findEndpoint(trx, tenant, id);
    if (!row) throw notFound('webhook endpoint', id);
    await repo.deleteEndpoint(trx, tenant, id);
    await auditEndpoint(trx, { tenant, origin, at: ctx.clock.now() }, 'deleted', id, auditedSettings(row));
  });
  ctx.counts.invalidate(webhooksResource(tenant));
  return { id, deleted: true };
}

/**
 * A new secret, shown once. The old one keeps signing for `overlapSeconds` (0 ends it now), so that
 * deliveries carry both signatures while receivers switch over. A secret replaced earlier and still in
 * its overlap is dropped: at most two secrets sign at a time.
 */
export async function rotateSecret(
  ctx: WebhooksContext,
  tenant: Tenant,
  id: string,
  origin: AuditOrigin,
  overlapSeconds = DEFAULT_OVERLAP_SECONDS,
): Promise<WebhookEndpoint & { secret: string }> {
  const existing = await findEndpointRow(ctx, tenant, id);
  const now = ctx.clock.now();
  const secret = generateSecret();
  await ctx.db.transaction().execute(async (trx) => {
    await repo.updateEndpoint(trx, tenant, id, {
      secret: ctx.secrets.seal(secret, id),
      previous_secret: overlapSeconds > 0 ? existing.secret : null,
      previous_secret_expires_at: overlapSeconds > 0 ? now + overlapSeconds * 1000 : null,
      updated_at: Math.max(now, existing.updated_at + 1),
    });
    await auditEndpoint(trx, { tenant, origin, at: now }, 'secret_rotated', id, { overlapSeconds });
  });
  return { ...(await getEndpoint(ctx, tenant, id)), secret };
}

export function requireEnabled(row: WebhookEndpointRow, what: string): void {
  if (row.enabled === 1) return;
  throw conflict(`The webhook endpoint is disabled; enable it (PATCH enabled: true) before ${what}`, {
    disabledReason: row.disabled_reason,
  });
}
