/**
 * Seeds a realistic posts table for the `posts.*` scenarios: a few brands and campaigns through the
 * service layer, then the posts themselves as multi-row INSERTs straight into `posts` (Kysely, batches
 * inside transactions). Going through `createPost` would check references and invalidate caches per
 * row: minutes for 100,000 posts, where this takes seconds.
 *
 * The data is deterministic (a seeded PRNG), so runs compare like with like.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/database.js';
import { createBrand } from '../src/modules/brands/brands.service.js';
import { createCampaign } from '../src/modules/campaigns/campaigns.service.js';
import { postDate } from '../src/modules/posts/posts.repository.js';
import { POST_STATUSES, type NewPostRow, type PostStatus } from '../src/db/tables/posts.js';
import { PLATFORMS } from '../src/platforms/platforms.js';
import { newId } from '../src/shared/ids.js';
import type { SetupContext } from './scenarios.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Rows per INSERT: on SQLite 500 × 24 parameters, below its limit of 32,766; on PostgreSQL 24 arrays. */
const ROWS_PER_INSERT = { sqlite: 500, postgres: 5_000 };
/** Rows per transaction. */
const ROWS_PER_TRANSACTION = 10_000;

const BRANDS = 5;
const CAMPAIGNS_PER_BRAND = 2;

/** Share of each status, in percent. */
const STATUS_MIX: ReadonlyArray<[PostStatus, number]> = [
  ['SCHEDULED', 40],
  ['DRAFT', 25],
  ['PUBLISHED', 28],
  ['FAILED', 3],
  ['CANCELLED', 4],
];

const CAPTIONS = [
  'Fresh roast, fresh start ☕ Our new Ethiopian single origin lands on Monday. #coffee #specialtycoffee',
  'Behind the bar with Lea: three tips for a better pour-over at home. Which one do you already use?',
  'Weekend hours: we open at 8 on Saturday and Sunday. See you there!',
  'New in the shop: the Acme travel mug, 350 ml, keeps it hot for 6 hours. Link in bio. #newarrival',
  'Thank you for 10,000 followers 🎉 Tag a friend who deserves a free flat white this week.',
  'Latte art throwdown next Thursday at 7 pm. Free entry, prizes for the top three. #latteart #community',
  'Cold brew is back. Steeped 18 hours, served over ice, no sugar needed.',
  'Where does your coffee come from? This month we visit the Huila region in Colombia. 🇨🇴',
];

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeededPosts {
  ids: string[];
  byStatus: Record<PostStatus, number>;
  milliseconds: number;
}

/**
 * `count` posts in `tenant`, created over the last year (oldest first). SCHEDULED posts are due over the
 * next six months (none is due during the run, so no scheduler picks them up); PUBLISHED and FAILED ones
 * happened in the past. On PostgreSQL the tables are vacuumed and analyzed afterwards, as autovacuum
 * would, and a checkpoint writes the seed's pages out before anything is measured.
 */
