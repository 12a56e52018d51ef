// Every resource of the SDK against a real server: one or more calls per endpoint, asserting what the
// API answered came back typed and unwrapped.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  Audenci,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
  type Post,
} from '@audenci/sdk-js';
import { syncDueComments } from '../../../src/modules/comments/comments.sync.js';
import { makeImage } from '../../../test/fixtures/media.js';
import { signUpMember } from '../../../test/helpers/people.js';
import { dialects, eventually, makeBrand, startServer, type LiveServer } from './helpers.js';

const HOUR = 3600_000;

for (const dialect of dialects) {
  describe(`SDK resources against a real server (${dialect})`, () => {
    let server: LiveServer;
    let client: Audenci;
    let brandId: string;
    let png: Buffer;

    before(async () => {
      server = await startServer(dialect, { worker: true, env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      client = server.client();
      brandId = await makeBrand(client);
      png = await makeImage('png', 32, 24);
    });
    after(() => server.close());

    it('organization.retrieve and platforms.list / retrieve', async () => {
      const org = await client.organization.retrieve();
      assert.equal(org.id, server.tenant.org.id);
      assert.equal(org.plan, 'enterprise');
      const platforms = await client.platforms.list();
      assert.ok(platforms.some((p) => p.platform === 'twitter'));
      const twitter = await client.platforms.retrieve('twitter');
      assert.equal(twitter.platform, 'twitter');
      await assert.rejects(client.platforms.retrieve('myspace'), (e) => e instanceof Error);
    });

    it('brands: create, retrieve, update, replace, list, delete', async () => {
      const brand = await client.brands.create({
        name: 'Tea House',
        timezone: 'Europe/Paris',
        voice: 'Calm',
      });
      assert.match(brand.id, /^brand_/);
      assert.equal((await client.brands.retrieve(brand.id)).name, 'Tea House');
      // update is PATCH: the fields left out stay.
      const updated = await client.brands.update(brand.id, { name: 'Tea Room' });
      assert.deepEqual(updated, { ...brand, name: 'Tea Room', updatedAt: updated.updatedAt });
      // replace is PUT: a retrieved brand sent back edited, read-only fields included…
      const current = await client.brands.retrieve(brand.id);
      const edited = await client.brands.replace(brand.id, { ...current, colors: ['#112233'] });
      assert.deepEqual(edited, { ...current, colors: ['#112233'], updatedAt: edited.updatedAt });
      // …but not with a read-only field changed; and what it leaves out is reset.
      await assert.rejects(
        client.brands.replace(brand.id, { ...edited, createdAt: '2020-01-01T00:00:00.000Z' }),
        (e) => e instanceof InvalidInputError && e.details?.field === 'createdAt',
      );
      const reset = await client.brands.replace(brand.id, { name: 'Tea Room' });
      assert.deepEqual(reset, {
        ...edited,
        timezone: 'UTC',
        voice: null,
        colors: [],
        updatedAt: reset.updatedAt,
      });
      const page = await client.brands.list({ name: 'Tea Room' });
      assert.deepEqual(
        page.data.map((b) => b.id),
        [brand.id],
      );
      assert.deepEqual(await client.brands.delete(brand.id), { id: brand.id, deleted: true });
      await assert.rejects(client.brands.retrieve(brand.id), NotFoundError);
    });

    it('posts: create, retrieve, update, replace, validate, publish, delete, batchCreate, batchUpdate', async () => {
      const post = await client.posts.create({
        brandId,
        platform: 'twitter',
        caption: 'Hello from the SDK',
        firstComment: 'First!',
      });
      assert.match(post.id, /^post_/);
      assert.equal(post.status, 'DRAFT');
      assert.equal((await client.posts.retrieve(post.id)).caption, 'Hello from the SDK');
      // replace is PUT: optional fields left out are cleared.
      const replaced = await client.posts.replace(post.id, {
        brandId,
        platform: 'twitter',
        caption: 'Replaced',
      });
      assert.deepEqual(replaced, {
        ...post,
        caption: 'Replaced',
        firstComment: null,
        updatedAt: replaced.updatedAt,
      });
      // update is PATCH: fields left out stay.
      const patched = await client.posts.update(post.id, { link: 'https://example.com/spring' });
      assert.deepEqual(patched, {
        ...replaced,
        link: 'https://example.com/spring',
        updatedAt: patched.updatedAt,
      });
      // GET → edit → PUT: the retrieved post, read-only fields and all, sent back with one change.
      const current = await client.posts.retrieve(post.id);
      const edited = await client.posts.replace(post.id, { ...current, caption: 'Round trip' });
      assert.deepEqual(edited, { ...current, caption: 'Round trip', updatedAt: edited.updatedAt });
      await assert.rejects(
        client.posts.replace(post.id, { ...edited, id: 'post_01M8FHSW4FSXDVQCQJRMA72QE2' }),
        (e) => e instanceof InvalidInputError && e.details?.field === 'id',
      );
      await assert.rejects(
        client.posts.update(post.id, { caption: 'x', createdAt: edited.createdAt } as never),
        (e) => e instanceof InvalidInputError && e.details?.field === 'createdAt',
      );
      // The deprecated name of update still works.
      assert.equal((await client.posts.patch(post.id, { caption: 'Patched' })).caption, 'Patched');

      const report = await client.posts.validate({ platform: 'twitter', caption: 'x'.repeat(400) });
      assert.equal(report.valid, false);
      assert.ok(report.violations.some((v) => v.rule === 'text.maxLength'));

      const publishing = await client.posts.publish(post.id);
      assert.equal(publishing.status, 'PUBLISHING');
      const published = await eventually(async () => {
        const p = await client.posts.retrieve(post.id);
        return p.status === 'PUBLISHED' ? p : undefined;
      });
      assert.ok(published.platformUrl);
      await assert.rejects(client.posts.update(post.id, { caption: 'too late' }), ConflictError);
      await assert.rejects(
        client.posts.replace(post.id, { ...published, caption: 'too late' }),
        ConflictError,
      );

      const batch = await client.posts.batchCreate({
        posts: [
          { brandId, platform: 'twitter', caption: 'one' },
          { brandId, platform: 'twitter', caption: '' },
        ],
      });
      assert.deepEqual(batch.summary, { total: 2, succeeded: 1, failed: 1 });
      assert.equal(batch.data[0]!.status, 201);
      assert.equal(batch.data[1]!.error?.code, 'INVALID_INPUT');
      const createdId = batch.data[0]!.data!.id;
      const changed = await client.posts.batchUpdate({ posts: [{ id: createdId, caption: 'uno' }] });
      assert.equal(changed.data[0]!.data!.caption, 'uno');

      assert.deepEqual(await client.posts.delete(createdId), { id: createdId, deleted: true });
      await assert.rejects(client.posts.retrieve(createdId), NotFoundError);
    });

    it('campaigns: create, retrieve, update, replace, list, listPosts, delete', async () => {
      const campaign = await client.campaigns.create({
        brandId,
        name: 'Spring',
        startDate: '2030-03-01',
        endDate: '2030-04-01',
        platforms: ['twitter'],
      });
      assert.match(campaign.id, /^cmp_/);
      assert.equal((await client.campaigns.retrieve(campaign.id)).name, 'Spring');
      const updated = await client.campaigns.update(campaign.id, { name: 'Spring blend' });
      assert.deepEqual(updated, { ...campaign, name: 'Spring blend', updatedAt: updated.updatedAt });
      const current = await client.campaigns.retrieve(campaign.id);
      const replaced = await client.campaigns.replace(campaign.id, { ...current, goal: 'awareness' });
      assert.deepEqual(replaced, { ...current, goal: 'awareness', updatedAt: replaced.updatedAt });
      const { brandId: own, name, startDate, endDate } = replaced;
      const reset = await client.campaigns.replace(campaign.id, { brandId: own, name, startDate, endDate });
      assert.deepEqual(reset, { ...replaced, goal: null, platforms: [], updatedAt: reset.updatedAt });
      const list = await client.campaigns.list({ brandId });
      assert.ok(list.data.some((c) => c.id === campaign.id));
      const post = await client.posts.create({
        brandId,
        platform: 'twitter',
        caption: 'In the campaign',
        campaignId: campaign.id,
      });
      const posts = await client.campaigns.listPosts(campaign.id);
      assert.deepEqual(
        posts.data.map((p) => p.id),
        [post.id],
      );
      assert.deepEqual(await client.campaigns.delete(campaign.id), { id: campaign.id, deleted: true });
      assert.equal((await client.posts.retrieve(post.id)).campaignId, null);
    });

    it('socialAccounts: createSandbox, list, retrieve, connect, analytics, delete', async () => {
      const account = await client.socialAccounts.createSandbox({
        brandId,
        platform: 'facebook',
        name: 'Page',
      });
      assert.match(account.id, /^acct_/);
      assert.equal((await client.socialAccounts.retrieve(account.id)).name, 'Page');
      const list = await client.socialAccounts.list({ brandId, platform: 'facebook' });
      assert.ok(list.data.some((a) => a.id === account.id));
      const connection = await client.socialAccounts.connect({ brandId, platform: 'instagram' });
      assert.match(connection.authorizationUrl, /^https?:\/\//);
      assert.equal(typeof connection.state, 'string');

      // Two days of follower counts, as the worker stores them (yesterday and the day before).
      const today = Date.parse(new Date().toISOString().slice(0, 10));
      const day = (n: number) => new Date(today - n * 24 * HOUR).toISOString().slice(0, 10);
      await server.t.runtime.ctx.db
        .insertInto('account_stats')
        .values(
          [2, 1].map((n, i) => ({
            id: `acst_sdk_${n}`,
            organization_id: server.tenant.org.id,
            environment: 'test' as const,
            social_account_id: account.id,
            brand_id: brandId,
            platform: 'facebook',
            captured_at: today - n * 24 * HOUR + HOUR,
            followers: 100 + i * 7,
            following: null,
            posts: 3,
          })),
        )
        .execute();
      const stats = await client.socialAccounts.analytics(account.id, { startDate: day(2), endDate: day(0) });
      assert.equal(stats.socialAccountId, account.id);
      assert.deepEqual(
        stats.days.map((d) => [d.date, d.followers, d.followersChange]),
        [
          [day(2), 100, null],
          [day(1), 107, 7],
        ],
      );
      assert.ok(
        (await client.socialAccounts.analytics(account.id)).days.length >= 2,
        'default: last 90 days',
      );
      await assert.rejects(
        client.socialAccounts.analytics(account.id, { startDate: day(0), endDate: day(2) }),
        InvalidInputError,
      );
      assert.deepEqual(await client.socialAccounts.delete(account.id), { id: account.id, deleted: true });
      await assert.rejects(client.socialAccounts.analytics(account.id), NotFoundError);
    });

    it('media: upload a Blob, bytes, a web stream, a Node stream and a path; import, list, retrieve, content, delete', async () => {
      const fromBlob = await client.media.upload(new Blob([png]), { brandId, filename: 'blob.png' });
      assert.match(fromBlob.id, /^med_/);
      assert.equal(fromBlob.mimeType, 'image/png');
      assert.equal(fromBlob.brandId, brandId);
      const fromBytes = await client.media.upload(new Uint8Array(png));
      assert.equal(fromBytes.size, png.length);
      const fromWebStream = await client.media.upload(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(png.subarray(0, 10));
            controller.enqueue(png.subarray(10));
            controller.close();
          },
        }),
      );
      assert.equal(fromWebStream.size, png.length);
      const fromNodeStream = await client.media.upload(Readable.from([png.subarray(0, 7), png.subarray(7)]));
      assert.equal(fromNodeStream.size, png.length);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-sdk-'));
      try {
        const file = path.join(dir, 'photo.png');
        fs.writeFileSync(file, png);
        const fromPath = await client.media.upload(file, { brandId });
        assert.equal(fromPath.filename, 'photo.png');
        assert.equal(fromPath.size, png.length);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }

      const origin = http.createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'image/png' }).end(png),
      );
      await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
      try {
        const imported = await client.media.import({
          url: `http://127.0.0.1:${(origin.address() as AddressInfo).port}/pic.png`,
          brandId,
        });
        assert.equal(imported.size, png.length);
      } finally {
        origin.close();
      }

      assert.equal((await client.media.retrieve(fromBlob.id)).id, fromBlob.id);
      const list = await client.media.list({ brandId });
      assert.ok(list.data.some((m) => m.id === fromBlob.id));
      const content = await client.media.content(fromBlob.id);
      assert.equal(content.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await content.arrayBuffer()), png);
      const range = await client.media.content(fromBlob.id, { range: 'bytes=0-3' });
      assert.equal(range.status, 206);
      assert.deepEqual(Buffer.from(await range.arrayBuffer()), png.subarray(0, 4));
      assert.deepEqual(await client.media.delete(fromBlob.id), { id: fromBlob.id, deleted: true });
    });

    it('images.generate and captions.generate', async () => {
      const images = await client.images.generate({
        prompt: 'Spring cold brew',
        brandId,
        n: 1,
        size: '64x64',
      });
      assert.ok(Array.isArray(images), 'the builtin provider answers with the media items');
      assert.equal(images.length, 1);
      assert.equal(images[0]!.source, 'generated');
      const drafts = await client.captions.generate({
        topic: 'Spring cold brew',
        platform: 'instagram',
        n: 2,
      });
      assert.equal(drafts.length, 2);
      assert.equal(typeof drafts[0]!.caption, 'string');
      assert.ok(Array.isArray(drafts[0]!.hashtags));
    });

    it('plans: generatePreview, create, list, retrieve, apply, delete', async () => {
      const start = new Date(Date.now() + 2 * 24 * HOUR).toISOString().slice(0, 10);
      const end = new Date(Date.now() + 16 * 24 * HOUR).toISOString().slice(0, 10);
      const params = {
        brandId,
        startDate: start,
        endDate: end,
        platforms: ['twitter' as const],
        postsPerWeek: 2,
      };
      const preview = await client.plans.generatePreview(params);
      assert.ok(preview.items.length >= 3);
      const plan = await client.plans.create({ name: 'Fortnight', ...params });
      assert.match(plan.id, /^plan_/);
      assert.equal(plan.status, 'draft');
      assert.equal((await client.plans.retrieve(plan.id)).name, 'Fortnight');
      assert.ok((await client.plans.list({ brandId })).data.some((p) => p.id === plan.id));
      const applied = await client.plans.apply(plan.id);
      assert.equal(applied.created, true);
      assert.equal((await client.plans.apply(plan.id)).created, false);
      assert.deepEqual(await client.plans.delete(plan.id), { id: plan.id, deleted: true });
    });

    it('analytics.retrieve and analytics.post; comments.list, listForPost and reply', async () => {
      const post = await client.posts.create({ brandId, platform: 'facebook', caption: 'Comments please' });
      await client.posts.publish(post.id);
      await eventually(async () =>
        (await client.posts.retrieve(post.id)).status === 'PUBLISHED' ? true : undefined,
      );
      const report = await client.analytics.retrieve({ groupBy: 'platform' });
      assert.ok(Array.isArray(report.rows));
      assert.equal(typeof report.totals, 'object');
      const single = await client.analytics.post(post.id);
      assert.equal(single.postId, post.id);

      // Published "3 hours ago": the sandbox then has comments; the sync stores them.
      const { runtime } = server.t;
      await runtime.ctx.db
        .updateTable('posts')
        .set({ published_at: Date.now() - 3 * HOUR })
        .where('id', '=', post.id)
        .execute();
      await syncDueComments({
        ctx: runtime.ctx,
        connectors: runtime.connectors,
        resolveAccount: () => Promise.reject(new Error('no live accounts here')),
      });
      const forPost = await client.comments.listForPost(post.id, { limit: 100 });
      assert.ok(forPost.data.length > 0);
      assert.ok(forPost.data.every((c) => c.postId === post.id));
      const all = await client.comments.list({ postId: post.id });
      assert.equal(all.pagination.totalCount, forPost.pagination.totalCount);
      const reply = await client.comments.reply(forPost.data[0]!.id, { text: 'Thank you!' });
      assert.equal(reply.own, true);
      assert.equal(reply.text, 'Thank you!');
    });

    it('apiKeys: create, list, retrieve, rotate, revoke', async () => {
      const created = await client.apiKeys.create({ scope: 'read', name: 'reporting' });
      assert.match(created.key, /^sk_test_/);
      const reader = new Audenci({ apiKey: created.key, baseUrl: server.url });
      assert.equal((await reader.organization.retrieve()).id, server.tenant.org.id);
      assert.equal((await client.apiKeys.retrieve(created.id)).name, 'reporting');
      assert.ok((await client.apiKeys.list()).data.some((k) => k.id === created.id));
      const rotated = await client.apiKeys.rotate(created.id, { gracePeriodSeconds: 0 });
      assert.notEqual(rotated.key, created.key);
      const revoked = await client.apiKeys.revoke(rotated.id);
      assert.equal(revoked.id, rotated.id);
      assert.ok(revoked.revokedAt);
    });

    it('events: list and retrieve', async () => {
      const post: Post = await client.posts.create({ brandId, platform: 'twitter', caption: 'An event' });
      const page = await client.events.list({ type: 'post.created', limit: 5 });
      const event = page.data.find((e) => (e.data as { id?: string }).id === post.id);
      assert.ok(event, 'post.created is in the event log');
      const again = await client.events.retrieve(event.id);
      assert.equal(again.type, 'post.created');
      assert.equal(again.organizationId, server.tenant.org.id);
    });

    it('auditLog: list, filtered', async () => {
      const created = await client.apiKeys.create({ scope: 'read', name: 'audited' });
      const page = await client.auditLog.list({ targetId: created.id, limit: 5 });
      assert.deepEqual(
        page.data.map((e) => [e.action, e.actor.type, e.target?.id, e.data?.name]),
        [['api_key.created', 'api_key', created.id, 'audited']],
      );
      const reader = new Audenci({ apiKey: server.tenant.test.read, baseUrl: server.url });
      await assert.rejects(async () => reader.auditLog.list(), PermissionDeniedError);
    });

    it('organization.update; members: list, retrieve, update, del; invitations: create, list, revoke', async () => {
      const renamed = await client.organization.update({ name: 'SDK Org' });
      assert.equal(renamed.name, 'SDK Org');
      assert.equal((await client.organization.retrieve()).usage.environment, 'test');

      const orgId = server.tenant.org.id;
      await signUpMember(server.t, orgId, 'owner', 'owner@sdk.test');
      await signUpMember(server.t, orgId, 'editor', 'editor@sdk.test');
      const members = await client.members.list({ sortOrder: 'asc' });
      assert.deepEqual(
        members.data.map((m) => [m.email, m.role]),
        [
          ['owner@sdk.test', 'owner'],
          ['editor@sdk.test', 'editor'],
        ],
      );
      const [owner, editor] = members.data;
      assert.equal((await client.members.retrieve(editor!.id)).email, 'editor@sdk.test');
      assert.equal((await client.members.update(editor!.id, { role: 'viewer' })).role, 'viewer');
      // An API key acts as an admin: owners are an owner's business.
      await assert.rejects(client.members.update(owner!.id, { role: 'admin' }), PermissionDeniedError);
      assert.equal(await client.members.del(editor!.id), undefined);
      await assert.rejects(client.members.retrieve(editor!.id), NotFoundError);

      const invited = await client.invitations.create({ email: 'Ada@SDK.test', role: 'viewer' });
      assert.equal(invited.email, 'ada@sdk.test');
      assert.equal(invited.delivery, 'link');
      assert.match(invited.acceptUrl!, /\/invitations\/accept\?token=/);
      const pending = await client.invitations.list({ status: 'pending' });
      assert.deepEqual(
        pending.data.map((i) => [i.id, i.invitedBy]),
        [[invited.id, null]],
      );
      assert.equal(await client.invitations.revoke(invited.id), undefined);
      assert.equal((await client.invitations.list({ status: 'revoked' })).data[0]?.id, invited.id);
      await assert.rejects(
        client.invitations.create({ email: 'owner@sdk.test', role: 'viewer' }),
        ConflictError,
      );
    });
  });
}
