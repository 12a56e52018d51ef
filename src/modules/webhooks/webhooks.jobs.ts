import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { ulid } from '../../shared/ids.js';
import { scheduledDelay } from '../../shared/retry.js';
import { clip, clipOptional } from '../../shared/text.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { LookupFn } from '../../shared/ssrf.js';
import type { Tenant } from '../../shared/tenant.js';
import { withTraceparent } from '../../shared/trace.js';
import { VERSION } from '../../shared/version.js';
import {
  defineJob,
  jobType,
  JobError,
  type JobDefinition,
  type TypedJobContext,
} from '../../db/queue/contract.js';
import type { ServiceContext } from '../context.js';
import * as repo from './webhooks.repository.js';
import { sendAttempt, type AttemptResult } from './webhooks.send.js';
import { signatureHeaders } from './webhooks.signing.js';
import {
  ATTEMPT_ERROR_LENGTH,
  type DisabledReason,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../../db/tables/webhooks.js';

export const DELIVER_JOB = 'webhook.deliver';

/**
 * Delivery jobs the worker claims at once, for one of its slots (see `deliverBatch`): their requests are
 * all sent at the same time, so this is also how many requests one batch has open.
 */
export const DELIVERY_BATCH = 16;

/** `webhook.deliver`: one attempt of one delivery (the handler is `deliverHandler` below). */
export const DELIVER = jobType(DELIVER_JOB, Type.Object({ deliveryId: Type.String() }));
export type DeliverJobPayload = Static<typeof DELIVER.payload>;

export interface DeliveryDeps {
  ctx: ServiceContext;
  /** Opens endpoint secrets (the box that sealed them). */
  secrets: SecretBox;
  /** AUDENCI_ALLOW_PRIVATE_URLS. */
  allowPrivateUrls: boolean;
  /** AUDENCI_WEBHOOK_TIMEOUT_MS: the whole request, redirects included. */
  timeoutMs: number;
  /** AUDENCI_WEBHOOK_RETRY_DELAYS, seconds. */
  retryDelays: number[];
  /** AUDENCI_WEBHOOK_DISABLE_AFTER_HOURS, in ms: an endpoint failing this long is disabled. */
  disableAfterMs: number;
  /** The resolver the SSRF guard uses at connect time (tests inject one). */
  lookup?: LookupFn;
  /** Told each attempt's outcome once it is recorded (the worker counts and logs it). */
  observe?: (attempt: DeliveryObservation) => void;
}

/** One delivery attempt as metrics and logs see it: ids, the host, the status — no secret, no body. */
export interface DeliveryObservation {
  deliveryId: string;
  endpointId: string;
  eventId: string;
  /** The endpoint URL's host (never its path or query, which may hold a token). */
  host: string;
  attempt: number;
  outcome: AttemptResult['outcome'];
  status: number | null;
  durationMs: number;
  /** A failed attempt: whether another attempt follows, and why it failed. */
  willRetry?: boolean;
  error?: string;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

function observation(a: Attempt, retry?: boolean): DeliveryObservation {
  return {
    deliveryId: a.delivery.id,
    endpointId: a.endpoint.id,
    eventId: a.delivery.event_id,
    host: hostOf(a.endpoint.url),
    attempt: a.delivery.attempt_count + 1,
    outcome: a.result.outcome,
    status: a.result.responseStatus,
    durationMs: a.result.durationMs,
    ...(a.result.outcome === 'succeeded' ? {} : { willRetry: retry ?? false, error: a.result.error ?? '' }),
  };
}

const USER_AGENT = `Audenci-Webhooks/${VERSION}`;

/** The current secret, and the previous one while its rotation overlap lasts. */
function signingSecrets(box: SecretBox, endpoint: WebhookEndpointRow, now: number): string[] {
  const secrets = [box.open(endpoint.secret, endpoint.id)];
  if (endpoint.previous_secret !== null && (endpoint.previous_secret_expires_at ?? 0) > now) {
    secrets.push(box.open(endpoint.previous_secret, endpoint.id));
  }
  return secrets;
}

function disabledMessage(reason: DisabledReason | null): string {
  if (reason === 'gone') return 'Not sent: the endpoint was disabled after it answered 410 Gone';
  if (reason === 'failing') return 'Not sent: the endpoint was disabled after failing for too long';
  return 'Not sent: the endpoint is disabled';
}

function attemptRow(
  delivery: WebhookDeliveryRow,
  startedAt: number,
  result: AttemptResult,
): WebhookAttemptRow {
  return {
    id: ulid(startedAt),
    delivery_id: delivery.id,
    organization_id: delivery.organization_id,
    environment: delivery.environment,
    attempt: delivery.attempt_count + 1,
    started_at: startedAt,
    duration_ms: result.durationMs,
    response_status: result.responseStatus,
    response_body: result.responseBody,
    error: clipOptional(result.error, ATTEMPT_ERROR_LENGTH),
    outcome: result.outcome,
  };
}

async function recordAttempt(
  db: Kysely<Database>,
  tenant: Tenant,
  delivery: WebhookDeliveryRow,
  startedAt: number,
  result: AttemptResult,
): Promise<number> {
  const row = attemptRow(delivery, startedAt, result);
  await repo.insertAttempt(db, tenant, row);
  return row.attempt;
}

/** One attempt, made: what was sent where, and how it ended. */
interface Attempt {
  job: TypedJobContext<DeliverJobPayload>;
  tenant: Tenant;
  delivery: WebhookDeliveryRow;
  endpoint: WebhookEndpointRow;
  startedAt: number;
  finishedAt: number;
  result: AttemptResult;
}

/** What a failed attempt leads to: the endpoint disabled, another attempt at a time, or the end. */
function afterFailure(deps: DeliveryDeps, a: Attempt) {
  // Times after the answer: the worker schedules the retry from then on, too.
  const now = a.finishedAt;
  const failingSince = a.endpoint.failing_since ?? a.startedAt;
  const disable: DisabledReason | null =
    a.result.responseStatus === 410 ? 'gone' : now - failingSince >= deps.disableAfterMs ? 'failing' : null;
  const retry = disable === null && a.job.job.attempts < a.job.job.max_attempts;
  // The worker waits the same: the schedule's delay for this attempt, at least the receiver's Retry-After.
  const waitMs = scheduledDelay(deps.retryDelays, a.job.job.attempts, a.result.retryAfterMs);
  const why = disable === 'gone' ? '410 Gone' : 'failing for too long';
  return {
    disable,
    retry,
    nextAttemptAt: retry ? now + waitMs : null,
    message: disable ? `${a.result.error}; the endpoint is now disabled (${why})` : a.result.error!,
  };
}

/** A 2xx: recorded in the transaction that completes the job; the endpoint's failure run ends. */
async function recordSuccess(ctx: ServiceContext, a: Attempt): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const attempt = await recordAttempt(trx, a.tenant, a.delivery, a.startedAt, a.result);
    await repo.updateDelivery(trx, a.tenant, a.delivery.id, {
      status: 'succeeded',
      attempt_count: attempt,
      next_attempt_at: null,
      last_response_status: a.result.responseStatus,
      last_error: null,
      updated_at: a.finishedAt,
    });
    if (a.endpoint.failing_since !== null) {
      await repo.updateEndpoint(trx, a.tenant, a.endpoint.id, { failing_since: null });
    }
    await a.job.complete(trx, { attempt, status: a.result.responseStatus });
    return attempt;
  });
}

