import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped, unscoped } from '../../db/tenant.js';
import {
  PlatformError,
  type PublishMedia,
  type PublishRequest,
  type PublishResult,
} from '../../platforms/connector.js';
import type { ConnectorRegistry } from '../../platforms/registry.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import {
  defineJob,
  jobType,
  JobError,
  type JobContext,
  type JobDefinition,
  type TypedJobContext,
} from '../../db/queue/contract.js';
import type { ServiceContext } from '../context.js';
import { recordEvent, recordEvents } from '../events/index.js';
import { Coalescer, settledAll } from './posts.coalesce.js';
import { markPublishedMany } from './posts.repository.js';
import { postsResource, toPost } from './posts.service.js';
import type { PostRow } from '../../db/tables/posts.js';

/** The account a post publishes as, with its decrypted token (from the accounts module). */
export interface PublishingAccount {
  /** Its id, stored on a post that named none; null for a test post's built-in sandbox identity. */
  id: string | null;
  platformAccountId: string;
  accessToken: string;
  metadata: Record<string, string>;
}

export type AccountResolver = (tenant: Tenant, post: PostRow) => Promise<PublishingAccount>;

/**
 * The media of a post as connectors take it (a link the platform can fetch, and the bytes), in order;
 * throws AppError when an item no longer exists (from the media module).
 */
export type MediaLoader = (tenant: Tenant, ids: string[]) => Promise<PublishMedia[]>;

export interface PublishDeps {
  ctx: ServiceContext;
  connectors: ConnectorRegistry;
  /**
   * Resolves a post's social account: the one it names, else its brand's only one of the platform (a test
   * post without any: the sandbox identity); throws AppError when it cannot publish.
   */
  resolveAccount: AccountResolver;
  loadMedia: MediaLoader;
  /** Seconds between attempts after transient failures (AUDENCI_PUBLISH_RETRY_DELAYS). */
  retryDelays: number[];
  /**
   * Runs in the transaction that marks posts PUBLISHED (e.g. schedules their metric syncs), so what it
   * enqueues exists exactly when they are published. It gets the posts of one tenant that this
   * transaction published, all at once, so that it can write for them in one statement.
   */
  onPublished?: (trx: Kysely<Database>, tenant: Tenant, posts: PostRow[]) => Promise<void>;
  /**
   * Told how each attempt at a post ended, by platform: `published`, `retrying` (a transient failure
   * with attempts left) or `failed` (the post ends FAILED). For `audenci_publish_total`.
   */
  onOutcome?: (platform: string, outcome: PublishOutcome) => void;
}

export type PublishOutcome = 'published' | 'retrying' | 'failed';

export const PUBLISH_JOB = 'post.publish';

/** `post.publish`: publishes one PUBLISHING post (the handler is `publishHandler` below). */
export const PUBLISH = jobType(PUBLISH_JOB, Type.Object({ postId: Type.String() }));
export type PublishJobPayload = Static<typeof PUBLISH.payload>;

/** One publish job per post, ever: a second request to publish cannot enqueue another. */
export function publishDedupeKey(postId: string): string {
  return `${PUBLISH_JOB}:${postId}`;
}

/** The publish job of a post, as the queue takes it. */
function publishJob(postId: string, tenant: Tenant, maxAttempts: number) {
  return { ...PUBLISH.job({ postId }), tenant, maxAttempts, dedupeKey: publishDedupeKey(postId) };
}

export async function enqueuePublish(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  postId: string,
  maxAttempts: number,
) {
  await ctx.queue.enqueue(trx, publishJob(postId, tenant, maxAttempts));
}

function tenantOf(row: { organization_id: string; environment: Tenant['environment'] }): Tenant {
  return { organizationId: row.organization_id, environment: row.environment };
}

