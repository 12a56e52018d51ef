import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../db/database.js';
import { holdsMediaId } from '../../db/media-ids.js';
import { countRows } from '../../db/paginate.js';
import { scoped } from '../../db/tenant.js';
import { insertInSlices, tenantRows } from '../../db/tenant-rows.js';
import { tenantOf, type Tenant } from '../../shared/tenant.js';
import type { NewPost, PostRow, PostStatus } from '../../db/tables/posts.js';
import type { EventRow } from '../../db/tables/events.js';
import { compiledOnce } from '../../db/compiled-once.js';
import { fanoutEndpointsQuery, type FanoutEndpoint } from '../webhooks/index.js';

/** Sort keys as the indexes declare them (see migration 0002). */
export const SCHEDULED_FOR = 'coalesce(scheduled_for, -1)';
export const PUBLISHED_AT = 'coalesce(published_at, -1)';
/** The date a post is filtered and sorted by (see migration 0014 and `postDate`). */
export const POST_DATE = 'post_date';

/**
 * The date a post is filtered by (`startDate`/`endDate`) and sorted by (`sortBy=date`): its scheduled
 * time, else the time it was published, else the time it was created. Stored as `post_date`; this
 * module is the only writer of that column.
 */
export function postDate(row: {
  scheduled_for?: number | null;
  published_at?: number | null;
  created_at: number;
}): number {
  return row.scheduled_for ?? row.published_at ?? row.created_at;
}

/**
 * `post_date` as an UPDATE recomputes it: `postDate` over the values the update writes, and the row's
 * current values for those it leaves alone (column references in SET read the row before the update).
 */
function postDateAfter(changes: {
  scheduled_for?: number | null;
  published_at?: number | null;
}): RawBuilder<number> {
  const value = (column: 'scheduled_for' | 'published_at') =>
    changes[column] !== undefined ? sql`${changes[column]}` : sql.ref(column);
  return sql<number>`coalesce(${value('scheduled_for')}, ${value('published_at')}, created_at)`;
}

/** The columns of a post a writer gives (the tenant's two aside), in a fixed order. */
const POST_COLUMNS = [
  'id',
  'brand_id',
  'platform',
  'social_account_id',
  'caption',
  'media_ids',
  'link',
  'first_comment',
  'campaign_id',
  'status',
  'scheduled_for',
  'published_at',
  'platform_post_id',
  'platform_url',
  'error_code',
  'error_message',
  'metadata',
  'publish_attempts',
  'publish_started_at',
  'created_at',
  'updated_at',
  'post_date',
] as const satisfies readonly (keyof PostRow)[];
/** Compiles only while every column of a post is listed above (one left out would not be inserted). */
type UnlistedPostColumns = Exclude<
  keyof PostRow,
  (typeof POST_COLUMNS)[number] | 'organization_id' | 'environment'
>;
const everyPostColumnListed: [UnlistedPostColumns] extends [never] ? true : UnlistedPostColumns = true;
void everyPostColumnListed;
const EVENT_COLUMNS = [
  'id',
  'type',
  'brand_id',
  'data',
  'created_at',
] as const satisfies readonly (keyof EventRow)[];

/** A post's values in the order of POST_COLUMNS, as compiled statements bind them. */
const postValues = (row: PostRow) => POST_COLUMNS.map((column) => row[column]) as string[];

/** Events' values, one after the other, each in the order of EVENT_COLUMNS. */
const eventValues = (events: readonly EventRow[]) =>
  events.flatMap((event) => EVENT_COLUMNS.map((column) => event[column])) as string[];

/** `count` rows of `columns` read in turn from `values`, from `at` (the builders of compiled statements). */
function rowsOf<C extends string>(columns: readonly C[], values: readonly string[], count: number, at = 0) {
  return Array.from(
    { length: count },
    (_, r) =>
      Object.fromEntries(columns.map((column, i) => [column, values[at + r * columns.length + i]])) as Record<
        C,
        never
      >,
  );
}

/** A statement compiled once for each number of rows, made when a number is first asked for. */
function perCount<S>(make: (count: number) => S): (count: number) => S {
  const made = new Map<number, S>();
  return (count) => {
    let statement = made.get(count);
    if (!statement) made.set(count, (statement = make(count)));
    return statement;
  };
}

