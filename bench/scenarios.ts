/**
 * The benchmark's scenario table. Each row names what is measured; `setup` runs inside the server child
 * (bench/server.ts) with the real runtime before it listens, and returns the requests autocannon cycles
 * through. Adding a scenario is adding a row here: bench/run.ts and bench/server.ts need no change.
 */
import { createBrand } from '../src/modules/brands/brands.service.js';
import { seedPosts, sampleIds, type SeededPosts } from './seed-posts.js';
import type { Runtime } from '../src/runtime.js';
import type { ServiceContext } from '../src/modules/context.js';
import type { Organization } from '../src/modules/organizations/index.js';
import type { Clock } from '../src/shared/clock.js';
import type { Tenant } from '../src/shared/tenant.js';

/** Where an Audenci scenario keeps its data. PostgreSQL runs only when a database URL is given. */
export type Dialect = 'sqlite' | 'postgres';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

export interface BenchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What an Audenci scenario's `setup` gets: a started runtime with one organization and its admin key. */
export interface SetupContext {
  dialect: Dialect;
  runtime: Runtime;
  ctx: ServiceContext;
  clock: Clock;
  organization: Organization;
  /** The `live` environment of `organization`: what the admin key sees. */
  tenant: Tenant;
  /** A `live` admin key of `organization`, e.g. for `bearer(adminKey)`. */
  adminKey: string;
}

/** One response fetched before the measurement (the first request of the scenario). */
export interface Sample {
  status: number;
  body: string;
}

export interface AudenciScenario {
  kind: 'audenci';
  name: string;
  /** What a reader of the table needs to know (stable text: it is written to latest.json). */
  description: string;
  /** The request shape, e.g. `GET /api/v1/brands/{id}` (stable, unlike the ids in the requests). */
  label: string;
  /** Dialects to run on; the default is every available one. */
  dialects?: readonly Dialect[];
  /** Extra environment for `loadConfig` (e.g. `AUDENCI_AUTH_CACHE_TTL_MS`). */
  env?: Record<string, string>;
  /** Seeds data through the service layer; returns the requests to send, in order (each connection loops). */
  setup(s: SetupContext): Promise<BenchRequest[]>;
  /** Throws if the sample response is not what the scenario means to measure. */
  check?(sample: Sample): void;
}

/**
 * The bare Fastify server: no plugins, no hooks, one route answering the body the `mirrors` scenario
 * answered on SQLite, to the very same request.
 */
export interface BaselineScenario {
  kind: 'baseline';
  name: string;
  description: string;
  label: string;
  /** The Audenci scenario whose first request and response the baseline reproduces. */
  mirrors: string;
  /** The route pattern the bare server registers (the router does the same kind of work). */
  route: string;
}

export type Scenario = BaselineScenario | AudenciScenario;

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

function json(sample: Sample): { data?: unknown; pagination?: { totalCount?: number } } {
  return JSON.parse(sample.body) as { data?: unknown; pagination?: { totalCount?: number } };
}

/** A brand as a real customer would have it: every field set. */
function brandInput(i: number) {
  return {
    name: `Acme Coffee ${String(i).padStart(4, '0')}`,
    timezone: 'Europe/Paris',
    voice: 'Warm, playful, no jargon. Short sentences; one emoji at most.',
    colors: ['#6F4E37', '#F5DEB3', '#1A73E8'],
  };
}

const LIST_SIZE = 1_000;

/**
 * Posts seeded for `posts.list` and `posts.get`: 100,000 by default. `BENCH_POSTS` (at least 1,000)
 * is the quick mode, e.g. `BENCH_POSTS=10000` while iterating; figures from it are not comparable with
 * the default's.
 */