/** Groups items by tenant (and by `more`, when given), in first-seen order. */
function byTenant<T>(items: readonly T[], tenantOfItem: (item: T) => Tenant, more?: (item: T) => string) {
  const groups = new Map<string, { tenant: Tenant; items: T[]; indexes: number[] }>();
  items.forEach((item, index) => {
    const tenant = tenantOfItem(item);
    const key = `${tenant.organizationId}\u0000${tenant.environment}\u0000${more?.(item) ?? ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { tenant, items: [], indexes: [] }));
    group.items.push(item);
    group.indexes.push(index);
  });
  return [...groups.values()];
}

/**
 * The scheduler: SCHEDULED posts whose time has come move to PUBLISHING, each with its publish job, in
 * one transaction. The status check in the UPDATE (and `SKIP LOCKED` where available) lets any number
 * of workers sweep at once without handing a post over twice.
 */
export async function sweepDuePosts(ctx: ServiceContext, maxAttempts: number, limit = 200): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db.transaction().execute(async (trx) => {
    let candidates = unscoped(trx, 'the scheduler hands over the due posts of every tenant')
      .selectFrom('posts')
      .select('id')
      .where('status', '=', 'SCHEDULED')
      .where('scheduled_for', '<=', now)
      .orderBy('scheduled_for')
      .limit(limit);
    if (ctx.capabilities.supportsSkipLocked) candidates = candidates.forUpdate().skipLocked();
    const rows = await unscoped(trx, 'the due posts just selected, of every tenant')
      .updateTable('posts')
      .set({ status: 'PUBLISHING', updated_at: now })
      .where('id', 'in', candidates)
      .where('status', '=', 'SCHEDULED')
      .returning(['id', 'organization_id', 'environment'])
      .execute();
    // Their publish jobs in one statement (each with its dedupe key, as `enqueuePublish` makes it).
    await ctx.queue.enqueueMany(
      trx,
      rows.map((row) => publishJob(row.id, tenantOf(row), maxAttempts)),
    );
    return rows;
  });
  for (const tenant of new Set(
    due.map((r) => postsResource({ organizationId: r.organization_id, environment: r.environment })),
  )) {
    ctx.counts.invalidate(tenant);
  }
  return due.length;
}

/** A failure that ends the post FAILED with this code and message. */
function failure(code: string, message: string, retryable = false, retryAfterMs?: number): JobError {
  return new JobError(message, retryable, retryAfterMs, { code, message });
}

/** Ends a PUBLISHING post FAILED and records `post.failed`, in the caller's transaction. */
async function markFailed(
  ctx: ServiceContext,
  db: Kysely<Database>,
  postId: string,
  code: string,
  message: string,
) {
  const row = await unscoped(db, "the dead-letter hook knows the post by its job's payload alone")
    .updateTable('posts')
    .set({
      status: 'FAILED',
      error_code: code,
      error_message: message.slice(0, 1000),
      updated_at: ctx.clock.now(),
    })
    .where('id', '=', postId)
    .where('status', '=', 'PUBLISHING')
    .returningAll()
    .executeTakeFirst();
  if (row) {
    const tenant: Tenant = { organizationId: row.organization_id, environment: row.environment };
    await recordEvent(ctx, db, tenant, { type: 'post.failed', brandId: row.brand_id, data: toPost(row) });
  }
}

function sandboxSteering(post: PostRow): PublishRequest['sandbox'] {
  const metadata = JSON.parse(post.metadata) as { sandbox?: { outcome?: unknown; failures?: unknown } };
  const steer = metadata.sandbox;
  if (!steer || typeof steer !== 'object') return undefined;
  const outcome = steer.outcome === 'fail' || steer.outcome === 'transient' ? steer.outcome : undefined;
  const failures =
    typeof steer.failures === 'number' && steer.failures >= 0 ? Math.floor(steer.failures) : undefined;
  return { outcome, failures };
}

/** A post's attempt, recorded before its platform call (see `recordAttempts`). */
interface AttemptRecord {
  tenant: Tenant;
  postId: string;
  /** The account it is published through, stored on a post that named none. */
  accountId: string | null;
}

/** A post the platform has published: what its PUBLISHED transaction writes. */
interface PublishedPost {
  tenant: Tenant;
  post: PostRow;
  job: TypedJobContext<{ postId: string }>;
  result: PublishResult;
  attempt: number;
}

/**
 * The steps of publish jobs that run together (a worker starts the jobs of one claim at once): the posts
 * read in one query per tenant, each distinct account resolved once, the attempts recorded in one
 * statement, and the posts the platform published marked PUBLISHED — with their events, what
 * `onPublished` adds and their jobs' completion — in one transaction. Each job still has its own lease
 * check, platform call and outcome; a batch whose PUBLISHED transaction fails is written again one post
 * per transaction, so that one post's problem is its own.
 */
function publishBatchers(deps: PublishDeps) {
  const { ctx } = deps;
  const settle = async <R>(work: () => Promise<R>): Promise<PromiseSettledResult<R>> => {
    try {
      return { status: 'fulfilled', value: await work() };
    } catch (reason) {
      return { status: 'rejected', reason };
    }
  };

  const posts = new Coalescer<{ tenant: Tenant; id: string }, PostRow | undefined>(async (items) => {
    const out: PromiseSettledResult<PostRow | undefined>[] = new Array(items.length);
    for (const group of byTenant(items, (item) => item.tenant)) {
      const ids = group.items.map((item) => item.id);
      const result = await settle(() =>
        scoped(ctx.db, group.tenant).selectFrom('posts').selectAll().where('id', 'in', ids).execute(),
      );
      const found = new Map(result.status === 'fulfilled' ? result.value.map((row) => [row.id, row]) : []);
      group.indexes.forEach((index, i) => {
        out[index] =
          result.status === 'fulfilled' ? { status: 'fulfilled', value: found.get(ids[i]!) } : result;
      });
    }
    return out;
  });

  const accounts = new Coalescer<{ tenant: Tenant; post: PostRow }, PublishingAccount>(async (items) => {
    const out: PromiseSettledResult<PublishingAccount>[] = new Array(items.length);
    const groups = byTenant(
      items,
      (item) => item.tenant,
      ({ post }) => `${post.social_account_id ?? ''}\u0000${post.brand_id}\u0000${post.platform}`,
    );
    await Promise.all(
      groups.map(async (group) => {
        const result = await settle(() => deps.resolveAccount(group.tenant, group.items[0]!.post));
        for (const index of group.indexes) out[index] = result;
      }),
    );
    return out;
  });

  /**
   * Each job's own lease check (its worker's answer), all at once: the jobs then go on together to the
   * next step instead of one by one as their answers come.
   */
  const leases = new Coalescer<TypedJobContext<{ postId: string }>, boolean>((jobs) =>
    Promise.allSettled(jobs.map((job) => job.holdsLease())),
  );

  /** Resolves to the attempt's time (`publish_started_at` of a first attempt). */
  const attempts = new Coalescer<AttemptRecord, number>(async (items) => {
    const now = ctx.clock.now();
    const out: PromiseSettledResult<number>[] = new Array(items.length);
    for (const group of byTenant(
      items,
      (item) => item.tenant,
      (item) => item.accountId ?? '',
    )) {
      const { accountId } = group.items[0]!;
      const result = await settle(() =>
        scoped(ctx.db, group.tenant)
          .updateTable('posts')
          .set((eb) => ({
            publish_attempts: eb('publish_attempts', '+', 1),
            publish_started_at: eb.fn.coalesce('publish_started_at', eb.val(now)),
            // A post that named no account shows the one it is published through.
            ...(accountId === null
              ? {}
              : { social_account_id: eb.fn.coalesce('social_account_id', eb.val(accountId)) }),
          }))
          .where(
            'id',
            'in',
            group.items.map((item) => item.postId),
          )
          .execute(),
      );
      for (const index of group.indexes)
        out[index] = result.status === 'fulfilled' ? { status: 'fulfilled', value: now } : result;
    }
    return out;
  });

  const published = new Coalescer<PublishedPost, void>(async (items) => {
    try {
      try {
        await ctx.db.transaction().execute((trx) => writePublished(deps, trx, items));
        return settledAll(items.length, undefined);
      } catch (error) {
        if (items.length === 1) return [{ status: 'rejected', reason: error }];
        // Nothing of the batch committed: each post again in a transaction of its own.
        return Promise.all(
          items.map((item) =>
            settle(() => ctx.db.transaction().execute((trx) => writePublished(deps, trx, [item]))),
          ),
        );
      }
    } finally {
      for (const group of byTenant(items, (item) => item.tenant))
        ctx.counts.invalidate(postsResource(group.tenant));
    }
  });

  return { posts, accounts, leases, attempts, published };
}

/**
 * Marks the posts PUBLISHED, records their `post.published` events (one insert per tenant), runs
 * `onPublished` for each and completes their jobs, in `trx`.
 */
async function writePublished(deps: PublishDeps, trx: Kysely<Database>, items: PublishedPost[]) {
  const { ctx } = deps;
  if (items.length > 1 && ctx.capabilities.supportsSkipLocked) {
    // PostgreSQL: take the jobs' row locks at once, in id order, before they are completed below (the
    // lease heartbeat passes over rows locked here: Queue.extend).
    await unscoped(trx, 'the jobs of this batch, locked by id before they are completed')
      .selectFrom('jobs')
      .select('id')
      .where(
        'id',
        'in',
        items.map((item) => item.job.job.id),
      )
      .orderBy('id')
      .forUpdate()
      .execute();
  }
  for (const group of byTenant(items, (item) => item.tenant)) {
    const { tenant } = group;
    const now = ctx.clock.now();
    const rows = await markPublishedMany(
      trx,
      tenant,
      group.items.map(({ post, result }) => ({
        id: post.id,
        result: {
          publishedAt: result.publishedAt,
          platformPostId: result.platformPostId,
          platformUrl: result.platformUrl,
          updatedAt: Math.max(now, post.updated_at + 1),
        },
      })),
    );
    const published = new Map(rows.map((row) => [row.id, row]));
    const publishedRows: PostRow[] = [];
    for (const { post } of group.items) {
      const row = published.get(post.id);
      if (row) publishedRows.push(row);
    }
    if (publishedRows.length > 0) await deps.onPublished?.(trx, tenant, publishedRows);
    await recordEvents(
      ctx,
      trx,
      tenant,
      publishedRows.map((row) => ({ type: 'post.published', brandId: row.brand_id, data: toPost(row) })),
    );
  }
  // The jobs' completions in one statement when one worker holds them all (a handler's jobs are its
  // worker's), else one by one.
  const done = items.map(({ job, result, attempt }) => ({
    context: job as JobContext,
    result: { platformPostId: result.platformPostId, attempt },
  }));
  const completeAll = items[0]!.job.completeAll;
  if (completeAll && items.every((item) => item.job.workerId === items[0]!.job.workerId))
    await completeAll(trx, done);
  else for (const { context, result } of done) await context.complete(trx, result);
}

type PublishBatchers = ReturnType<typeof publishBatchers>;

/**
 * Publishes one post. The attempt is recorded on the post before the platform is called, and the
 * connector gets a stable idempotency key (the post id) with the attempt number, so a retry after a
 * crash lets the connector find the first attempt's post rather than publish twice where the platform
 * allows it. Success and the job's completion commit together. The jobs a worker runs at the same time
 * share their database steps (`publishBatchers`); each keeps its own lease check and platform call.
 */
export function publishHandler(deps: PublishDeps): JobDefinition {
  const { ctx } = deps;
  const batch = publishBatchers(deps);
  const calls = limiter(PLATFORM_CALLS_AT_ONCE);
  const runOne = async (payload: { postId: string }, job: TypedJobContext<{ postId: string }>) => {
    const tenant: Tenant = { organizationId: job.job.organization_id!, environment: job.job.environment! };
    const post = await batch.posts.add({ tenant, id: payload.postId });
    if (!post) return { skipped: 'the post was deleted' };
    if (post.status !== 'PUBLISHING') return { skipped: `the post is ${post.status}` };
    try {
      const result = await publishPost(deps, batch, calls, tenant, post, job);
      deps.onOutcome?.(post.platform, 'published');
      return result;
    } catch (error) {
      const retrying =
        (!(error instanceof JobError) || error.retryable) && job.job.attempts < job.job.max_attempts;
      deps.onOutcome?.(post.platform, retrying ? 'retrying' : 'failed');
      throw error;
    }
  };
  return defineJob(PUBLISH, {
    retryDelays: deps.retryDelays,
    run: runOne,
    // A burst is claimed PUBLISH_BATCH jobs at a time: their database work is shared (the batchers
    // above), and each job keeps its own lease check, attempt, platform call and outcome.
    batch: {
      max: PUBLISH_BATCH,
      run: (items) => Promise.allSettled(items.map(({ payload, context }) => runOne(payload, context))),
    },
    async onDeadLetter(trx, job, error, { postId }) {
      const detail = error instanceof JobError ? (error.result as { code?: string } | undefined) : undefined;
      await markFailed(ctx, trx, postId, detail?.code ?? 'publish_failed', error.message);
      if (job.organization_id && job.environment) {
        ctx.counts.invalidate(
          postsResource({ organizationId: job.organization_id, environment: job.environment }),
        );
      }
    },
  });
}

/** Publish jobs a worker claims at once (in one of its batch slots). */
export const PUBLISH_BATCH = 64;
/** Platform calls one batch makes at the same time (the others wait their turn). */
export const PLATFORM_CALLS_AT_ONCE = 8;

type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** Runs at most `max` of the functions it is given at a time, the others in turn. */
function limiter(max: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running < max) running++;
    // A finishing call hands its place over: `running` stays at `max` while any wait.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** One attempt at a PUBLISHING post: the account, the media, the platform call, then PUBLISHED. */
async function publishPost(
  deps: PublishDeps,
  batch: PublishBatchers,
  calls: Limiter,
  tenant: Tenant,
  post: PostRow,
  job: TypedJobContext<{ postId: string }>,
) {
  const connector = deps.connectors.get(post.platform, tenant.environment);
  if (!connector)
    throw failure('platform_unavailable', `Publishing to ${post.platform} is not configured on this server`);
  let account: PublishingAccount;
  try {
    account = await batch.accounts.add({ tenant, post });
  } catch (error) {
    if (error instanceof AppError) throw failure('account_unavailable', error.message);
    throw error;
  }
  const mediaIds = JSON.parse(post.media_ids) as string[];
  let media: PublishMedia[] = [];
  try {
    media = await deps.loadMedia(tenant, mediaIds);
  } catch (error) {
    if (error instanceof AppError) throw failure('media_unavailable', error.message);
    throw error;
  }

  // Record the attempt before calling the platform; stop if another worker took the job over.
  if (!(await batch.leases.add(job))) throw new JobError('The lease on this job was lost', true);
  const now = await batch.attempts.add({
    tenant,
    postId: post.id,
    accountId: post.social_account_id === null ? account.id : null,
  });
  const attempt = post.publish_attempts + 1;

  let result;
  try {
    result = await calls(() =>
      connector.publish({
        idempotencyKey: post.id,
        attempt,
        firstAttemptAt: post.publish_started_at ?? now,
        caption: post.caption,
        link: post.link,
        firstComment: post.first_comment,
        media,
        account,
        ...(tenant.environment === 'test' ? { sandbox: sandboxSteering(post) } : {}),
      }),
    );
  } catch (error) {
    if (error instanceof PlatformError) {
      const retryAfterMs =
        error.options.retryAfterSeconds !== undefined ? error.options.retryAfterSeconds * 1000 : undefined;
      throw failure(error.code, error.message, error.retryable, retryAfterMs);
    }
    throw failure('publish_error', error instanceof Error ? error.message : String(error), true);
  }

  await batch.published.add({ tenant, post, job, result, attempt });
  return { platformPostId: result.platformPostId, attempt };
}

/** Posts handed to publish jobs per sweep transaction, and transactions per sweep at most. */
const SWEEP_BATCH = 200;
const SWEEP_ROUNDS = 25;

/** Handlers and periodic tasks the posts module contributes to the worker. */
export function postsWorkerParts(deps: PublishDeps, sweepEveryMs = 250) {
  const maxAttempts = deps.retryDelays.length + 1;
  return {
    jobs: [publishHandler(deps)],
    periodic: [
      {
        name: 'scheduled posts',
        everyMs: sweepEveryMs,
        // A burst of due posts is handed over in one tick, a batch (one transaction) at a time.
        run: async () => {
          for (let round = 0; round < SWEEP_ROUNDS; round++) {
            if ((await sweepDuePosts(deps.ctx, maxAttempts, SWEEP_BATCH)) < SWEEP_BATCH) break;
          }
        },
      },
    ],
    maxAttempts,
  };
}