/**
 * Successes of several attempts, in one transaction: the attempts in one statement per tenant, then each
 * delivery, the endpoints whose run of failures ends, and each job's completion — what `recordSuccess`
 * does for one, for all of them at once. Answers each one's attempt number.
 */
async function recordSuccesses(ctx: ServiceContext, attempts: Attempt[]): Promise<number[]> {
  // Job order: the rows are locked in the order a lease heartbeat (`id in …`) locks them too.
  const ordered = [...attempts].sort((a, b) => (a.job.job.id < b.job.job.id ? -1 : 1));
  return ctx.db.transaction().execute(async (trx) => {
    const byTenant = new Map<string, Attempt[]>();
    for (const a of ordered) {
      const key = `${a.tenant.organizationId}/${a.tenant.environment}`;
      byTenant.set(key, [...(byTenant.get(key) ?? []), a]);
    }
    for (const group of byTenant.values()) {
      const tenant = group[0]!.tenant;
      await repo.insertAttempts(
        trx,
        tenant,
        group.map((a) => attemptRow(a.delivery, a.startedAt, a.result)),
      );
      await repo.markSucceeded(
        trx,
        tenant,
        group.map((a) => ({
          id: a.delivery.id,
          attemptCount: a.delivery.attempt_count + 1,
          responseStatus: a.result.responseStatus,
          at: a.finishedAt,
        })),
      );
      const recovered = new Set(
        group.filter((a) => a.endpoint.failing_since !== null).map((a) => a.endpoint.id),
      );
      for (const id of recovered) await repo.updateEndpoint(trx, tenant, id, { failing_since: null });
    }
    const done = ordered.map((a) => ({
      context: a.job,
      result: { attempt: a.delivery.attempt_count + 1, status: a.result.responseStatus },
    }));
    // One worker's jobs (a handler belongs to one worker): completed by one statement.
    const completeAll = ordered[0]?.job.completeAll;
    const oneWorker = ordered.every((a) => a.job.workerId === ordered[0]!.job.workerId);
    if (completeAll && oneWorker) await completeAll(trx, done);
    else for (const { context, result } of done) await context.complete(trx, result);
    return attempts.map((a) => a.delivery.attempt_count + 1);
  });
}

