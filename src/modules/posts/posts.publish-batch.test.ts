import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { createTestDatabase, dialects, type TestDatabase } from '../../../test/helpers/app.js';
import type { Database } from '../../db/database.js';
import { jobHandlers } from '../../db/queue/contract.js';
import { createRuntime, type Runtime } from '../../runtime.js';
import { systemClock } from '../../shared/clock.js';
import type { Tenant } from '../../shared/tenant.js';
import { Worker } from '../../worker/worker.js';
import { createBrand } from '../brands/brands.service.js';
import { createOrganization } from '../organizations/organizations.service.js';
import { Coalescer } from './posts.coalesce.js';
import { PUBLISH_JOB, postsWorkerParts, type PublishDeps } from './posts.jobs.js';
import type { PostRow } from '../../db/tables/posts.js';
import { createPost } from './posts.service.js';

/**
 * Publish jobs that a worker runs at the same time share their database work (docs/publishing.md,
 * "Bursts"): the posts of a burst are marked PUBLISHED in shared transactions, yet each post keeps its
 * own outcome — a post whose PUBLISHED write fails does not take the others of its batch down with it.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Coalescer', () => {
  it('serves the calls of one turn with one run, each with its own answer or error', async () => {
    const runs: number[][] = [];
    const coalescer = new Coalescer<number, number>(async (items) => {
      runs.push(items);
      return items.map((n) =>
        n < 0
          ? { status: 'rejected', reason: new Error(`negative ${n}`) }
          : { status: 'fulfilled', value: n * 2 },
      );
    }, 3);
    const answers = await Promise.allSettled([1, 2, -3, 4].map((n) => coalescer.add(n)));
    assert.deepEqual(runs, [[1, 2, -3], [4]], 'one turn, split at maxBatch');
    assert.deepEqual(
      answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message)),
      [2, 4, 'negative -3', 8],
    );
    await nextTurn();
    assert.equal(await coalescer.add(5), 10);
    assert.deepEqual(runs.at(-1), [5], 'a later turn is a run of its own');
  });

  it('rejects every call of a run that throws', async () => {
    const coalescer = new Coalescer<number, number>(() => Promise.reject(new Error('down')));
    const answers = await Promise.allSettled([1, 2].map((n) => coalescer.add(n)));
    assert.deepEqual(
      answers.map((a) => a.status === 'rejected' && (a.reason as Error).message),
      ['down', 'down'],
    );
  });
});

for (const dialect of dialects) {
  describe(`publish jobs of a burst (${dialect})`, () => {
    let database: TestDatabase;
    let runtime: Runtime;
    let db: Kysely<Database>;
    let tenant: Tenant;
    let brandId: string;
    const workers: Worker[] = [];
    const errors: string[] = [];

    before(async () => {
      database = createTestDatabase(dialect);
      runtime = await createRuntime(database.config, {
        schema: database.schema,
        sqliteFile: database.sqliteFile,
      });
      db = runtime.ctx.db;
      const organization = await createOrganization(db, systemClock, { name: 'Burst', plan: 'enterprise' });
      tenant = { organizationId: organization.id, environment: 'test' };
      brandId = (await createBrand(runtime.ctx, tenant, { name: 'Burst brand', timezone: 'UTC' })).id;
    });

    after(async () => {
      for (const worker of workers) await worker.stop(1000);
      await runtime?.close();
      await database?.drop();
    });

    /** `count` posts, due now, handed to their publish jobs by the scheduler's sweep. */
    async function duePosts(count: number, caption: string): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const post = await createPost(runtime.ctx, tenant, {
          brandId,
          platform: 'twitter',
          caption: `${caption} ${i}`,
          scheduledFor: new Date(Date.now() + 3_600_000).toISOString(),
        });
        ids.push(post.id);
      }
      await db.updateTable('posts').set({ scheduled_for: Date.now() }).where('id', 'in', ids).execute();
      return ids;
    }

    /** A worker running only the publish handler and the scheduler, with `onPublished` given. */
    async function publishWorker(onPublished: PublishDeps['onPublished']) {
      const parts = postsWorkerParts(
        {
          ctx: runtime.ctx,
          connectors: runtime.connectors,
          resolveAccount: async (_tenant, post) => ({
            id: null,
            platformAccountId: `sandbox-${post.brand_id}`,
            accessToken: 'sandbox',
            metadata: { platform: post.platform },
          }),
          loadMedia: async () => [],
          retryDelays: [0.05],
          onPublished,
        },
        50,
      );
      const worker = new Worker({
        queue: runtime.ctx.queue,
        db,
        clock: systemClock,
        handlers: jobHandlers(parts.jobs),
        periodic: parts.periodic,
        concurrency: 8,
        pollMs: 50,
        onError: (error, what) =>
          errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`),
      });
      workers.push(worker);
      await worker.start();
      return worker;
    }

    async function postsOf(ids: string[]) {
      return db
        .selectFrom('posts')
        .select(['id', 'status', 'publish_attempts', 'platform_post_id'])
        .where('id', 'in', ids)
        .execute();
    }

    async function settled(ids: string[]) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const rows = await postsOf(ids);
        if (rows.every((r) => r.status === 'PUBLISHED' || r.status === 'FAILED')) return rows;
        if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(rows)}`);
        await sleep(25);
      }
    }

    it('marks the posts of a burst PUBLISHED in shared transactions, each once', async () => {
      const ids = await duePosts(16, 'Shared');
      const transactions = new Map<Kysely<Database>, string[]>();
      const worker = await publishWorker(async (trx, _tenant, posts: PostRow[]) => {
        transactions.set(trx, [...(transactions.get(trx) ?? []), ...posts.map((post) => post.id)]);
      });
      const rows = await settled(ids);
      await worker.stop(1000);
      assert.deepEqual(
        rows.filter((r) => r.status !== 'PUBLISHED' || r.publish_attempts !== 1 || !r.platform_post_id),
        [],
        'every post PUBLISHED once, with its platform post id',
      );
      const written = [...transactions.values()].flat().sort();
      assert.deepEqual(written, [...ids].sort(), 'each post written once');
      // 16 posts, 8 jobs at a time: one transaction per batch (without batching: one per post).
      assert.ok(
        transactions.size <= 4,
        `16 posts in ${transactions.size} transactions (${[...transactions.values()].map((p) => p.length).join(', ')})`,
      );
      const jobs = await db
        .selectFrom('jobs')
        .select(['status', 'attempts'])
        .where('type', '=', PUBLISH_JOB)
        .where('organization_id', '=', tenant.organizationId)
        .where(
          'payload',
          'in',
          ids.map((id) => JSON.stringify({ postId: id })),
        )
        .execute();
      assert.equal(jobs.length, 16);
      assert.ok(jobs.every((j) => j.status === 'succeeded' && j.attempts === 1));
      assert.deepEqual(errors, []);
    });

    it('a post whose PUBLISHED write fails does not fail the others of its batch', async () => {
      const ids = await duePosts(8, 'One bad');
      const bad = ids[3]!;
      let failures = 0;
      const worker = await publishWorker(async (_trx, _tenant, posts) => {
        if (posts.some((post) => post.id === bad) && failures++ < 2)
          throw new Error('metric syncs could not be scheduled');
      });
      const rows = await settled(ids);
      await worker.stop(1000);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of ids) {
        assert.equal(byId.get(id)?.status, 'PUBLISHED', id);
        // Only the bad post was tried again (alone, its write failed again); the others ran one attempt.
        assert.equal(byId.get(id)?.publish_attempts, id === bad ? 2 : 1, id);
      }
      assert.equal(failures, 3, 'the shared transaction, the bad post alone, then its second attempt');
      assert.deepEqual(errors, []);
    });
  });
}
