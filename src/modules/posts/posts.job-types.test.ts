import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMediaItem } from '../../../test/helpers/media.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type TestApp,
} from '../../../test/helpers/app.js';
import { AppError } from '../../shared/errors.js';
import { MAX_JSON_DEPTH } from '../../shared/json-depth.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ChunkResult, ItemError, JobTypeHandler } from '../jobs/jobs.types.js';
import { makeImage } from '../../../test/fixtures/media.js';
import { parseCsv } from './posts.csv.js';
import { postsJobTypes } from './posts.job-types.js';

const HOUR = 3600_000;
const types = new Map(postsJobTypes({ publishRetryDelays: [1, 2] }).map((h) => [h.type, h]));
const handler = (type: string) => types.get(type)!;

interface Run {
  chunks: number;
  progress: { processed: number; succeeded: number; failed: number };
  errors: ItemError[];
  output: string;
  state: unknown;
}

for (const dialect of dialects) {
  describe(`posts job types (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let key: string;
    let admin: string;
    let brandId: string;
    let otherBrandId: string;
    let mediaA: string;
    let mediaB: string;
    let clock: ManualClock;
    const future = (hours: number) => new Date(clock.now() + hours * HOUR).toISOString();

    before(async () => {
      clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
      t = await createTestApp(dialect, { clock, env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      const org = await createTenant(t);
      tenant = { organizationId: org.org.id, environment: 'live' };
      key = org.live.read_write;
      mediaA = await createMediaItem(t, tenant);
      mediaB = await createMediaItem(t, tenant, await makeImage('png', 17, 17));
      admin = org.live.admin;
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: org.live.admin, body: { name: 'B' } });
      brandId = brand.body.data.id;
      const other = await call(t.app, 'POST', '/api/v1/brands', {
        key: org.live.admin,
        body: { name: 'B2' },
      });
      otherBrandId = other.body.data.id;
    });
    after(() => t.close());

    const ctx = () => t.runtime.ctx;

    async function prepare(type: string, payload: unknown) {
      return handler(type).prepare(ctx(), tenant, payload);
    }

    /** Runs chunks as the runner would: each in its own transaction, state and offset carried. */
    async function run(
      type: string,
      payload: unknown,
      options: { offset?: number; state?: unknown; maxChunks?: number; limit?: number } = {},
    ): Promise<Run> {
      const h = handler(type) as JobTypeHandler<unknown, unknown>;
      let offset = options.offset ?? 0;
      let state = options.state;
      let output = '';
      const errors: ItemError[] = [];
      const progress = { processed: 0, succeeded: 0, failed: 0 };
      let chunks = 0;
      for (;;) {
        if (options.maxChunks !== undefined && chunks >= options.maxChunks) break;
        const result: ChunkResult<unknown> = await ctx()
          .db.transaction()
          .execute((trx) =>
            h.runChunk({
              ctx: ctx(),
              trx,
              tenant,
              payload,
              state,
              offset,
              limit: options.limit ?? h.chunkSize,
              output: {
                async append(text) {
                  output += text;
                },
              },
            }),
          );
        chunks++;
        offset += result.processed;
        state = result.state;
        progress.processed += result.processed;
        progress.succeeded += result.succeeded;
        progress.failed += result.failed;
        errors.push(...result.errors);
        if (result.done) break;
      }
      return { chunks, progress, errors, output, state };
    }

    async function captions(brand = brandId): Promise<string[]> {
      const rows = await ctx()
        .db.selectFrom('posts')
        .select('caption')
        .where('organization_id', '=', tenant.organizationId)
        .where('brand_id', '=', brand)
        .execute();
      return rows.map((r) => r.caption);
    }

    async function invalid(type: string, payload: unknown, field: string, reason?: RegExp) {
      await assert.rejects(prepare(type, payload), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'INVALID_INPUT');
        assert.equal(error.details?.field, field);
        if (reason) assert.match(String(error.details?.reason), reason);
        return true;
      });
    }

    it('posts.import: 10,000 posts, every one present once, with its events', async (test) => {
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: 'Bulk' },
      });
      const bulkBrand = brand.body.data.id as string;
      const posts = Array.from({ length: 10_000 }, (_, i) => ({
        platform: i % 2 ? 'twitter' : 'facebook',
        caption: `bulk ${i}`,
        ...(i % 3 === 0 ? { scheduledFor: future(1 + (i % 48)) } : {}),
      }));
      const prepared = await prepare('posts.import', { brandId: bulkBrand, posts });
      assert.equal(prepared.total, 10_000);
      const started = Date.now();
      const result = await run('posts.import', prepared.payload);
      const ms = Date.now() - started;
      assert.deepEqual(result.progress, { processed: 10_000, succeeded: 10_000, failed: 0 });
      assert.equal(result.chunks, 20);
      const all = await captions(bulkBrand);
      assert.equal(all.length, 10_000);
      assert.equal(new Set(all).size, 10_000);
      const events = await ctx()
        .db.selectFrom('events')
        .select(['type', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('organization_id', '=', tenant.organizationId)
        .where('brand_id', '=', bulkBrand)
        .groupBy('type')
        .orderBy('type')
        .execute();
      assert.deepEqual(
        events.map((e) => [e.type, Number(e.n)]),
        [
          ['post.created', 10_000],
          ['post.scheduled', 3334],
        ],
      );
      // Through the API, as any post.
      const list = await call(t.app, 'GET', '/api/v1/posts', {
        key,
        query: { brandId: bulkBrand, limit: 1 },
      });
      assert.equal(list.body.pagination.totalCount, 10_000);
      test.diagnostic(`${dialect}: imported 10,000 posts in ${ms} ms`);
    });

    it('posts.import (CSV): 50 bad rows among 1,000 are reported by index and line; the rest are created', async () => {
      const bad = new Set(Array.from({ length: 50 }, (_, k) => k * 19 + 7));
      const lines = ['brandId,platform,caption,scheduledFor,mediaIds,metadata'];
      for (let i = 0; i < 1000; i++) {
        if (!bad.has(i))
          lines.push(`,twitter,"csv ${i}, ok",${future(2)},${mediaA}|${mediaB},"{""n"":${i}}"`);
        else if (i % 3 === 0)
          lines.push(`,twitter,,,,`); // caption missing
        else if (i % 3 === 1)
          lines.push(`,twitter,"${'x'.repeat(281)}",${future(2)},,`); // over 280 and scheduled
        else lines.push(`,twitter,csv ${i},,,{not json`);
      }
      const prepared = await prepare('posts.import', { brandId: otherBrandId, csv: lines.join('\r\n') });
      assert.equal(prepared.total, 1000);
      const result = await run('posts.import', prepared.payload);
      assert.deepEqual(result.progress, { processed: 1000, succeeded: 950, failed: 50 });
      assert.deepEqual(
        result.errors.map((e) => e.index),
        [...bad].sort((a, b) => a - b),
      );
      for (const error of result.errors) {
        assert.equal(error.code, 'INVALID_INPUT');
        // Data row i is on line i + 2 (the header is line 1).
        assert.ok(error.message.startsWith(`Line ${error.index + 2}: `), error.message);
        const expected = error.index % 3 === 0 ? 'caption' : error.index % 3 === 1 ? 'caption' : 'metadata';
        assert.equal(error.field, expected);
      }
      const ruled = result.errors.find((e) => e.index % 3 === 1)!;
      assert.match(ruled.message, /text\.maxLength/);
      const created = await captions(otherBrandId);
      assert.equal(created.length, 950);
      const one = await ctx()
        .db.selectFrom('posts')
        .selectAll()
        .where('caption', '=', 'csv 0, ok')
        .executeTakeFirstOrThrow();
      assert.equal(one.status, 'SCHEDULED');
      assert.deepEqual(JSON.parse(one.media_ids), [mediaA, mediaB]);
      assert.deepEqual(JSON.parse(one.metadata), { n: 0 });
    });

    it('posts.import (CSV): a metadata cell nesting too deeply is an item error, however deep', async () => {
      const cell = (levels: number) => `"{""a"":${'['.repeat(levels - 1)}1${']'.repeat(levels - 1)}}"`;
      const lines = [
        'platform,caption,metadata',
        `twitter,deepest allowed,${cell(MAX_JSON_DEPTH - 1)}`,
        `twitter,one level more,${cell(MAX_JSON_DEPTH)}`,
        `twitter,fifty thousand,${cell(50_000)}`,
      ];
      const prepared = await prepare('posts.import', { brandId, csv: lines.join('\n') });
      const result = await run('posts.import', prepared.payload);
      assert.deepEqual(result.progress, { processed: 3, succeeded: 1, failed: 2 });
      const reason = `Must nest objects and arrays at most ${MAX_JSON_DEPTH - 1} levels deep`;
      assert.deepEqual(
        result.errors.map((e) => [e.index, e.code, e.field, e.message]),
        [
          [1, 'INVALID_INPUT', 'metadata', `Line 3: metadata: ${reason.replace(/^M/, 'm')}`],
          [2, 'INVALID_INPUT', 'metadata', `Line 4: metadata: ${reason.replace(/^M/, 'm')}`],
        ],
      );
      const kept = await ctx()
        .db.selectFrom('posts')
        .select('metadata')
        .where('caption', '=', 'deepest allowed')
        .executeTakeFirstOrThrow();
      const written = cell(MAX_JSON_DEPTH - 1)
        .slice(1, -1)
        .replaceAll('""', '"');
      assert.deepEqual(JSON.parse(kept.metadata), JSON.parse(written));
    });

    it('posts.import: the payload is checked at submission; the items are not', async () => {
      await invalid('posts.import', {}, 'payload', /exactly one of posts/);
      await invalid('posts.import', { posts: [], brandId }, 'payload.posts');
      await invalid('posts.import', { posts: [{}], csv: 'a' }, 'payload', /exactly one/);
      await invalid('posts.import', { posts: [{}], extra: 1 }, 'payload.extra');
      await invalid('posts.import', { csv: '' }, 'payload.csv');
      await invalid(
        'posts.import',
        { csv: 'caption,colour,size\nhi,red,2' },
        'payload.csv',
        /'colour', 'size'/,
      );
      await invalid('posts.import', { csv: 'caption,caption\nhi,ho' }, 'payload.csv', /named twice/);
      await invalid('posts.import', { csv: 'caption,platform\n' }, 'payload.csv', /no data rows/);
      await invalid(
        'posts.import',
        { csv: 'caption\n"open' },
        'payload.csv',
        /Line 2: a quoted field is never closed/,
      );
      const tooMany = Array.from({ length: 100_001 }, () => ({}));
      await invalid('posts.import', { posts: tooMany }, 'payload.posts', /at most 100000/);
      // Bad items pass prepare and fail, each on its own, in the chunk.
      const prepared = await prepare('posts.import', {
        brandId,
        posts: [{ caption: 'no platform' }, 42, { platform: 'twitter', caption: 'fine', id: 'post_x' }],
      });
      assert.equal(prepared.total, 3);
      const result = await run('posts.import', prepared.payload);
      assert.deepEqual(
        result.errors.map((e) => [e.index, e.field]),
        [
          [0, 'platform'],
          [1, undefined],
          [2, 'id'],
        ],
      );
      // A CSV row with the wrong number of fields is an item error naming its line.
      const csv = await prepare('posts.import', {
        brandId,
        csv: 'platform,caption\ntwitter,a,b\ntwitter,"x"y\n',
      });
      const csvRun = await run('posts.import', csv.payload);
      assert.deepEqual(
        csvRun.errors.map((e) => e.message),
        [
          'Line 2: The row has 3 fields; the header has 2',
          'Line 3: Text after a closing quote (write a quote inside a quoted field as "")',
        ],
      );
    });

    it('posts.import resumes at offset = processed: no duplicate, none missing', async () => {
      const brand = otherBrandId;
      const before_ = (await captions(brand)).length;
      const posts = Array.from({ length: 1100 }, (_, i) => ({
        brandId: brand,
        platform: 'facebook',
        caption: `resume ${i}`,
      }));
      const prepared = await prepare('posts.import', { posts });
      const first = await run('posts.import', prepared.payload, { limit: 200, maxChunks: 3 });
      assert.equal(first.progress.processed, 600);
      // The process "crashed" here: a new runner starts after the last committed chunk.
      const rest = await run('posts.import', prepared.payload, {
        limit: 200,
        offset: first.progress.processed,
        state: first.state,
      });
      assert.equal(rest.progress.processed, 500);
      const all = (await captions(brand)).filter((c) => c.startsWith('resume '));
      assert.equal(all.length, 1100);
      assert.equal(new Set(all).size, 1100);
      assert.equal((await captions(brand)).length, before_ + 1100);
    });

    it('posts.update: items as in PUT /posts/batch, errors by index', async () => {
      const made = await prepare('posts.import', {
        brandId,
        posts: [1, 2, 3].map((n) => ({ platform: 'twitter', caption: `upd ${n}` })),
      });
      await run('posts.import', made.payload);
      const rows = await ctx()
        .db.selectFrom('posts')
        .select(['id', 'caption'])
        .where('caption', 'like', 'upd %')
        .orderBy('caption')
        .execute();
      await call(t.app, 'PATCH', `/api/v1/posts/${rows[2]!.id}`, { key, body: { status: 'CANCELLED' } });
      const prepared = await prepare('posts.update', {
        posts: [
          { id: rows[0]!.id, caption: 'upd changed', scheduledFor: future(5), status: 'SCHEDULED' },
          { id: 'post_nope', caption: 'x' },
          { id: rows[2]!.id, caption: 'x' },
          { caption: 'no id' },
          { id: rows[1]!.id, platform: 'facebook' },
        ],
      });
      const result = await run('posts.update', prepared.payload);
      assert.deepEqual(result.progress, { processed: 5, succeeded: 2, failed: 3 });
      assert.deepEqual(
        result.errors.map((e) => [e.index, e.code]),
        [
          [1, 'NOT_FOUND'],
          [2, 'CONFLICT'],
          [3, 'INVALID_INPUT'],
        ],
      );
      const read = await call(t.app, 'GET', `/api/v1/posts/${rows[0]!.id}`, { key });
      assert.equal(read.body.data.caption, 'upd changed');
      assert.equal(read.body.data.status, 'SCHEDULED');
      const second = await call(t.app, 'GET', `/api/v1/posts/${rows[1]!.id}`, { key });
      assert.equal(second.body.data.platform, 'facebook');
      assert.equal(second.body.data.caption, 'upd 2');
      await invalid('posts.update', { posts: [] }, 'payload.posts');
    });

    it('posts.delete by filter: the ids are frozen at submission', async () => {
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: 'Delete me' },
      });
      const id = brand.body.data.id as string;
      const make = (platform: string, caption: string) =>
        call(t.app, 'POST', '/api/v1/posts', { key, body: { brandId: id, platform, caption } });
      const doomed = [await make('twitter', 'd1'), await make('twitter', 'd2'), await make('twitter', 'd3')];
      await make('facebook', 'keep fb');
      const published = await call(t.app, 'POST', `/api/v1/posts/${doomed[2]!.body.data.id}/publish`, {
        key,
      });
      assert.equal(published.status, 202);
      const prepared = await prepare('posts.delete', { filter: { brandId: id, platform: 'twitter' } });
      assert.deepEqual(prepared.payload, { ids: doomed.map((d) => d.body.data.id) });
      assert.equal(prepared.total, 3);
      const late = await make('twitter', 'created after submission');
      const result = await run('posts.delete', prepared.payload);
      assert.deepEqual(result.progress, { processed: 3, succeeded: 2, failed: 1 });
      assert.deepEqual(result.errors, [
        {
          index: 2,
          code: 'CONFLICT',
          message: 'The post is being published; delete it once publishing ends',
        },
      ]);
      assert.deepEqual((await captions(id)).sort(), ['created after submission', 'd3', 'keep fb']);
      const deletedEvents = await ctx()
        .db.selectFrom('events')
        .select('data')
        .where('type', '=', 'post.deleted')
        .where('brand_id', '=', id)
        .execute();
      assert.equal(deletedEvents.length, 2);
      assert.equal((await call(t.app, 'GET', `/api/v1/posts/${late.body.data.id}`, { key })).status, 200);
      await invalid('posts.delete', { ids: ['a'], filter: {} }, 'payload', /exactly one/);
      await invalid('posts.delete', { filter: { status: 'GONE' } }, 'payload.filter.status');
      await invalid('posts.delete', { filter: { startDate: 'soon' } }, 'payload.filter.startDate');
      await invalid(
        'posts.delete',
        { filter: { startDate: '2026-07-01', endDate: '2026-06-01' } },
        'payload.filter.endDate',
      );
      const byIds = await prepare('posts.delete', { ids: ['post_gone'] });
      const missing = await run('posts.delete', byIds.payload);
      assert.equal(missing.errors[0]!.code, 'NOT_FOUND');
    });

    it('posts.publish: each as POST /posts/{id}/publish, with the same errors', async () => {
      const make = (body: Record<string, unknown>) =>
        call(t.app, 'POST', '/api/v1/posts', { key, body: { brandId, platform: 'twitter', ...body } });
      const ok = await make({ caption: 'publish ok' });
      const tooLong = await make({ caption: 'y'.repeat(300) });
      const cancelled = await make({ caption: 'publish cancelled' });
      await call(t.app, 'PATCH', `/api/v1/posts/${cancelled.body.data.id}`, {
        key,
        body: { status: 'CANCELLED' },
      });
      const ids = [ok, tooLong, cancelled].map((r) => r.body.data.id as string);
      const prepared = await prepare('posts.publish', { ids: [...ids, 'post_none'] });
      const result = await run('posts.publish', prepared.payload);
      assert.deepEqual(result.progress, { processed: 4, succeeded: 1, failed: 3 });
      const single = await call(t.app, 'POST', `/api/v1/posts/${tooLong.body.data.id}/publish`, { key });
      assert.deepEqual(
        result.errors.map((e) => [e.index, e.code, e.message]),
        [
          [1, 'INVALID_INPUT', single.body.error.message],
          [2, 'CONFLICT', 'A CANCELLED post cannot be published'],
          [3, 'NOT_FOUND', "No post with id 'post_none'"],
        ],
      );
      const read = await call(t.app, 'GET', `/api/v1/posts/${ids[0]}`, { key });
      assert.equal(read.body.data.status, 'PUBLISHING');
      const job = await ctx()
        .db.selectFrom('jobs')
        .select(['type', 'max_attempts'])
        .where('dedupe_key', '=', `post.publish:${ids[0]}`)
        .executeTakeFirstOrThrow();
      assert.deepEqual(job, { type: 'post.publish', max_attempts: 3 });
      await invalid('posts.publish', { ids: [] }, 'payload.ids');
    });

    it('posts.export: CSV of the filtered posts that imports back to the same posts; resumable', async () => {
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'Export' } });
      const id = brand.body.data.id as string;
      const tricky = [
        { platform: 'twitter', caption: 'Hello, "world"' },
        { platform: 'facebook', caption: 'multi\nline\r\ncaption', link: 'https://example.com/a?b=1,2' },
        {
          platform: 'instagram',
          caption: '  spaced  ',
          firstComment: '#tag, #more',
          metadata: { a: [1, 'x,y'] },
        },
        {
          platform: 'twitter',
          caption: 'scheduled ☕',
          scheduledFor: future(30),
          mediaIds: [mediaA, mediaB],
        },
      ];
      for (let i = 0; i < 26; i++) tricky.push({ platform: 'twitter', caption: `plain ${i}` });
      for (const body of tricky) {
        const res = await call(t.app, 'POST', '/api/v1/posts', { key, body: { brandId: id, ...body } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      const prepared = await prepare('posts.export', { filter: { brandId: id }, format: 'csv' });
      assert.equal(prepared.total, 30);
      assert.equal(handler('posts.export').scope, 'read');
      assert.deepEqual(handler('posts.export').output, {
        contentType: 'text/csv; charset=utf-8',
        filename: 'posts.csv',
      });
      const whole = await run('posts.export', prepared.payload, { limit: 7 });
      assert.equal(whole.progress.processed, 30);
      // Resume after 2 chunks with the state they returned: the same file.
      const part = await run('posts.export', prepared.payload, { limit: 7, maxChunks: 2 });
      const rest = await run('posts.export', prepared.payload, {
        limit: 7,
        offset: part.progress.processed,
        state: part.state,
      });
      assert.equal(part.output + rest.output, whole.output);
      const records = parseCsv(whole.output);
      assert.equal(records.length, 31);
      assert.deepEqual(records[0]!.cells, [
        'brandId',
        'platform',
        'socialAccountId',
        'caption',
        'scheduledFor',
        'link',
        'firstComment',
        'campaignId',
        'mediaIds',
        'metadata',
      ]);

      // Import the file into another brand: the same posts again.
      const target = await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'Copy' } });
      const copyId = target.body.data.id as string;
      const csv = whole.output.replaceAll(id, copyId);
      const imported = await prepare('posts.import', { csv });
      const result = await run('posts.import', imported.payload);
      assert.deepEqual(result.progress, { processed: 30, succeeded: 30, failed: 0 });
      const shape = async (brand: string) => {
        const list = await call(t.app, 'GET', '/api/v1/posts', {
          key,
          query: { brandId: brand, limit: 100, sortOrder: 'asc' },
        });
        return list.body.data.map((p: Record<string, unknown>) => ({
          ...p,
          id: undefined,
          brandId: undefined,
          createdAt: undefined,
          updatedAt: undefined,
        }));
      };
      assert.deepEqual(await shape(copyId), await shape(id));
      await invalid('posts.export', { format: 'xlsx' }, 'payload.format');
    });

    it('a bulk import fans out to webhooks like single creates', async () => {
      const hook = await call(t.app, 'POST', '/api/v1/webhooks', {
        key: admin,
        body: { url: 'http://127.0.0.1:9/hook', events: ['post.created'] },
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const prepared = await prepare('posts.import', {
        brandId,
        posts: [1, 2, 3].map((n) => ({
          platform: 'twitter',
          caption: `hooked ${n}`,
          scheduledFor: future(1),
        })),
      });
      await run('posts.import', prepared.payload);
      const deliveries = await ctx()
        .db.selectFrom('webhook_deliveries')
        .select(['event_type', 'payload'])
        .where('endpoint_id', '=', hook.body.data.id)
        .execute();
      assert.equal(deliveries.length, 3);
      assert.deepEqual(
        deliveries.map((d) => (JSON.parse(d.payload) as { data: { caption: string } }).data.caption).sort(),
        ['hooked 1', 'hooked 2', 'hooked 3'],
      );
      await call(t.app, 'DELETE', `/api/v1/webhooks/${hook.body.data.id}`, { key: admin });
    });
  });
}