/**
 * Group commit of successful attempts: the ones that arrive while a transaction is being written wait
 * for the next one and go together, so a burst of answers costs a few transactions instead of one
 * each. Each caller learns its own outcome: if the transaction fails, every attempt in it gets the error
 * (and its job is retried, as when `recordSuccess` fails).
 */
class SuccessLog {
  private pending: { attempt: Attempt; resolve(n: number): void; reject(e: unknown): void }[] = [];
  private writing = false;

  constructor(private readonly ctx: ServiceContext) {}

  add(attempt: Attempt): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ attempt, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // The answers that arrive in this turn of the event loop go in the first transaction.
        setImmediate(() => void this.write());
      }
    });
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0) {
      const calls = this.pending.splice(0);
      try {
        const numbers = await recordSuccesses(
          this.ctx,
          calls.map((c) => c.attempt),
        );
        calls.forEach((c, i) => c.resolve(numbers[i]!));
      } catch (error) {
        for (const c of calls) c.reject(error);
      }
    }
    this.writing = false;
  }
}

/** Anything else: recorded (and committed) now; the returned error tells the worker what follows. */
async function recordFailure(deps: DeliveryDeps, a: Attempt): Promise<JobError> {
  const next = afterFailure(deps, a);
  await deps.ctx.db.transaction().execute(async (trx) => {
    const attempt = await recordAttempt(trx, a.tenant, a.delivery, a.startedAt, a.result);
    await repo.updateDelivery(trx, a.tenant, a.delivery.id, {
      status: next.retry ? 'pending' : 'failed',
      attempt_count: attempt,
      next_attempt_at: next.nextAttemptAt,
      last_response_status: a.result.responseStatus,
      last_error: clip(next.message, ATTEMPT_ERROR_LENGTH),
      updated_at: a.finishedAt,
    });
    await repo.startFailing(trx, a.tenant, a.endpoint.id, a.startedAt);
    if (next.disable) {
      const changes = { enabled: 0, disabled_reason: next.disable, updated_at: a.finishedAt };
      await repo.updateEndpoint(trx, a.tenant, a.endpoint.id, changes);
    }
  });
  deps.observe?.(observation(a, next.retry));
  return new JobError(next.message, next.retry, a.result.retryAfterMs);
}