export const POSTS_SIZE = (() => {
  const raw = process.env.BENCH_POSTS?.trim();
  if (!raw) return 100_000;
  if (!/^\d+$/.test(raw) || Number(raw) < 1_000) {
    throw new Error(`BENCH_POSTS must be a whole number ≥ 1000, got '${raw}'`);
  }
  return Number(raw);
})();
const POSTS_TEXT = POSTS_SIZE.toLocaleString('en-US');
/** Distinct ids `posts.get` cycles through. */
const GET_IDS = 500;

async function seedAndLog(s: SetupContext): Promise<SeededPosts> {
  const seeded = await seedPosts(s, POSTS_SIZE);
  const n = (v: number) => v.toLocaleString('en-US');
  process.stderr.write(
    `  seeded ${n(POSTS_SIZE)} posts (${n(seeded.byStatus.SCHEDULED)} SCHEDULED) in ${(seeded.milliseconds / 1000).toFixed(1)} s\n`,
  );
  return seeded;
}

const jsonBody = { 'content-type': 'application/json' };

export const SCENARIOS: readonly Scenario[] = [
  {
    kind: 'baseline',
    name: 'baseline',
    description: 'Bare Fastify 5 (no plugins, no hooks) answering the brand GET body',
    label: 'GET /api/v1/brands/{id}',
    mirrors: 'brands.get',
    route: '/api/v1/brands/:id',
  },
  {
    kind: 'audenci',
    name: 'brands.get',
    description: 'Retrieve one brand, authenticated with an admin key',
    label: 'GET /api/v1/brands/{id}',
    async setup({ ctx, tenant, adminKey }) {
      const brand = await createBrand(ctx, tenant, brandInput(1));
      return [{ method: 'GET', path: `/api/v1/brands/${brand.id}`, headers: bearer(adminKey) }];
    },
    check(sample) {
      const { data } = json(sample);
      if (!data || typeof data !== 'object' || !('id' in data)) throw new Error('expected { data: Brand }');
    },
  },
  {
    kind: 'audenci',
    name: 'brands.list',
    description: `First page of 20 among ${LIST_SIZE} brands (createdAt desc, with totalCount)`,
    label: 'GET /api/v1/brands?limit=20',
    async setup({ ctx, tenant, adminKey }) {
      await ctx.db.transaction().execute(async (trx) => {
        for (let i = 1; i <= LIST_SIZE; i++) await createBrand({ ...ctx, db: trx }, tenant, brandInput(i));
      });
      return [{ method: 'GET', path: '/api/v1/brands?limit=20', headers: bearer(adminKey) }];
    },
    check(sample) {
      const { data, pagination } = json(sample);
      if (!Array.isArray(data) || data.length !== 20) throw new Error('expected 20 brands');
      if (pagination?.totalCount !== LIST_SIZE) throw new Error(`expected totalCount ${LIST_SIZE}`);
    },
  },
  {
    kind: 'audenci',
    name: 'posts.list',
    description: `First page of 20 SCHEDULED posts among ${POSTS_TEXT} (scheduledFor desc, with totalCount)`,
    label: 'GET /api/v1/posts?limit=20&status=SCHEDULED&sortBy=scheduledFor',
    async setup(s) {
      await seedAndLog(s);
      return [
        {
          method: 'GET',
          path: '/api/v1/posts?limit=20&status=SCHEDULED&sortBy=scheduledFor',
          headers: bearer(s.adminKey),
        },
      ];
    },
    check(sample) {
      const { data, pagination } = json(sample);
      if (!Array.isArray(data) || data.length !== 20) throw new Error('expected 20 posts');
      const posts = data as Array<{ status: string; scheduledFor: string }>;
      if (posts.some((p) => p.status !== 'SCHEDULED')) throw new Error('expected SCHEDULED posts only');
      for (let i = 1; i < posts.length; i++) {
        if (posts[i - 1]!.scheduledFor < posts[i]!.scheduledFor)
          throw new Error('expected scheduledFor desc');
      }
      // About 40 % of the posts are SCHEDULED.
      const total = pagination?.totalCount ?? 0;
      if (total < POSTS_SIZE * 0.35 || total > POSTS_SIZE * 0.45) {
        throw new Error(`expected about ${Math.round(POSTS_SIZE * 0.4)} SCHEDULED posts, got ${total}`);
      }
    },
  },
  {
    kind: 'audenci',
    name: 'posts.list.brand',
    description: `First page of 20 SCHEDULED posts of the busiest of 5 brands among ${POSTS_TEXT} (scheduledFor desc, with totalCount)`,
    label: 'GET /api/v1/posts?brandId={id}&status=SCHEDULED&sortBy=scheduledFor&limit=20',
    async setup(s) {
      await seedAndLog(s);
      // The first brand seeded is the busiest (seed-posts.ts).
      const brand = await s.ctx.db
        .selectFrom('brands')
        .select('id')
        .where('organization_id', '=', s.tenant.organizationId)
        .where('environment', '=', s.tenant.environment)
        .orderBy('created_at')
        .orderBy('id')
        .executeTakeFirstOrThrow();
      return [
        {
          method: 'GET',
          path: `/api/v1/posts?brandId=${brand.id}&status=SCHEDULED&sortBy=scheduledFor&limit=20`,
          headers: bearer(s.adminKey),
        },
      ];
    },
    check(sample) {
      const { data, pagination } = json(sample);
      if (!Array.isArray(data) || data.length !== 20) throw new Error('expected 20 posts');
      const posts = data as Array<{ status: string; scheduledFor: string; brandId: string }>;
      if (posts.some((p) => p.status !== 'SCHEDULED' || p.brandId !== posts[0]!.brandId))
        throw new Error("expected one brand's SCHEDULED posts only");
      for (let i = 1; i < posts.length; i++) {
        if (posts[i - 1]!.scheduledFor < posts[i]!.scheduledFor)
          throw new Error('expected scheduledFor desc');
      }
      // The busiest brand has about 45 % of the posts, 40 % of them SCHEDULED.
      const total = pagination?.totalCount ?? 0;
      if (total < POSTS_SIZE * 0.12 || total > POSTS_SIZE * 0.25) {
        throw new Error(
          `expected about ${Math.round(POSTS_SIZE * 0.18)} SCHEDULED posts of the brand, got ${total}`,
        );
      }
    },
  },
  {
    kind: 'audenci',
    name: 'posts.get',
    description: `Retrieve one post (${GET_IDS} ids in turn) among ${POSTS_TEXT}`,
    label: 'GET /api/v1/posts/{id}',
    async setup(s) {
      const { ids } = await seedAndLog(s);
      const headers = bearer(s.adminKey);
      return sampleIds(ids, GET_IDS).map((id) => ({ method: 'GET', path: `/api/v1/posts/${id}`, headers }));
    },
    check(sample) {
      const { data } = json(sample);
      if (!data || typeof data !== 'object' || !('id' in data)) throw new Error('expected { data: Post }');
    },
  },
  {
    kind: 'audenci',
    name: 'posts.create',
    description: 'Create a DRAFT twitter post (every request adds one; starts from an empty table)',
    label: 'POST /api/v1/posts',
    async setup({ ctx, tenant, adminKey }) {
      const brand = await createBrand(ctx, tenant, brandInput(1));
      const body = JSON.stringify({
        brandId: brand.id,
        platform: 'twitter',
        caption: 'We open at 7 tomorrow ☕ Fresh croissants from 7:30. #coffee #breakfast',
        link: 'https://acme.example/hours',
        status: 'DRAFT',
      });
      return [{ method: 'POST', path: '/api/v1/posts', headers: { ...bearer(adminKey), ...jsonBody }, body }];
    },
    check(sample) {
      const { data } = json(sample);
      const post = data as { id?: string; status?: string } | undefined;
      if (sample.status !== 201 || !post?.id || post.status !== 'DRAFT') {
        throw new Error('expected 201 { data: Post } with status DRAFT');
      }
    },
  },
];