export async function seedPosts(s: SetupContext, count: number): Promise<SeededPosts> {
  const started = performance.now();
  const { ctx, tenant } = s;
  const now = ctx.clock.now();
  const random = prng(20_241_201);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const brands: string[] = [];
  const campaignsOf = new Map<string, string[]>();
  for (let b = 1; b <= BRANDS; b++) {
    const brand = await createBrand(ctx, tenant, {
      name: `Acme Coffee ${b}`,
      timezone: 'Europe/Paris',
      voice: 'Warm, playful, no jargon.',
      colors: ['#6F4E37', '#F5DEB3'],
    });
    brands.push(brand.id);
    const campaigns: string[] = [];
    for (let c = 1; c <= CAMPAIGNS_PER_BRAND; c++) {
      const campaign = await createCampaign(ctx, tenant, {
        brandId: brand.id,
        name: `Season ${c}`,
        startDate: new Date(now - 200 * DAY).toISOString(),
        endDate: new Date(now + 200 * DAY).toISOString(),
        status: 'ACTIVE',
        platforms: [...PLATFORMS],
      });
      campaigns.push(campaign.id);
    }
    campaignsOf.set(brand.id, campaigns);
  }

  const byStatus = Object.fromEntries(POST_STATUSES.map((status) => [status, 0])) as Record<
    PostStatus,
    number
  >;
  const statusOf = (): PostStatus => {
    let r = random() * 100;
    for (const [status, share] of STATUS_MIX) if ((r -= share) < 0) return status;
    return 'DRAFT';
  };

  const ids: string[] = [];
  const since = now - 365 * DAY;
  const step = (365 * DAY) / count;
  const row = (i: number): NewPostRow => {
    // Oldest first: ids.ts makes ids increase within a process, as creation times do here.
    const createdAt = Math.floor(since + i * step);
    const id = newId('post', createdAt);
    ids.push(id);
    // The first brands are the busiest.
    const brandId = brands[Math.min(BRANDS - 1, Math.floor(random() ** 2 * BRANDS))]!;
    const platform = pick(PLATFORMS);
    const status = statusOf();
    byStatus[status]++;
    let scheduledFor: number | null = null;
    let publishedAt: number | null = null;
    let attempts = 0;
    const past = () => Math.min(createdAt + Math.floor(random() * 14 * DAY), now - MINUTE);
    switch (status) {
      case 'SCHEDULED':
        scheduledFor = now + HOUR + Math.floor(random() * 180 * DAY);
        break;
      case 'DRAFT':
        if (random() < 0.2) scheduledFor = now + DAY + Math.floor(random() * 60 * DAY);
        break;
      case 'PUBLISHED':
        scheduledFor = past();
        publishedAt = scheduledFor + 1_000 + Math.floor(random() * 30_000);
        attempts = 1;
        break;
      case 'FAILED':
        scheduledFor = past();
        attempts = 3;
        break;
      case 'CANCELLED':
        if (random() < 0.5) scheduledFor = past();
        break;
    }
    const platformPostId = publishedAt !== null ? String(1_800_000_000_000_000_000n + BigInt(i)) : null;
    return {
      id,
      organization_id: tenant.organizationId,
      environment: tenant.environment,
      brand_id: brandId,
      platform,
      social_account_id: null,
      caption: CAPTIONS[i % CAPTIONS.length]!,
      media_ids:
        random() < 0.5 ? '[]' : JSON.stringify([newId('media', createdAt), newId('media', createdAt)]),
      link: random() < 0.3 ? `https://acme.example/blog/${i}` : null,
      first_comment: platform === 'instagram' && random() < 0.3 ? '#coffee #barista #morning' : null,
      campaign_id: random() < 0.4 ? pick(campaignsOf.get(brandId)!) : null,
      status,
      scheduled_for: scheduledFor,
      published_at: publishedAt,
      platform_post_id: platformPostId,
      platform_url: platformPostId ? `https://social.example/${platform}/${platformPostId}` : null,
      error_code: status === 'FAILED' ? 'PLATFORM_REJECTED' : null,
      error_message: status === 'FAILED' ? 'The platform refused the media: unsupported aspect ratio' : null,
      metadata: random() < 0.2 ? '{"utm_campaign":"spring","owner":"lea"}' : '{}',
      publish_attempts: attempts,
      publish_started_at: attempts > 0 ? scheduledFor : null,
      created_at: createdAt,
      updated_at: publishedAt ?? createdAt,
      post_date: postDate({ scheduled_for: scheduledFor, published_at: publishedAt, created_at: createdAt }),
    };
  };

  // Bulk-load practice: the secondary indexes are dropped, the rows inserted, and the indexes built
  // again from their own definitions: about twice as fast as updating every index row by row.
  const indexes = await secondaryIndexes(s);
  for (const index of indexes) await sql`drop index ${sql.id(index.name)}`.execute(ctx.db);
  for (let from = 0; from < count; from += ROWS_PER_TRANSACTION) {
    const to = Math.min(count, from + ROWS_PER_TRANSACTION);
    await ctx.db.transaction().execute(async (trx) => {
      for (let at = from; at < to; at += ROWS_PER_INSERT[s.dialect]) {
        const rows: NewPostRow[] = [];
        for (let i = at; i < Math.min(to, at + ROWS_PER_INSERT[s.dialect]); i++) rows.push(row(i));
        await insertPosts(s, trx, rows);
      }
    });
  }
  for (const index of indexes) await sql.raw(index.sql).execute(ctx.db);
  // As autovacuum would soon after such an insert: statistics for the planner, and the visibility map
  // that lets `COUNT(*)` read the index alone.
  if (s.dialect === 'postgres') {
    await sql`vacuum (analyze) posts, brands, campaigns`.execute(ctx.db);
    // The seed's dirty pages written now rather than by a timed checkpoint spread over the next minutes,
    // during whichever rows run then. Needs superuser or pg_checkpoint; without it the run goes on.
    await sql`checkpoint`.execute(ctx.db).catch((error: unknown) => {
      console.error(
        `  seed: no checkpoint after seeding (${error instanceof Error ? error.message : error})`,
      );
    });
  }
  return { ids, byStatus, milliseconds: performance.now() - started };
}