/**
 * `with new_post as (insert …), new_events as (insert … n rows) select <the fan-out's read>`, compiled
 * once (db/compiled-once.ts) for each number of events: the values are the tenant's two, then the post's
 * and each event's columns in the orders above.
 */
const postWithEventsStatement = perCount((eventCount) =>
  compiledOnce((db, organizationId: string, environment: string, ...values: string[]) => {
    const tenant = tenantOf(organizationId, environment);
    const post = rowsOf(POST_COLUMNS, values, 1)[0]!;
    const events = rowsOf(EVENT_COLUMNS, values, eventCount, POST_COLUMNS.length);
    const writes = db
      .with('new_post', (qb) => scoped(qb as unknown as Kysely<Database>, tenant).insertInto('posts', post))
      .with('new_events', (qb) =>
        scoped(qb as unknown as Kysely<Database>, tenant).insertInto('events', events),
      );
    return fanoutEndpointsQuery(writes as unknown as Kysely<Database>, tenant);
  }),
);

/**
 * A new post, its events (rows of the events module's `newEventRows`) and the webhook fan-out's read of
 * the tenant's enabled endpoints, in one statement (a dialect with `writingCtes` only): a round trip
 * instead of three while the transaction holds its connection. Answers the endpoints, for
 * `eventsInserted`.
 */
export async function insertPostWithEvents(
  db: Kysely<Database>,
  tenant: Tenant,
  row: PostRow,
  events: readonly EventRow[],
): Promise<FanoutEndpoint[]> {
  return postWithEventsStatement(events.length)(
    db,
    tenant.organizationId,
    tenant.environment,
    ...postValues(row),
    ...eventValues(events),
  );
}

/** `insert into posts …`, compiled once: the values are the tenant's two, then the post's columns. */
const insertPostStatement = compiledOnce(
  (db, organizationId: string, environment: string, ...values: string[]) =>
    scoped(db, tenantOf(organizationId, environment)).insertInto(
      'posts',
      rowsOf(POST_COLUMNS, values, 1)[0]!,
    ),
);

/** `insert into events …` of `eventCount` rows, compiled once for each count. */
const insertEventsStatement = perCount((eventCount) =>
  compiledOnce((db, organizationId: string, environment: string, ...values: string[]) =>
    scoped(db, tenantOf(organizationId, environment)).insertInto(
      'events',
      rowsOf(EVENT_COLUMNS, values, eventCount),
    ),
  ),
);

/**
 * A new post and its events in two statements compiled once (a dialect without writing CTEs, where
 * `insertPostWithEvents` cannot run): the statements Kysely built for each `POST /posts` cost more than
 * SQLite's inserts themselves.
 */
export async function insertPostThenEvents(
  db: Kysely<Database>,
  tenant: Tenant,
  row: PostRow,
  events: readonly EventRow[],
): Promise<void> {
  const { organizationId, environment } = tenant;
  await insertPostStatement(db, organizationId, environment, ...postValues(row));
  if (events.length === 0) return;
  await insertEventsStatement(events.length)(db, organizationId, environment, ...eventValues(events));
}

/**
 * Multi-row insert, in slices: 24 columns × 400 rows stays under both databases' limits on bound
 * parameters (SQLite 32,766, PostgreSQL 65,535).
 */
export async function insertPosts(
  db: Kysely<Database>,
  tenant: Tenant,
  rows: NewPost[],
  slice = 400,
): Promise<void> {
  const dated = rows.map((row) => ({ ...row, post_date: postDate(row) }));
  await insertInSlices(db, tenant, 'posts', dated, slice);
}

const posts = tenantRows('posts');

export const findPost = posts.find;

export interface PostFilters {
  status?: PostStatus;
  platform?: string;
  campaignId?: string;
  brandId?: string;
  /** Posts whose `media_ids` hold this media id (exactly, case-sensitive). */
  mediaId?: string;
  /** Only these post ids (at most `MAX_LISTED_IDS`, no repeats). */
  ids?: readonly string[];
  /** Inclusive lower bound on the post's date (`postDate`), epoch ms. */
  startDate?: number;
  /** Exclusive upper bound on the post's date (`postDate`), epoch ms. */
  endDate?: number;
}