/** The Standard Webhooks headers of this attempt, and ours. */
function requestHeaders(
  deps: DeliveryDeps,
  delivery: WebhookDeliveryRow,
  endpoint: WebhookEndpointRow,
  now: number,
) {
  const secrets = signingSecrets(deps.secrets, endpoint, now);
  return {
    ...signatureHeaders(secrets, delivery.event_id, Math.floor(now / 1000), delivery.payload),
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
  };
}

/**
 * One attempt of one delivery: sign (Standard Webhooks, a fresh timestamp each attempt, the event id as
 * `webhook-id` on all of them), POST through the SSRF-guarded client, record the attempt. A success is
 * recorded in the transaction that completes the job. A failure is recorded before the error is thrown
 * for the worker to retry, so the log keeps it either way. `410 Gone`, and failing for longer than the
 * disable window, disable the endpoint.
 */
export function deliverHandler(deps: DeliveryDeps): JobDefinition {
  const { ctx } = deps;
  const successes = new SuccessLog(ctx);
  return defineJob(DELIVER, {
    retryDelays: deps.retryDelays,
    batch: { max: DELIVERY_BATCH, run: (items) => deliverBatch(deps, successes, items) },
    async run({ deliveryId }, job) {
      const tenant: Tenant = { organizationId: job.job.organization_id!, environment: job.job.environment! };
      const delivery = await repo.findDelivery(ctx.db, tenant, deliveryId);
      if (!delivery) return { skipped: 'the endpoint and its deliveries were deleted' };
      if (delivery.status !== 'pending') return { skipped: `the delivery is ${delivery.status}` };
      const endpoint = await repo.findEndpoint(ctx.db, tenant, delivery.endpoint_id);
      if (!endpoint) return { skipped: 'the endpoint was deleted' };
      if (endpoint.enabled !== 1) throw new JobError(disabledMessage(endpoint.disabled_reason), false);
      if (!(await job.holdsLease())) throw new JobError('The lease on this job was lost', true);

      const startedAt = ctx.clock.now();
      const result = await sendAttempt(
        endpoint.url,
        delivery.payload,
        requestHeaders(deps, delivery, endpoint, startedAt),
        { allowPrivate: deps.allowPrivateUrls, timeoutMs: deps.timeoutMs, lookup: deps.lookup },
        startedAt,
      );
      const attempt: Attempt = {
        job,
        tenant,
        delivery,
        endpoint,
        startedAt,
        finishedAt: ctx.clock.now(),
        result,
      };
      if (result.outcome !== 'succeeded') throw await recordFailure(deps, attempt);
      const recorded = await recordSuccess(ctx, attempt);
      deps.observe?.(observation(attempt));
      return { attempt: recorded, status: result.responseStatus };
    },
    async onDeadLetter(trx, job, error, { deliveryId }) {
      const changes = {
        status: 'failed' as const,
        next_attempt_at: null,
        last_error: clip(error.message, ATTEMPT_ERROR_LENGTH),
        updated_at: ctx.clock.now(),
      };
      const tenant: Tenant = { organizationId: job.organization_id!, environment: job.environment! };
      await repo.updateDelivery(trx, tenant, deliveryId, changes, ['pending']);
    },
  });
}

/** What one delivery job of a batch found: its delivery and endpoint, or why it is not sent. */
type Loaded =
  { delivery: WebhookDeliveryRow; endpoint: WebhookEndpointRow } | { skipped: string } | { error: JobError };

/**
 * The deliveries and endpoints of a batch's jobs, read with one query each per tenant of the batch
 * (each job reads within its own job's tenant), with the checks `run` makes before sending.
 */