/** The indexes of `posts` other than those of its constraints (the primary key), with their DDL. */
async function secondaryIndexes(s: SetupContext): Promise<Array<{ name: string; sql: string }>> {
  const query =
    s.dialect === 'sqlite'
      ? sql<{ name: string; sql: string }>`
          select name, sql from sqlite_master where type = 'index' and tbl_name = 'posts' and sql is not null`
      : sql<{ name: string; sql: string }>`
          select i.relname as name, pg_get_indexdef(i.oid) as sql
          from pg_index x
          join pg_class i on i.oid = x.indexrelid
          join pg_class t on t.oid = x.indrelid
          where t.relname = 'posts' and t.relnamespace = current_schema()::regnamespace
            and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`;
  return (await query.execute(s.ctx.db)).rows;
}

/** PostgreSQL types of the columns, for `unnest`. */
const PG_TYPES: Record<keyof NewPostRow, 'text' | 'bigint' | 'integer'> = {
  id: 'text',
  organization_id: 'text',
  environment: 'text',
  brand_id: 'text',
  platform: 'text',
  social_account_id: 'text',
  caption: 'text',
  media_ids: 'text',
  link: 'text',
  first_comment: 'text',
  campaign_id: 'text',
  status: 'text',
  scheduled_for: 'bigint',
  published_at: 'bigint',
  platform_post_id: 'text',
  platform_url: 'text',
  error_code: 'text',
  error_message: 'text',
  metadata: 'text',
  publish_attempts: 'integer',
  publish_started_at: 'bigint',
  created_at: 'bigint',
  updated_at: 'bigint',
  post_date: 'bigint',
};
const COLUMNS = Object.keys(PG_TYPES) as Array<keyof NewPostRow>;

/**
 * One multi-row INSERT. On PostgreSQL, `VALUES` with 11,500 parameters costs the server more than the
 * rows do; one array per column through `unnest` is more than twice as fast.
 */
async function insertPosts(s: SetupContext, db: Kysely<Database>, rows: NewPostRow[]): Promise<void> {
  if (s.dialect === 'sqlite') {
    await db.insertInto('posts').values(rows).execute();
    return;
  }
  const columns = sql.join(COLUMNS.map((c) => sql.id(c)));
  const arrays = sql.join(
    COLUMNS.map((c) => sql`${rows.map((r) => r[c] ?? null)}::${sql.raw(PG_TYPES[c])}[]`),
  );
  await sql`insert into posts (${columns}) select * from unnest(${arrays})`.execute(db);
}

/** Deterministic sample of `n` ids (with repeats when there are fewer). */
export function sampleIds(ids: readonly string[], n: number): string[] {
  const random = prng(7);
  return Array.from({ length: n }, () => ids[Math.floor(random() * ids.length)]!);
}