export function postsQuery(db: Kysely<Database>, tenant: Tenant, filters: PostFilters) {
  const { status, platform, campaignId, brandId } = filters;
  let query = posts.where(db, tenant, { status, platform, campaign_id: campaignId, brand_id: brandId });
  // The range is on the stored date (index posts_t_date), so every post has one: scheduled, published or
  // created.
  if (filters.startDate !== undefined) query = query.where('post_date', '>=', filters.startDate);
  if (filters.endDate !== undefined) query = query.where('post_date', '<', filters.endDate);
  if (filters.mediaId !== undefined) query = query.where(holdsMediaId(filters.mediaId));
  if (filters.ids !== undefined) query = query.where('id', 'in', filters.ids);
  return query;
}

/** The equality filters of a list, in the order their values are bound. */
const EQUAL_FILTERS = ['status', 'platform', 'campaignId', 'brandId'] as const;

/**
 * The first page of a list filtered by equality only (no media, no dates): `postsQuery` sorted by
 * `sortExpression` in `direction` (ties by id) and limited, compiled once (db/compiled-once.ts) for each
 * set of filters, sort and direction — the SQL is the same, only the values are bound anew.
 */
function firstPageStatement(
  present: readonly (typeof EQUAL_FILTERS)[number][],
  sortExpression: string,
  direction: 'asc' | 'desc',
) {
  return compiledOnce(
    (db, organizationId: string, environment: string, limit: string, ...values: string[]) => {
      const tenant = tenantOf(organizationId, environment);
      const filters: PostFilters = Object.fromEntries(present.map((name, i) => [name, values[i]]));
      return postsQuery(db, tenant, filters)
        .orderBy(sql.raw(sortExpression), direction)
        .orderBy(sql.ref('id'), direction)
        .limit(limit as unknown as number);
    },
  );
}
const firstPages = new Map<string, ReturnType<typeof firstPageStatement>>();

/**
 * The first `limit` posts of `filters` in the list's order, through a statement compiled once; undefined
 * for filters it does not cover (media, ids, dates), which the list builds as it always did.
 */
export function firstPostsPage(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: PostFilters,
  sortExpression: string,
  direction: 'asc' | 'desc',
  limit: number,
): Promise<PostRow[]> | undefined {
  if (
    filters.mediaId !== undefined ||
    filters.ids !== undefined ||
    filters.startDate !== undefined ||
    filters.endDate !== undefined
  )
    return undefined;
  const present = EQUAL_FILTERS.filter((name) => filters[name] !== undefined);
  if (present.some((name) => typeof filters[name] !== 'string')) return undefined;
  const key = `${present.join(',')}|${sortExpression}|${direction}`;
  let statement = firstPages.get(key);
  if (!statement) firstPages.set(key, (statement = firstPageStatement(present, sortExpression, direction)));
  const values = present.map((name) => filters[name] as string);
  return statement(db, tenant.organizationId, tenant.environment, limit as unknown as string, ...values);
}