async function loadBatch(
  deps: DeliveryDeps,
  items: { payload: DeliverJobPayload; context: TypedJobContext<DeliverJobPayload> }[],
): Promise<Loaded[]> {
  const tenants = new Map<string, { tenant: Tenant; ids: string[] }>();
  const keys = items.map(({ payload, context }) => {
    const tenant = jobTenant(context.job);
    const key = `${tenant.organizationId}/${tenant.environment}`;
    const group = tenants.get(key) ?? { tenant, ids: [] };
    group.ids.push(payload.deliveryId);
    tenants.set(key, group);
    return key;
  });
  const found = new Map<
    string,
    { deliveries: Map<string, WebhookDeliveryRow>; endpoints: Map<string, WebhookEndpointRow> }
  >();
  for (const [key, { tenant, ids }] of tenants) {
    const deliveries = await repo.findDeliveries(deps.ctx.db, tenant, ids);
    const endpointIds = [...new Set(deliveries.map((d) => d.endpoint_id))];
    const endpoints = await repo.findEndpoints(deps.ctx.db, tenant, endpointIds);
    found.set(key, {
      deliveries: new Map(deliveries.map((d) => [d.id, d])),
      endpoints: new Map(endpoints.map((e) => [e.id, e])),
    });
  }
  return items.map(({ payload }, i) => {
    const rows = found.get(keys[i]!)!;
    const delivery = rows.deliveries.get(payload.deliveryId);
    if (!delivery) return { skipped: 'the endpoint and its deliveries were deleted' };
    if (delivery.status !== 'pending') return { skipped: `the delivery is ${delivery.status}` };
    const endpoint = rows.endpoints.get(delivery.endpoint_id);
    if (!endpoint) return { skipped: 'the endpoint was deleted' };
    if (endpoint.enabled !== 1)
      return { error: new JobError(disabledMessage(endpoint.disabled_reason), false) };
    return { delivery, endpoint };
  });
}

function jobTenant(job: {
  organization_id: string | null;
  environment: Tenant['environment'] | null;
}): Tenant {
  return { organizationId: job.organization_id!, environment: job.environment! };
}

/**
 * A batch of delivery jobs (up to DELIVERY_BATCH, claimed together): the deliveries and endpoints are
 * read together, every request is sent at once (each in its job's trace, each signed with a fresh
 * timestamp), a failure is recorded on its own as `run` records it, and the successes go through the
 * group commit. Every job keeps `run`'s guarantees: the lease checked before its request, its success
 * recorded in the transaction that completes its job.
 */
async function deliverBatch(
  deps: DeliveryDeps,
  successes: SuccessLog,
  items: { payload: DeliverJobPayload; context: TypedJobContext<DeliverJobPayload> }[],
): Promise<PromiseSettledResult<unknown>[]> {
  const { ctx } = deps;
  const loaded = await loadBatch(deps, items);
  const one = async (i: number): Promise<unknown> => {
    const job = items[i]!.context;
    const inTrace = <T>(fn: () => T): T => (job.inTrace ? job.inTrace(fn) : fn());
    const found = loaded[i]!;
    if ('skipped' in found) return { skipped: found.skipped };
    if ('error' in found) throw found.error;
    const { delivery, endpoint } = found;
    if (!(await job.holdsLease())) throw new JobError('The lease on this job was lost', true);
    const startedAt = ctx.clock.now();
    // The request carries the job's trace (its traceparent, taken now); the trace is not kept entered
    // while the request is under way: each trace entered costs every promise of the process something.
    const headers = inTrace(() => withTraceparent(requestHeaders(deps, delivery, endpoint, startedAt)));
    const result = await sendAttempt(
      endpoint.url,
      delivery.payload,
      headers,
      { allowPrivate: deps.allowPrivateUrls, timeoutMs: deps.timeoutMs, lookup: deps.lookup },
      startedAt,
    );
    const attempt: Attempt = {
      job,
      tenant: jobTenant(job.job),
      delivery,
      endpoint,
      startedAt,
      finishedAt: ctx.clock.now(),
      result,
    };
    if (result.outcome !== 'succeeded') throw await inTrace(() => recordFailure(deps, attempt));
    const recorded = await successes.add(attempt);
    inTrace(() => deps.observe?.(observation(attempt)));
    return { attempt: recorded, status: result.responseStatus };
  };
  return Promise.allSettled(items.map((_, i) => one(i)));
}

/** Handlers the webhooks module contributes to the worker. */
export function webhooksWorkerParts(deps: DeliveryDeps) {
  return { jobs: [deliverHandler(deps)] };
}
