import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Page, type Audenci } from '@audenci/sdk-js';
import { dialects, makeBrand, startServer, type LiveServer } from './helpers.js';

for (const dialect of dialects) {
  describe(`SDK pagination (${dialect})`, () => {
    let server: LiveServer;
    let client: Audenci;
    let brandId: string;
    /** The URLs of the requests the client made (path and query). */
    const urls: string[] = [];

    before(async () => {
      server = await startServer(dialect);
      const observed: typeof fetch = (input, init) => {
        urls.push(String(input).replace(server.url, ''));
        return fetch(input, init);
      };
      client = server.client({ fetch: observed });
      brandId = await makeBrand(client);
      const batch = await client.posts.batchCreate({
        posts: Array.from({ length: 45 }, (_, i) => ({
          brandId,
          platform: 'twitter' as const,
          caption: `Post ${i}`,
        })),
      });
      assert.deepEqual(batch.summary, { total: 45, succeeded: 45, failed: 0 });
    });
    after(() => server.close());

    it('for await over a list walks every page with the cursor: 45 posts with limit 20 yield 45 distinct posts', async () => {
      urls.length = 0;
      const ids: string[] = [];
      for await (const post of client.posts.list({ brandId, limit: 20, status: 'DRAFT' })) {
        ids.push(post.id);
        // Keyset pagination is stable while posts are added: a newer post never shifts the pages.
        if (ids.length === 1) await client.posts.create({ brandId, platform: 'twitter', caption: 'Newer' });
      }
      assert.equal(ids.length, 45);
      assert.equal(new Set(ids).size, 45);
      const lists = urls.filter((u) => u.startsWith('/api/v1/posts?'));
      assert.equal(lists.length, 3, 'three pages were requested');
      const queries = lists.map((u) => new URL(u, 'http://x').searchParams);
      assert.equal(queries[0]!.get('cursor'), null);
      for (const q of queries.slice(1)) {
        assert.ok(q.get('cursor'), 'later pages continue with the cursor');
        assert.equal(q.get('limit'), '20');
        assert.equal(q.get('brandId'), brandId, 'the filters are kept');
        assert.equal(q.get('status'), 'DRAFT');
      }
    });

    it('awaiting a list gives its first page; getNextPage / hasNextPage / iterPages / firstPage walk the rest', async () => {
      const list = client.posts.list({ brandId, limit: 20, sortBy: 'createdAt', sortOrder: 'asc' });
      const first = await list;
      assert.ok(first instanceof Page);
      assert.equal(first.data.length, 20);
      assert.equal(first.pagination.totalCount, 46);
      assert.equal(first.pagination.limit, 20);
      assert.equal(first.hasNextPage(), true);
      assert.equal(await list.firstPage(), first, 'the first page is fetched once');
      const second = await first.getNextPage();
      const third = await second.getNextPage();
      assert.equal(third.data.length, 6);
      assert.equal(third.hasNextPage(), false);
      assert.equal(third.pagination.nextCursor, null);
      await assert.rejects(third.getNextPage(), /No next page/);
      const all = [...first.data, ...second.data, ...third.data].map((p) => p.id);
      assert.equal(new Set(all).size, 46);
      assert.deepEqual([...all].sort(), all, 'ascending by creation (ids are time-sortable)');

      const sizes: number[] = [];
      for await (const page of first.iterPages()) sizes.push(page.data.length);
      assert.deepEqual(sizes, [20, 20, 6]);
    });
  });
}