/** Updates a post only if it is still in `expectedStatus` (optimistic check); answers rows changed. */
export async function updatePost(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  expectedStatus: PostStatus,
  changes: Partial<Omit<PostRow, 'id' | 'organization_id' | 'environment' | 'created_at' | 'post_date'>>,
): Promise<number> {
  // A caller's row may carry a stale post_date: it is always recomputed here, never taken.
  const { post_date: _stale, ...values } = changes as typeof changes & { post_date?: number };
  const result = await scoped(db, tenant)
    .updateTable('posts')
    .set({ ...values, post_date: postDateAfter(values) })
    .where('id', '=', id)
    .where('status', '=', expectedStatus)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * A PUBLISHING post becomes PUBLISHED with what the platform answered; answers the row, or undefined
 * when the post is no longer PUBLISHING.
 */
export async function markPublished(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  result: { publishedAt: number; platformPostId: string; platformUrl: string; updatedAt: number },
): Promise<PostRow | undefined> {
  const changes = { published_at: result.publishedAt };
  return scoped(db, tenant)
    .updateTable('posts')
    .set({
      status: 'PUBLISHED',
      ...changes,
      platform_post_id: result.platformPostId,
      platform_url: result.platformUrl,
      error_code: null,
      error_message: null,
      updated_at: result.updatedAt,
      post_date: postDateAfter(changes),
    })
    .where('id', '=', id)
    .where('status', '=', 'PUBLISHING')
    .returningAll()
    .executeTakeFirst();
}

/**
 * `markPublished` for several posts of a tenant in one statement (the worker's PUBLISHED batch): each
 * post's values by its id, through `CASE` expressions. Answers the rows that were still PUBLISHING.
 */
export async function markPublishedMany(
  db: Kysely<Database>,
  tenant: Tenant,
  items: {
    id: string;
    result: { publishedAt: number; platformPostId: string; platformUrl: string; updatedAt: number };
  }[],
): Promise<PostRow[]> {
  if (items.length === 0) return [];
  // Typed (cast) so that PostgreSQL knows the parameters' types in a CASE.
  const byId = (type: 'bigint' | 'text', value: (result: (typeof items)[number]['result']) => unknown) =>
    sql<never>`case ${sql.ref('id')} ${sql.join(
      items.map((item) => sql`when ${item.id} then cast(${value(item.result)} as ${sql.raw(type)})`),
      sql` `,
    )} end`;
  const publishedAt = byId('bigint', (r) => r.publishedAt);
  return scoped(db, tenant)
    .updateTable('posts')
    .set({
      status: 'PUBLISHED',
      published_at: publishedAt,
      platform_post_id: byId('text', (r) => r.platformPostId),
      platform_url: byId('text', (r) => r.platformUrl),
      error_code: null,
      error_message: null,
      updated_at: byId('bigint', (r) => r.updatedAt),
      // As `postDateAfter({ published_at })`: the row's scheduled time, else the new published time.
      post_date: sql<number>`coalesce(scheduled_for, ${publishedAt}, created_at)`,
    })
    .where(
      'id',
      'in',
      items.map((item) => item.id),
    )
    .where('status', '=', 'PUBLISHING')
    .returningAll()
    .execute();
}

export async function deletePost(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  notIn: PostStatus[],
): Promise<number> {
  const result = await scoped(db, tenant)
    .deleteFrom('posts')
    .where('id', '=', id)
    .where('status', 'not in', notIn)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Ids of the posts matching `filters`, oldest first (at most `limit`). */
export async function matchingIds(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: PostFilters,
  limit: number,
): Promise<string[]> {
  const rows = await postsQuery(db, tenant, filters)
    .clearSelect()
    .select('id')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function countMatching(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: PostFilters,
): Promise<number> {
  return countRows(postsQuery(db, tenant, filters));
}

/** The next `limit` matching posts after `after` in (created_at, id) order: keyset, stable under inserts. */
export async function postsAfter(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: PostFilters,
  after: { createdAt: number; id: string } | undefined,
  limit: number,
): Promise<PostRow[]> {
  let query = postsQuery(db, tenant, filters);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}

/**
 * The times a brand's posts on `platforms` occupy in [from, to): SCHEDULED posts and drafts carrying a
 * planned time (content plans avoid both). Served by `posts_t_brand_scheduled`.
 */
export async function plannedTimes(
  db: Kysely<Database>,
  tenant: Tenant,
  brandId: string,
  platforms: string[],
  from: number,
  to: number,
): Promise<{ platform: string; scheduled_for: number }[]> {
  const rows = await scoped(db, tenant)
    .selectFrom('posts')
    .select(['platform', 'scheduled_for'])
    .where('brand_id', '=', brandId)
    .where(sql.raw(SCHEDULED_FOR), '>=', from)
    .where(sql.raw(SCHEDULED_FOR), '<', to)
    .where('status', 'in', ['SCHEDULED', 'DRAFT'])
    .where('platform', 'in', platforms)
    .execute();
  return rows.map((r) => ({ platform: r.platform, scheduled_for: Number(r.scheduled_for) }));
}
