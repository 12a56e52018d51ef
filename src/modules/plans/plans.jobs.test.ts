import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { waitForJob } from '../../../test/helpers/job-types.js';
import { createWorker, type Worker } from '../../worker/index.js';
import { JobTypeRegistry, type ChunkContext, type JobTypeHandler } from '../jobs/index.js';
import { planApplyJobType, type PlanApplyPayload, type PlanApplyState } from './plans.jobs.js';

type Chunk = ChunkContext<PlanApplyPayload, PlanApplyState>;

/**
 * `plans.apply` through `POST /jobs` and the real chunk runner. The worker runs a copy of the type with
 * hooks (`before` runs ahead of a chunk's transaction, `after` inside it, once the chunk's writes are done),
 * so a test can watch the progress between chunks or make a chunk fail after its writes, as a worker
 * dying mid-chunk would.
 */
function hooked(hooks: {
  before?: (offset: number) => Promise<void>;
  after?: (chunk: Chunk) => void;
}): JobTypeHandler<PlanApplyPayload, PlanApplyState> {
  return {
    ...planApplyJobType,
    prepareChunk: async ({ offset }) => hooks.before?.(offset),
    async runChunk(chunk) {
      const result = await planApplyJobType.runChunk(chunk);
      hooks.after?.(chunk);
      return result;
    },
  };
}

