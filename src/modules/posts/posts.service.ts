import { measurePostDraft, validateDraft, type RuleViolation } from '../../platforms/validation.js';
import type { DraftMeasurements } from '../../platforms/measure.js';
import { toIso } from '../../shared/clock.js';
import { parseDateInput, readDateField } from '../../shared/dates.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { BY_CREATED_AT, BY_UPDATED_AT, type Listing } from '../lists.js';
import { paginate, type ListParams } from '../../db/paginate.js';
import { eventsInserted, newEventRows, recordEvent, type NewEvent } from '../events/index.js';
import { References, type MediaDetail } from './posts.references.js';
import {
  METADATA_MAX_BYTES,
  postFilterProblems,
  postInputProblems,
  type PostWriteMode,
} from './posts.input.js';
import * as repo from './posts.repository.js';
import { MAX_LISTED_IDS } from './posts.schemas.js';
import type { PostRow, PostStatus } from '../../db/tables/posts.js';

export interface Post {
  id: string;
  brandId: string;
  platform: string;
  socialAccountId: string | null;
  caption: string;
  mediaIds: string[];
  link: string | null;
  firstComment: string | null;
  campaignId: string | null;
  status: PostStatus;
  scheduledFor: string | null;
  publishedAt: string | null;
  platformPostId: string | null;
  platformUrl: string | null;
  error: { code: string; message: string } | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** What a client may set. `status` only to DRAFT, SCHEDULED or CANCELLED (the schema enforces it). */
export interface PostInput {
  brandId?: string;
  platform?: string;
  socialAccountId?: string | null;
  caption?: string;
  mediaIds?: string[];
  link?: string | null;
  firstComment?: string | null;
  campaignId?: string | null;
  scheduledFor?: string | null;
  metadata?: Record<string, unknown>;
  /** DRAFT, SCHEDULED or CANCELLED; a PUT may echo another status GET returned (refused unless frozen). */
  status?: PostStatus;
}

export type NewPostInput = PostInput & { brandId: string; platform: string; caption: string };

export { METADATA_MAX_BYTES };

/** Client-driven transitions. PUBLISHING, PUBLISHED and FAILED are set only by the publisher. */
const TRANSITIONS: Partial<Record<PostStatus, PostStatus[]>> = {
  DRAFT: ['SCHEDULED', 'CANCELLED'],
  SCHEDULED: ['DRAFT', 'CANCELLED'],
};
/** A post in one of these cannot be edited at all. */
const FROZEN: PostStatus[] = ['PUBLISHING', 'PUBLISHED', 'FAILED', 'CANCELLED'];
/** Statuses only the publisher sets. */
const PUBLISHER_ONLY: PostStatus[] = ['PUBLISHING', 'PUBLISHED', 'FAILED'];

export function toPost(row: PostRow): Post {
  return {
    id: row.id,
    brandId: row.brand_id,
    platform: row.platform,
    socialAccountId: row.social_account_id,
    caption: row.caption,
    mediaIds: JSON.parse(row.media_ids) as string[],
    link: row.link,
    firstComment: row.first_comment,
    campaignId: row.campaign_id,
    status: row.status,
    scheduledFor: toIso(row.scheduled_for),
    publishedAt: toIso(row.published_at),
    platformPostId: row.platform_post_id,
    platformUrl: row.platform_url,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export function postsResource(tenant: Tenant): string {
  return `posts:${tenant.organizationId}:${tenant.environment}`;
}

/** The platform's rules for a post, as the 400 the contract describes (`details.rule`). */
export function ruleError(platform: string, violations: RuleViolation[]): AppError {
  const first = violations[0]!;
  return invalidInput(
    violations.map((v) => ({ field: v.field, reason: v.message })),
    `The post breaks a ${platform} rule (${first.rule}): ${first.message}`,
    { rule: first.rule, violations },
  );
}

function draftOf(
  row: Pick<PostRow, 'platform' | 'caption' | 'media_ids' | 'link' | 'first_comment'>,
  media?: MediaDetail[],
) {
  return {
    platform: row.platform,
    caption: row.caption,
    mediaIds: JSON.parse(row.media_ids) as string[],
    ...(media ? { media } : {}),
    link: row.link,
    firstComment: row.first_comment,
  };
}

/**
 * Throws every input problem of a post body at once (`postInputProblems`): the service's own callers
 * (batches, jobs, content plans) get the same 400 as the route's checks give.
 */
function checkInput(input: PostInput, now: number, mode: PostWriteMode): void {
  const problems = postInputProblems(input as Record<string, unknown>, now, mode);
  if (problems.length) throw invalidInput(problems);
}

/** A `scheduledFor` that `checkInput` accepted, in epoch ms. */
function scheduleOf(value: string | null | undefined): number | null | undefined {
  return value === undefined || value === null ? value : parseDateInput(value)!;
}

/** A post about to be SCHEDULED must have a future time and obey its platform's rules. */
function checkSchedulable(
  row: Pick<PostRow, 'platform' | 'caption' | 'media_ids' | 'link' | 'first_comment' | 'scheduled_for'>,
  now: number,
  media?: MediaDetail[],
) {
  if (row.scheduled_for === null) {
    throw invalidInput([
      { field: 'scheduledFor', reason: 'A SCHEDULED post needs a scheduledFor date-time' },
    ]);
  }
  if (row.scheduled_for <= now)
    throw invalidInput([{ field: 'scheduledFor', reason: 'Must be in the future' }]);
  const violations = validateDraft(draftOf(row, media));
  if (violations.length) throw ruleError(row.platform, violations);
}

/**
 * Checks a new post as `POST /posts` does (status, schedule, metadata, platform rules when SCHEDULED,
 * references) and returns its row, unsaved. Reads go through `db`; `refs` caches lookups across a batch.
 */
export async function preparePost(
  ctx: ServiceContext,
  db: Kysely<Database>,
  tenant: Tenant,
  input: NewPostInput,
  now: number,
  refs = new References(ctx, tenant),
): Promise<PostRow> {
  checkInput(input, now, 'create');
  const scheduledFor = scheduleOf(input.scheduledFor) ?? null;
  const metadata = input.metadata !== undefined ? JSON.stringify(input.metadata) : '{}';
  const status: PostStatus = input.status ?? (scheduledFor !== null ? 'SCHEDULED' : 'DRAFT');
  const row: PostRow = {
    id: newId('post', now),
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    brand_id: input.brandId,
    platform: input.platform,
    social_account_id: input.socialAccountId ?? null,
    caption: input.caption,
    media_ids: JSON.stringify(input.mediaIds ?? []),
    link: input.link ?? null,
    first_comment: input.firstComment ?? null,
    campaign_id: input.campaignId ?? null,
    status,
    scheduled_for: scheduledFor,
    published_at: null,
    platform_post_id: null,
    platform_url: null,
    error_code: null,
    error_message: null,
    metadata,
    publish_attempts: 0,
    publish_started_at: null,
    created_at: now,
    updated_at: now,
    post_date: repo.postDate({ scheduled_for: scheduledFor, published_at: null, created_at: now }),
  };
  const media = await refs.media(db, input.mediaIds ?? []);
  if (status === 'SCHEDULED') checkSchedulable(row, now, media);
  await refs.check(db, row.brand_id, row.campaign_id, {
    platform: row.platform,
    socialAccountId: row.social_account_id,
  });
  return row;
}

/** The events a new post records: `post.created`, and `post.scheduled` when it is SCHEDULED. */
export function creationEvents(row: PostRow, post: Post = toPost(row)): NewEvent[] {
  const event = { brandId: row.brand_id, data: post };
  return row.status === 'SCHEDULED'
    ? [
        { type: 'post.created', ...event },
        { type: 'post.scheduled', ...event },
      ]
    : [{ type: 'post.created', ...event }];
}

/**
 * The core of `POST /posts` in the caller's transaction: checks, inserts and records the events. The
 * caller invalidates the posts count (once, for a batch).
 */
export async function createPostIn(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  input: NewPostInput,
  now: number,
  refs?: References,
): Promise<Post> {
  const row = await preparePost(ctx, trx, tenant, input, now, refs);
  const post = toPost(row);
  const events = creationEvents(row, post);
  if (ctx.capabilities.writingCtes) {
    // The post, its events and the fan-out's read in one statement: as the two writes and the read
    // one after the other in this transaction, in one round trip.
    const rows = newEventRows(ctx, tenant, events);
    const endpoints = await repo.insertPostWithEvents(trx, tenant, row, rows);
    await eventsInserted(ctx, trx, tenant, rows, endpoints);
  } else {
    const rows = newEventRows(ctx, tenant, events);
    await repo.insertPostThenEvents(trx, tenant, row, rows);
    await eventsInserted(ctx, trx, tenant, rows);
  }
  return post;
}

/**
 * Several new posts in the caller's transaction, sharing reference lookups (a content plan's drafts).
 * The caller invalidates the posts count.
 */
export async function createPostsIn(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  inputs: NewPostInput[],
  now: number,
): Promise<Post[]> {
  const refs = new References(ctx, tenant);
  const posts: Post[] = [];
  for (const input of inputs) posts.push(await createPostIn(ctx, trx, tenant, input, now, refs));
  return posts;
}

/** The times a brand's SCHEDULED posts, and drafts with a planned time, take on `platforms` in [from, to). */
export async function plannedPostTimes(
  ctx: ServiceContext,
  tenant: Tenant,
  query: { brandId: string; platforms: string[]; from: number; to: number },
): Promise<{ platform: string; scheduledFor: number }[]> {
  const rows = await repo.plannedTimes(ctx.db, tenant, query.brandId, query.platforms, query.from, query.to);
  return rows.map((r) => ({ platform: r.platform, scheduledFor: r.scheduled_for }));
}

/**
 * Runs a change of the tenant's posts (an `…In` core below) in its own transaction, then drops the
 * tenant's cached post totals.
 */
export async function changePosts<T>(
  ctx: ServiceContext,
  tenant: Tenant,
  change: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const result = await ctx.db.transaction().execute(change);
  ctx.counts.invalidate(postsResource(tenant));
  return result;
}

export async function createPost(ctx: ServiceContext, tenant: Tenant, input: NewPostInput): Promise<Post> {
  const now = ctx.clock.now();
  return changePosts(ctx, tenant, (trx) => createPostIn(ctx, trx, tenant, input, now));
}

export const findPostRow = findByIdOr404(repo.findPost, 'post');

export async function getPost(ctx: ServiceContext, tenant: Tenant, id: string): Promise<Post> {
  return toPost(await findPostRow(ctx, tenant, id));
}

export const POST_SORTS = {
  createdAt: BY_CREATED_AT,
  updatedAt: BY_UPDATED_AT,
  scheduledFor: { expression: repo.SCHEDULED_FOR, value: (r: PostRow) => r.scheduled_for ?? -1 },
  publishedAt: { expression: repo.PUBLISHED_AT, value: (r: PostRow) => r.published_at ?? -1 },
  /** The date the range filters by: scheduledFor, else publishedAt, else createdAt. */
  date: { expression: repo.POST_DATE, value: (r: PostRow) => r.post_date },
};

/**
 * `GET /posts`: as any tenant list (modules/lists.ts), and a first page filtered by equality only is
 * read through a statement compiled once (`firstPostsPage`): the query is then not built at all unless
 * the total has to be counted.
 */
export async function listPosts(
  ctx: ServiceContext,
  tenant: Tenant,
  params: ListParams,
  filters: repo.PostFilters,
): Promise<Listing<Post>> {
  const page = await paginate(() => repo.postsQuery(ctx.db, tenant, filters), {
    params,
    filters,
    sorts: POST_SORTS,
    cursors: ctx.cursors,
    counts: { cache: ctx.counts, resource: postsResource(tenant) },
    firstPage: (sort, direction, limit) =>
      repo.firstPostsPage(ctx.db, tenant, filters, sort.expression, direction, limit),
  });
  return { data: page.rows.map(toPost), pagination: page.pagination };
}

/**
 * Changes a post. `mode: 'replace'` (PUT) resets every optional field the input leaves out;
 * `mode: 'merge'` (PATCH) keeps them. Published, publishing, failed and cancelled posts are frozen (409).
 */
export async function updatePost(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  input: PostInput,
  mode: 'replace' | 'merge',
): Promise<Post> {
  const now = ctx.clock.now();
  return changePosts(ctx, tenant, (trx) => updatePostIn(ctx, trx, tenant, id, input, mode, now));
}

/** The core of `PUT`/`PATCH /posts/{id}` in the caller's transaction (the caller invalidates counts). */
export async function updatePostIn(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  id: string,
  input: PostInput,
  mode: 'replace' | 'merge',
  now: number,
  refs = new References(ctx, tenant),
): Promise<Post> {
  checkInput(input, now, mode);
  const existing = await findPostRow(ctx, tenant, id, trx);
  if (FROZEN.includes(existing.status)) {
    throw new AppError('CONFLICT', `A ${existing.status} post cannot be edited`, { status: existing.status });
  }
  const target: PostStatus = input.status ?? existing.status;
  // A PUT may echo any status GET returns; only the publisher moves a post to these (the PATCH schema
  // refuses them already, the PUT schema lets them through for a post frozen above).
  if (PUBLISHER_ONLY.includes(target)) {
    throw invalidInput([
      {
        field: 'status',
        reason: `Must be one of: DRAFT, SCHEDULED, CANCELLED (${PUBLISHER_ONLY.join(', ')} are set by the publisher)`,
      },
    ]);
  }
  if (target !== existing.status && !TRANSITIONS[existing.status]?.includes(target)) {
    throw new AppError('CONFLICT', `A ${existing.status} post cannot become ${target}`, {
      field: 'status',
      from: existing.status,
      to: target,
    });
  }
  const pick = <T>(value: T | undefined, current: T, reset: T): T =>
    value !== undefined ? value : mode === 'merge' ? current : reset;
  const scheduledFor =
    input.scheduledFor !== undefined
      ? (scheduleOf(input.scheduledFor) ?? null)
      : pick(undefined, existing.scheduled_for, null);
  const metadata = input.metadata !== undefined ? JSON.stringify(input.metadata) : undefined;
  const next: PostRow = {
    ...existing,
    brand_id: input.brandId ?? existing.brand_id,
    platform: input.platform ?? existing.platform,
    social_account_id: pick(input.socialAccountId, existing.social_account_id, null),
    caption: input.caption ?? existing.caption,
    media_ids:
      input.mediaIds !== undefined
        ? JSON.stringify(input.mediaIds)
        : pick(undefined, existing.media_ids, '[]'),
    link: pick(input.link, existing.link, null),
    first_comment: pick(input.firstComment, existing.first_comment, null),
    campaign_id: pick(input.campaignId, existing.campaign_id, null),
    metadata: metadata ?? pick(undefined, existing.metadata, '{}'),
    scheduled_for: scheduledFor,
    status: target,
    updated_at: Math.max(now, existing.updated_at + 1),
  };
  next.post_date = repo.postDate(next);
  const media =
    input.mediaIds !== undefined || target === 'SCHEDULED'
      ? await refs.media(trx, JSON.parse(next.media_ids) as string[])
      : undefined;
  if (target === 'SCHEDULED') checkSchedulable(next, now, media);
  if (
    next.brand_id !== existing.brand_id ||
    next.campaign_id !== existing.campaign_id ||
    next.platform !== existing.platform ||
    next.social_account_id !== existing.social_account_id
  ) {
    await refs.check(trx, next.brand_id, next.campaign_id, {
      platform: next.platform,
      socialAccountId: next.social_account_id,
    });
  }
  const { id: _id, organization_id: _o, environment: _e, created_at: _c, post_date: _d, ...changes } = next;
  const post = toPost(next);
  // The status guard catches a change made since the read (e.g. the scheduler moving it to PUBLISHING).
  const count = await repo.updatePost(trx, tenant, id, existing.status, changes);
  if (count === 0) {
    const current = await findPostRow(ctx, tenant, id, trx);
    throw new AppError(
      'CONFLICT',
      `The post changed to ${current.status} while this request ran; read it and try again`,
      { status: current.status },
    );
  }
  const event = { brandId: next.brand_id, data: post };
  await recordEvent(ctx, trx, tenant, { type: 'post.updated', ...event });
  // post.scheduled when the post enters SCHEDULED or, while SCHEDULED, moves to another time.
  if (
    next.status === 'SCHEDULED' &&
    (existing.status !== 'SCHEDULED' || existing.scheduled_for !== next.scheduled_for)
  ) {
    await recordEvent(ctx, trx, tenant, { type: 'post.scheduled', ...event });
  }
  return post;
}

/**
 * Deletes a post from Audenci. A published post stays on the platform: only Audenci's record goes.
 * A post being published cannot be deleted until the attempt ends.
 */
export async function deletePost(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
): Promise<{ id: string; deleted: true }> {
  return changePosts(ctx, tenant, (trx) => deletePostIn(ctx, trx, tenant, id));
}

/** The core of `DELETE /posts/{id}` in the caller's transaction (the caller invalidates counts). */
export async function deletePostIn(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<{ id: string; deleted: true }> {
  const existing = await findPostRow(ctx, tenant, id, trx);
  if (existing.status === 'PUBLISHING') {
    throw new AppError('CONFLICT', 'The post is being published; delete it once publishing ends', {
      status: existing.status,
    });
  }
  const count = await repo.deletePost(trx, tenant, id, ['PUBLISHING']);
  if (count === 0)
    throw new AppError('CONFLICT', 'The post changed while this request ran; read it and try again');
  await recordEvent(ctx, trx, tenant, {
    type: 'post.deleted',
    brandId: existing.brand_id,
    data: toPost(existing),
  });
  return { id, deleted: true };
}

export interface ValidationReport {
  valid: boolean;
  platform: string;
  violations: RuleViolation[];
  /** The draft's numbers beside their limits, counted as the platform counts (what a composer shows). */
  measurements: DraftMeasurements;
}

/**
 * Checks a draft against its platform's rules without saving anything. The ids it names are checked as
 * `POST /posts` checks them (a media item, brand, campaign or account of another organization or
 * environment, or none at all, is the same 400), and the media's types count in the rules, as when
 * scheduling.
 */
export async function validatePost(
  ctx: ServiceContext,
  tenant: Tenant,
  input: Pick<
    NewPostInput,
    'platform' | 'caption' | 'mediaIds' | 'link' | 'firstComment' | 'campaignId' | 'socialAccountId'
  > & { brandId?: string },
): Promise<ValidationReport> {
  const refs = new References(ctx, tenant);
  const media = await refs.media(ctx.db, input.mediaIds ?? []);
  await refs.check(ctx.db, input.brandId ?? null, input.campaignId ?? null, {
    platform: input.platform,
    socialAccountId: input.socialAccountId ?? null,
  });
  const draft = {
    platform: input.platform,
    caption: input.caption,
    mediaIds: input.mediaIds ?? [],
    media,
    link: input.link ?? null,
    firstComment: input.firstComment ?? null,
  };
  const violations = validateDraft(draft);
  // The body schema admits only known platforms, so the rules are always there.
  const measurements = measurePostDraft(draft)!;
  return { valid: violations.length === 0, platform: input.platform, violations, measurements };
}

export interface PostListQuery {
  status?: PostStatus;
  platform?: string;
  campaignId?: string;
  brandId?: string;
  mediaId?: string;
  /** Comma-separated post ids (`GET /posts?ids=`). */
  ids?: string;
  startDate?: string;
  endDate?: string;
}

const POST_ID = /^post_[0-9A-Za-z]{1,60}$/;

/** `ids=a,b,c` as a list without repeats; each must look like a post id, at most `MAX_LISTED_IDS`. */
function readIds(raw: string | undefined, problems: FieldProblem[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const ids = [...new Set(raw.split(',').map((id) => id.trim()))];
  const bad = ids.find((id) => !POST_ID.test(id));
  if (bad !== undefined) {
    problems.push({
      field: 'ids',
      reason: bad === '' ? 'Contains an empty id' : `'${bad.slice(0, 70)}' is not a post id (post_…)`,
    });
  } else if (ids.length > MAX_LISTED_IDS) {
    problems.push({ field: 'ids', reason: `At most ${MAX_LISTED_IDS} ids, got ${ids.length}` });
  }
  return ids;
}

/** Query-string filters as repository filters; dates parsed and checked, `endDate` after `startDate`. */
export function parsePostFilters(query: PostListQuery): repo.PostFilters {
  const problems: FieldProblem[] = [];
  const date = (field: 'startDate' | 'endDate') => readDateField(query, field, problems);
  const filters: repo.PostFilters = {
    status: query.status,
    platform: query.platform,
    campaignId: query.campaignId,
    brandId: query.brandId,
    mediaId: query.mediaId,
    ids: readIds(query.ids, problems),
    startDate: date('startDate'),
    endDate: date('endDate'),
  };
  problems.push(...postFilterProblems(query as Record<string, unknown>));
  if (problems.length) throw invalidInput(problems, undefined, { location: 'query' });
  return filters;
}
