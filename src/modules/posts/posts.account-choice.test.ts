import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { ConnectorRegistry } from '../../platforms/registry.js';
import { createSandboxConnector, sandboxAccount } from '../../platforms/sandbox/sandbox.connector.js';
import type { Environment } from '../../shared/tenant.js';
import { createWorker, type Worker } from '../../worker/index.js';
import { accountsContext, saveConnectedAccount } from '../accounts/accounts.service.js';

/**
 * How a post picks its social account (docs/publishing.md, "Which account a post publishes through"):
 * the one it names; else its brand's only account of its platform, stored on the post when it publishes;
 * several fail the post, none fails a live post and sends a test post through the sandbox identity. The
 * live environment's X connector is the sandbox here, so both environments publish without a network.
 */
for (const dialect of dialects) {
  describe(`which social account a post publishes through (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;

    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      const { runtime } = t;
      const sandbox = createSandboxConnector({
        now: () => t.clock.now(),
        publicUrl: runtime.config.publicUrl,
      });
      worker = createWorker(
        {
          config: runtime.config,
          ctx: runtime.ctx,
          db: runtime.ctx.db,
          connectors: new ConnectorRegistry({ twitter: sandbox }, sandbox),
          tokenBox: runtime.tokenBox,
          webhookBox: runtime.webhookBox,
          media: runtime.media,
          jobTypes: runtime.jobTypes,
        },
        { pollMs: 100, sweepEveryMs: 100, leaseMs: 5000 },
      );
      await worker.start();
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
    });

    const keys = (environment: Environment) => tenant[environment];

    async function brand(environment: Environment, name: string): Promise<string> {
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: keys(environment).admin,
        body: { name },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data.id;
    }

    /** An account of the brand: sandbox accounts through the API, live ones as an OAuth callback stores them. */
    async function account(environment: Environment, brandId: string): Promise<string> {
      if (environment === 'test') {
        const res = await call(t.app, 'POST', '/api/v1/social-accounts', {
          key: keys('test').read_write,
          body: { brandId, platform: 'twitter', name: 'Acme' },
        });
        assert.equal(res.status, 201, res.raw);
        return res.body.data.id;
      }
      const ctx = accountsContext(t.runtime.ctx, {
        connectors: t.runtime.connectors,
        tokenBox: t.runtime.tokenBox,
        publicUrl: t.runtime.config.publicUrl,
      });
      const row = await saveConnectedAccount(
        ctx,
        { organizationId: tenant.org.id, environment: 'live' },
        { brandId, platform: 'twitter' },
        sandboxAccount({ seed: randomBytes(8).toString('hex'), name: 'Acme', now: t.clock.now() }),
      );
      return row.id;
    }

    /** Creates a twitter post, publishes it now and waits until the worker is done with it. */
    async function published(environment: Environment, body: Record<string, unknown>) {
      const key = keys(environment).read_write;
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key,
        body: { platform: 'twitter', caption: 'Which account?', ...body },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      const publish = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, { key });
      assert.equal(publish.status, 202, publish.raw);
      for (let i = 0; i < 200; i++) {
        const post = (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key })).body.data;
        if (post.status !== 'PUBLISHING') return post;
        await sleep(25);
      }
      throw new Error(`post ${id} is still PUBLISHING`);
    }

    for (const environment of ['live', 'test'] as const) {
      it(`${environment}: without socialAccountId, the brand's only account of the platform; it is shown after`, async () => {
        const brandId = await brand(environment, `One account (${environment})`);
        const only = await account(environment, brandId);
        const post = await published(environment, { brandId });
        assert.equal(post.status, 'PUBLISHED', JSON.stringify(post.error));
        assert.equal(post.socialAccountId, only);
      });

      it(`${environment}: several accounts and none named fail the post naming them; a named one publishes`, async () => {
        const brandId = await brand(environment, `Two accounts (${environment})`);
        const first = await account(environment, brandId);
        const second = await account(environment, brandId);
        const failed = await published(environment, { brandId });
        assert.equal(failed.status, 'FAILED');
        assert.equal(failed.error.code, 'account_unavailable');
        assert.match(failed.error.message, /several twitter accounts/);
        assert.ok(failed.error.message.includes(first) && failed.error.message.includes(second));
        assert.equal(failed.socialAccountId, null);

        const named = await published(environment, { brandId, socialAccountId: second });
        assert.equal(named.status, 'PUBLISHED', JSON.stringify(named.error));
        assert.equal(named.socialAccountId, second);
      });
    }

    it('live: no account of the platform fails the post, saying what to do', async () => {
      const brandId = await brand('live', 'No account (live)');
      const post = await published('live', { brandId });
      assert.equal(post.status, 'FAILED');
      assert.equal(post.error.code, 'account_unavailable');
      assert.match(post.error.message, /has no twitter account; connect one/);
      assert.equal(post.socialAccountId, null);
    });

    it('test: no account of the platform publishes through the sandbox identity', async () => {
      const brandId = await brand('test', 'No account (test)');
      const post = await published('test', { brandId });
      assert.equal(post.status, 'PUBLISHED', JSON.stringify(post.error));
      assert.equal(post.socialAccountId, null);
      assert.match(post.platformUrl, /\/twitter\//);
    });
  });
}