for (const dialect of dialects) {
  describe(`plans.apply job (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let clock: ManualClock;
    let brandId: string;
    let worker: Worker | undefined;
    const rw = () => tenant.live.read_write;

    async function newPlan(name: string, postsPerWeek = 3): Promise<{ id: string; items: unknown[] }> {
      const res = await call(t.app, 'POST', '/api/v1/plans', {
        key: rw(),
        body: {
          name,
          brandId,
          startDate: '2027-03-01',
          endDate: '2027-03-29',
          platforms: ['instagram', 'twitter'],
          postsPerWeek,
        },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data;
    }

    const submit = (planId: unknown, key = rw()) =>
      call(t.app, 'POST', '/api/v1/jobs', { key, body: { type: 'plans.apply', payload: { planId } } });

    function startWith(type: JobTypeHandler<PlanApplyPayload, PlanApplyState>): Promise<void> {
      const { runtime } = t;
      worker = createWorker(
        {
          config: runtime.config,
          ctx: runtime.ctx,
          db: runtime.ctx.db,
          connectors: runtime.connectors,
          tokenBox: runtime.tokenBox,
          webhookBox: runtime.webhookBox,
          media: runtime.media,
          jobTypes: new JobTypeRegistry([type as unknown as JobTypeHandler]),
        },
        { pollMs: 50, sweepEveryMs: 100, leaseMs: 60_000 },
      );
      return worker.start();
    }
    async function stopWorker() {
      await worker?.stop();
      worker = undefined;
    }

    async function campaignsNamed(name: string) {
      const res = await call(t.app, 'GET', '/api/v1/campaigns?limit=100', { key: tenant.live.read });
      return (res.body.data as { id: string; name: string }[]).filter((c) => c.name === name);
    }
    async function postsOf(campaignId: string): Promise<{ id: string; caption: string }[]> {
      const res = await call(t.app, 'GET', `/api/v1/campaigns/${campaignId}/posts?limit=100`, {
        key: tenant.live.read,
      });
      assert.equal(res.status, 200, res.raw);
      return res.body.data;
    }

    before(async () => {
      clock = new ManualClock(Date.parse('2027-01-15T12:00:00Z'));
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Acme Coffee', timezone: 'America/New_York' },
      });
      brandId = res.body.data.id;
    });
    after(async () => {
      await stopWorker();
      await t.close();
    });

    it('creates the campaign and its drafts, the progress moving chunk by chunk; the result names them', async () => {
      const plan = await newPlan('Progress plan');
      assert.equal(plan.items.length, 24);
      const submitted = await submit(plan.id);
      assert.equal(submitted.status, 202, submitted.raw);
      const job = submitted.body.data;
      assert.equal(job.type, 'plans.apply');
      assert.equal(job.status, 'queued');
      assert.deepEqual(job.progress, { total: 24, processed: 0, succeeded: 0, failed: 0 });

      // Before each chunk: the progress the API shows is what the committed chunks did.
      const seen: number[] = [];
      await startWith(
        hooked({
          before: async (offset) => {
            const now = await call(t.app, 'GET', `/api/v1/jobs/${job.id}`, { key: tenant.live.read });
            assert.equal(now.body.data.status, 'running');
            assert.deepEqual(now.body.data.progress, {
              total: 24,
              processed: offset,
              succeeded: offset,
              failed: 0,
            });
            seen.push(now.body.data.progress.processed);
          },
        }),
      );
      const done = await waitForJob(t, tenant.live.read, job.id);
      await stopWorker();
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(seen, [0, 5, 10, 15, 20]);
      assert.deepEqual(done.progress, { total: 24, processed: 24, succeeded: 24, failed: 0 });
      assert.deepEqual(done.errors, []);

      const applied = await call(t.app, 'GET', `/api/v1/plans/${plan.id}`, { key: tenant.live.read });
      assert.equal(applied.body.data.status, 'applied');
      const campaignId = applied.body.data.campaignId;
      assert.match(campaignId, /^cmp_/);
      const posts = await postsOf(campaignId);
      assert.equal(posts.length, 24);
      assert.deepEqual(done.result, {
        planId: plan.id,
        campaignId,
        postIds: done.result.postIds,
        postsCreated: 24,
        failed: 0,
      });
      assert.deepEqual([...done.result.postIds].sort(), posts.map((p) => p.id).sort());
      assert.deepEqual((await campaignsNamed('Progress plan')).length, 1);
      // The drafts are the plan's items, in order, as the synchronous apply makes them.
      const first = await call(t.app, 'GET', `/api/v1/posts/${done.result.postIds[0]}`, { key: rw() });
      assert.equal(first.body.data.status, 'DRAFT');
      assert.equal(first.body.data.metadata.plan.id, plan.id);
      assert.equal(first.body.data.scheduledFor, (plan.items[0] as { scheduledFor: string }).scheduledFor);
    });

    it('an item the post rules refuse is an item error; the other drafts are created', async () => {
      const plan = await newPlan('Refused item plan');
      const items = plan.items as { platform: string; mediaSuggestion: { prompt: string } }[];
      const bad = 7;
      // A stored item whose post the posts' rules refuse: its metadata (the media prompt) is too big.
      items[bad]!.mediaSuggestion.prompt = 'x'.repeat(20_000);
      await t.runtime.ctx.db
        .updateTable('plans')
        .set({ items: JSON.stringify(items) })
        .where('id', '=', plan.id)
        .execute();
      const submitted = await submit(plan.id);
      await startWith(planApplyJobType);
      const done = await waitForJob(t, tenant.live.read, submitted.body.data.id);
      await stopWorker();
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(done.progress, { total: 24, processed: 24, succeeded: 23, failed: 1 });
      assert.equal(done.errors.length, 1);
      assert.equal(done.errors[0].index, bad);
      assert.equal(done.errors[0].code, 'INVALID_INPUT');
      assert.equal(done.errors[0].field, 'metadata');
      assert.equal(done.result.postsCreated, 23);
      assert.equal(done.result.failed, 1);
      assert.equal(done.result.postIds.length, 23);
      assert.equal((await postsOf(done.result.campaignId)).length, 23);
    });

    it('refuses a plan already applied: 409 naming its campaign, and no job', async () => {
      const plan = await newPlan('Applied plan');
      const applied = await call(t.app, 'POST', `/api/v1/plans/${plan.id}/apply`, { key: rw() });
      assert.equal(applied.status, 200, applied.raw);
      const res = await submit(plan.id);
      assert.equal(res.status, 409, res.raw);
      assert.equal(res.body.error.code, 'CONFLICT');
      assert.equal(
        res.body.error.message,
        `Plan '${plan.id}' has already been applied (campaign '${applied.body.data.campaign.id}'); a plan is applied once`,
      );
      assert.equal(res.body.error.details.campaignId, applied.body.data.campaign.id);
      const jobs = await call(t.app, 'GET', '/api/v1/jobs?limit=100', { key: tenant.live.read });
      assert.equal(
        (jobs.body.data as { type: string; status: string }[]).filter(
          (j) => j.type === 'plans.apply' && j.status === 'queued',
        ).length,
        0,
      );
    });

    it('a plan applied after the job was queued fails the job; nothing is created twice', async () => {
      const plan = await newPlan('Raced plan');
      const submitted = await submit(plan.id);
      assert.equal(submitted.status, 202, submitted.raw);
      const applied = await call(t.app, 'POST', `/api/v1/plans/${plan.id}/apply`, { key: rw() });
      assert.equal(applied.body.data.created, true);
      await startWith(planApplyJobType);
      const done = await waitForJob(t, tenant.live.read, submitted.body.data.id);
      await stopWorker();
      assert.equal(done.status, 'failed');
      assert.equal(done.error.code, 'JOB_FAILED');
      assert.match(done.error.message, /has already been applied/);
      assert.equal((await campaignsNamed('Raced plan')).length, 1);
      assert.equal((await postsOf(applied.body.data.campaign.id)).length, 24);
    });

    it("another organization's plan, or the test environment's view of it, is not found (400 naming payload.planId)", async () => {
      const plan = await newPlan('Private plan');
      for (const key of [other.live.read_write, tenant.test.read_write]) {
        const res = await submit(plan.id, key);
        assert.equal(res.status, 400, res.raw);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, 'payload.planId');
        assert.equal(res.body.error.message, `payload.planId: no plan with id '${plan.id}'`);
      }
      const bad = await call(t.app, 'POST', '/api/v1/jobs', {
        key: rw(),
        body: { type: 'plans.apply', payload: { plan: plan.id } },
      });
      assert.equal(bad.status, 400, bad.raw);
      assert.match(bad.body.error.details.field, /^payload/);
      const read = await submit(plan.id, tenant.live.read);
      assert.equal(read.status, 403, read.raw);
      const still = await call(t.app, 'GET', `/api/v1/plans/${plan.id}`, { key: rw() });
      assert.equal(still.body.data.status, 'draft');
    });

    it('a worker dying mid-chunk: the retry resumes after the last committed chunk, nothing made twice', async () => {
      const plan = await newPlan('Crash plan');
      const submitted = await submit(plan.id);
      const id = submitted.body.data.id;
      // The first chunk (claim, campaign, 5 drafts) commits; the second does its writes and then dies.
      let died = false;
      await startWith(
        hooked({
          after: (chunk) => {
            if (chunk.offset === 5 && !died) {
              died = true;
              throw new Error('the worker died');
            }
          },
        }),
      );
      const interrupted = await waitForJob(t, tenant.live.read, id, () => died);
      await stopWorker();
      const between = await waitForJob(t, tenant.live.read, id, (job) => job.status !== 'running');
      assert.equal(between.status, 'queued', JSON.stringify(between));
      assert.deepEqual(between.progress, { total: 24, processed: 5, succeeded: 5, failed: 0 });
      assert.ok(interrupted);
      const [campaign] = await campaignsNamed('Crash plan');
      assert.equal((await postsOf(campaign!.id)).length, 5, 'the dead chunk left nothing');

      // The retry (after its back-off) resumes at item 5 with the same campaign.
      clock.advance(60_000);
      await startWith(planApplyJobType);
      const done = await waitForJob(t, tenant.live.read, id);
      await stopWorker();
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(done.progress, { total: 24, processed: 24, succeeded: 24, failed: 0 });
      assert.equal((await campaignsNamed('Crash plan')).length, 1);
      const posts = await postsOf(campaign!.id);
      assert.equal(posts.length, 24);
      const captions = (plan.items as { caption: string }[]).map((i) => i.caption).sort();
      assert.deepEqual(posts.map((p) => p.caption).sort(), captions, 'each item once');
      assert.equal(done.result.campaignId, campaign!.id);
      assert.equal(new Set(done.result.postIds).size, 24);
    });
  });
}
