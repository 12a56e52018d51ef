import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Answer,
  type KeySet,
  type Tenant,
  type TestApp,
} from './helpers/app.js';

const PREFIXES = ['/api/v1', '/api'];
const MISSING = { post: 'post_01M8FHSW4FSXDVQCQJRMA72QE2', campaign: 'cmp_01M8FHSW4FSXDVQCQJRMA72QE2' };
/** A whole campaign for `PUT`: valid, so that only the id decides the answer. */
const HIJACKED_CAMPAIGN = {
  brandId: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2',
  name: 'Hijacked',
  startDate: '2026-01-01',
  endDate: '2026-02-01',
  status: 'ARCHIVED',
};

/** A 404 in the envelope, exactly as for an id that does not exist at all: existence does not leak. */
function assertNotFound(res: Answer, noSuch: Answer, id: string, what: string): void {
  assert.equal(res.status, 404, `${what}: ${res.status} ${res.raw}`);
  assert.deepEqual(Object.keys(res.body), ['error'], what);
  assert.equal(res.body.error.code, 'NOT_FOUND', what);
  assert.equal(res.body.error.details, undefined, what);
  assert.ok(res.body.error.message.includes(id), `${what}: message names the id`);
  assert.equal(noSuch.status, 404, `${what}: baseline ${noSuch.raw}`);
  assert.deepEqual(
    { ...res.body, error: { ...res.body.error, message: res.body.error.message.replace(id, '<id>') } },
    {
      ...noSuch.body,
      error: { ...noSuch.body.error, message: noSuch.body.error.message.replace(/\w+_01M8\w+/, '<id>') },
    },
    `${what}: same answer as for an id that does not exist`,
  );
}

function assertInvalid(res: Answer, field: string, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.status} ${res.raw}`);
  assert.equal(res.body.error.code, 'INVALID_INPUT', what);
  assert.equal(res.body.error.details.field, field, what);
}

const ids = (res: Answer): string[] => res.body.data.map((x: { id: string }) => x.id);

for (const dialect of dialects) {
  describe(`tenant isolation of posts and campaigns (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    let aBrands: string[];
    let aCampaigns: string[];
    let aPosts: string[];
    /** What each intruder owns: one brand, one campaign, one post. */
    const own = new Map<KeySet, { brand: string; campaign: string; post: string }>();

    const intruders = () => [
      { who: 'organization B (live)', keys: b.live },
      { who: 'organization B (test)', keys: b.test },
      { who: "organization A's test environment", keys: a.test },
    ];

    async function seed(keys: KeySet, brandName: string) {
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: keys.admin,
        body: { name: brandName },
      });
      assert.equal(brand.status, 201, brand.raw);
      const campaign = await call(t.app, 'POST', '/api/v1/campaigns', {
        key: keys.read_write,
        body: {
          brandId: brand.body.data.id,
          name: `${brandName} campaign`,
          startDate: '2026-07-01',
          endDate: '2026-08-01',
        },
      });
      assert.equal(campaign.status, 201, campaign.raw);
      const post = await call(t.app, 'POST', '/api/v1/posts', {
        key: keys.read_write,
        body: {
          brandId: brand.body.data.id,
          platform: 'twitter',
          caption: `${brandName} post`,
          campaignId: campaign.body.data.id,
        },
      });
      assert.equal(post.status, 201, post.raw);
      return {
        brand: brand.body.data.id as string,
        campaign: campaign.body.data.id as string,
        post: post.body.data.id as string,
      };
    }

    before(async () => {
      t = await createTestApp(dialect);
      a = await createTenant(t, { name: 'Org A' });
      b = await createTenant(t, { name: 'Org B' });
      aBrands = [];
      aCampaigns = [];
      aPosts = [];
      for (const name of ['A Coffee', 'A Tea']) {
        const brand = await call(t.app, 'POST', '/api/v1/brands', { key: a.live.admin, body: { name } });
        assert.equal(brand.status, 201, brand.raw);
        aBrands.push(brand.body.data.id);
        const campaign = await call(t.app, 'POST', '/api/v1/campaigns', {
          key: a.live.read_write,
          body: {
            brandId: brand.body.data.id,
            name: `${name} secret launch`,
            description: 'Confidential',
            startDate: '2026-07-01',
            endDate: '2026-09-01',
            status: 'ACTIVE',
            platforms: ['twitter', 'facebook'],
          },
        });
        assert.equal(campaign.status, 201, campaign.raw);
        aCampaigns.push(campaign.body.data.id);
        for (const [i, extra] of [
          { campaignId: campaign.body.data.id },
          {
            campaignId: campaign.body.data.id,
            scheduledFor: new Date(Date.now() + 30 * 86400_000).toISOString(),
          },
          {},
        ].entries()) {
          const post = await call(t.app, 'POST', '/api/v1/posts', {
            key: a.live.read_write,
            body: {
              brandId: brand.body.data.id,
              platform: 'twitter',
              caption: `${name} secret ${i}`,
              metadata: { s: 1 },
              ...extra,
            },
          });
          assert.equal(post.status, 201, post.raw);
          aPosts.push(post.body.data.id);
        }
      }
      own.set(b.live, await seed(b.live, 'B live'));
      own.set(b.test, await seed(b.test, 'B test'));
      own.set(a.test, await seed(a.test, 'A sandbox'));
    });
    after(() => t.close());

    /** A's live posts and campaigns, as stored and as A's own API shows them. */
    async function snapshotOfA() {
      const db = t.runtime.ctx.db;
      const api = async (path: string) => {
        const res = await call(t.app, 'GET', `/api/v1/${path}`, { key: a.live.read });
        assert.equal(res.status, 200, res.raw);
        return res.body.data;
      };
      return {
        posts: await db
          .selectFrom('posts')
          .selectAll()
          .where('organization_id', '=', a.org.id)
          .where('environment', '=', 'live')
          .orderBy('id')
          .execute(),
        campaigns: await db
          .selectFrom('campaigns')
          .selectAll()
          .where('organization_id', '=', a.org.id)
          .where('environment', '=', 'live')
          .orderBy('id')
          .execute(),
        apiPosts: await Promise.all(aPosts.map((id) => api(`posts/${id}`))),
        apiCampaigns: await Promise.all(aCampaigns.map((id) => api(`campaigns/${id}`))),
        apiCampaignPosts: await Promise.all(aCampaigns.map((id) => api(`campaigns/${id}/posts`))),
      };
    }

    it("cannot read, update (PUT/PATCH) or delete A's live posts: 404 as for a missing id", async () => {
      const before = await snapshotOfA();
      assert.equal(before.posts.length, 6);
      for (const { who, keys } of intruders()) {
        const mine = own.get(keys)!;
        const replacement = { brandId: mine.brand, platform: 'facebook', caption: 'Hijacked' };
        for (const prefix of PREFIXES) {
          const noSuch = {
            get: await call(t.app, 'GET', `${prefix}/posts/${MISSING.post}`, { key: keys.read }),
            put: await call(t.app, 'PUT', `${prefix}/posts/${MISSING.post}`, {
              key: keys.read_write,
              body: replacement,
            }),
            patch: await call(t.app, 'PATCH', `${prefix}/posts/${MISSING.post}`, {
              key: keys.read_write,
              body: { caption: 'Hijacked' },
            }),
            del: await call(t.app, 'DELETE', `${prefix}/posts/${MISSING.post}`, { key: keys.read_write }),
          };
          // The unversioned alias is checked on one post; /api/v1 on all of them.
          for (const id of prefix === '/api/v1' ? aPosts : aPosts.slice(0, 1)) {
            const what = `${who} on ${prefix}/posts/${id}`;
            for (const key of [keys.read, keys.admin]) {
              assertNotFound(
                await call(t.app, 'GET', `${prefix}/posts/${id}`, { key }),
                noSuch.get,
                id,
                `GET ${what}`,
              );
            }
            const key = keys.read_write;
            assertNotFound(
              await call(t.app, 'PUT', `${prefix}/posts/${id}`, { key, body: replacement }),
              noSuch.put,
              id,
              `PUT ${what}`,
            );
            assertNotFound(
              await call(t.app, 'PATCH', `${prefix}/posts/${id}`, { key, body: { caption: 'Hijacked' } }),
              noSuch.patch,
              id,
              `PATCH ${what}`,
            );
            // Even a body naming A's own brand and campaign gives nothing away.
            assertNotFound(
              await call(t.app, 'PATCH', `${prefix}/posts/${id}`, {
                key,
                body: { brandId: aBrands[0]!, campaignId: aCampaigns[0]!, status: 'CANCELLED' },
              }),
              noSuch.patch,
              id,
              `PATCH ${what} (A's references)`,
            );
            assertNotFound(
              await call(t.app, 'DELETE', `${prefix}/posts/${id}`, { key }),
              noSuch.del,
              id,
              `DELETE ${what}`,
            );
          }
        }
      }
      assert.deepEqual(await snapshotOfA(), before, "A's posts are unchanged");
    });

    it("cannot read, update or delete A's live campaigns, nor list their posts: 404 as for a missing id", async () => {
      const before = await snapshotOfA();
      assert.equal(before.campaigns.length, 2);
      for (const { who, keys } of intruders()) {
        for (const prefix of PREFIXES) {
          const noSuch = {
            get: await call(t.app, 'GET', `${prefix}/campaigns/${MISSING.campaign}`, { key: keys.read }),
            put: await call(t.app, 'PUT', `${prefix}/campaigns/${MISSING.campaign}`, {
              key: keys.read_write,
              body: HIJACKED_CAMPAIGN,
            }),
            patch: await call(t.app, 'PATCH', `${prefix}/campaigns/${MISSING.campaign}`, {
              key: keys.read_write,
              body: { name: 'Hijacked', status: 'ARCHIVED' },
            }),
            del: await call(t.app, 'DELETE', `${prefix}/campaigns/${MISSING.campaign}`, {
              key: keys.read_write,
            }),
            posts: await call(t.app, 'GET', `${prefix}/campaigns/${MISSING.campaign}/posts`, {
              key: keys.read,
            }),
          };
          for (const id of prefix === '/api/v1' ? aCampaigns : aCampaigns.slice(0, 1)) {
            const what = `${who} on ${prefix}/campaigns/${id}`;
            for (const key of [keys.read, keys.admin]) {
              assertNotFound(
                await call(t.app, 'GET', `${prefix}/campaigns/${id}`, { key }),
                noSuch.get,
                id,
                `GET ${what}`,
              );
              assertNotFound(
                await call(t.app, 'GET', `${prefix}/campaigns/${id}/posts`, { key, query: { limit: 100 } }),
                noSuch.posts,
                id,
                `GET ${what}/posts`,
              );
            }
            for (const key of [keys.read_write, keys.admin]) {
              assertNotFound(
                await call(t.app, 'PUT', `${prefix}/campaigns/${id}`, { key, body: HIJACKED_CAMPAIGN }),
                noSuch.put,
                id,
                `PUT ${what}`,
              );
              assertNotFound(
                await call(t.app, 'PATCH', `${prefix}/campaigns/${id}`, {
                  key,
                  body: { name: 'Hijacked', status: 'ARCHIVED' },
                }),
                noSuch.patch,
                id,
                `PATCH ${what}`,
              );
              assertNotFound(
                await call(t.app, 'DELETE', `${prefix}/campaigns/${id}`, { key }),
                noSuch.del,
                id,
                `DELETE ${what}`,
              );
            }
          }
        }
      }
      assert.deepEqual(
        await snapshotOfA(),
        before,
        "A's campaigns (and their posts' campaignId) are unchanged",
      );
    });

    it("lists exclude A's posts and campaigns, totalCount included, whatever the filter", async () => {
      const before = await snapshotOfA();
      for (const { who, keys } of intruders()) {
        const mine = own.get(keys)!;
        for (const prefix of PREFIXES) {
          const list = async (path: string, query: Record<string, string | number> = {}) => {
            const res = await call(t.app, 'GET', `${prefix}/${path}`, {
              key: keys.read,
              query: { limit: 100, ...query },
            });
            assert.equal(res.status, 200, `${who} GET ${path} ${JSON.stringify(query)}: ${res.raw}`);
            assert.equal(
              res.body.pagination.totalCount,
              res.body.data.length,
              `${who}: the count leaks nothing`,
            );
            assert.ok(
              !res.raw.includes('secret') && !res.raw.includes('Confidential'),
              `${who}: ${path} leaks A's text`,
            );
            return res;
          };
          // What each one does see is its own, so an empty answer is not an accident.
          assert.deepEqual(ids(await list('posts')), [mine.post], who);
          assert.deepEqual(ids(await list('campaigns')), [mine.campaign], who);
          assert.deepEqual(ids(await list(`campaigns/${mine.campaign}/posts`)), [mine.post], who);
          for (const sortBy of ['createdAt', 'updatedAt', 'scheduledFor', 'publishedAt']) {
            assert.deepEqual(
              ids(await list('posts', { sortBy, sortOrder: 'asc' })),
              [mine.post],
              `${who} ${sortBy}`,
            );
          }
          for (const query of [
            ...aCampaigns.map((campaignId): Record<string, string> => ({ campaignId })),
            ...aBrands.map((brandId) => ({ brandId })),
            { status: 'SCHEDULED' },
          ]) {
            const res = await list('posts', query);
            assert.deepEqual(res.body.data, [], `${who} posts ${JSON.stringify(query)}`);
            assert.equal(res.body.pagination.totalCount, 0);
          }
          // A range holding every post's date (A's schedules, and the intruder's own draft by its
          // createdAt) finds the intruder's post only.
          const ranged = await list('posts', { startDate: '2026-01-01', endDate: '2036-01-01' });
          assert.deepEqual(ids(ranged), [mine.post], `${who} posts by date`);
          for (const query of [...aBrands.map((brandId) => ({ brandId })), { status: 'ACTIVE' }]) {
            const res = await list('campaigns', query);
            assert.deepEqual(res.body.data, [], `${who} campaigns ${JSON.stringify(query)}`);
            assert.equal(res.body.pagination.totalCount, 0);
          }
        }
      }
      // A sees its own rows through the same lists.
      const aList = await call(t.app, 'GET', '/api/v1/posts', { key: a.live.read, query: { limit: 100 } });
      assert.deepEqual(ids(aList).sort(), [...aPosts].sort());
      assert.equal(aList.body.pagination.totalCount, 6);
      const aCampaignList = await call(t.app, 'GET', '/api/v1/campaigns', { key: a.live.read });
      assert.deepEqual(ids(aCampaignList).sort(), [...aCampaigns].sort());
      assert.deepEqual(await snapshotOfA(), before);
    });

    it("cannot reference A's brands or campaigns in a body: 400 naming the field, nothing created or changed", async () => {
      const before = await snapshotOfA();
      for (const { who, keys } of intruders()) {
        const mine = own.get(keys)!;
        const ownBefore = {
          posts: ids(await call(t.app, 'GET', '/api/v1/posts', { key: keys.read, query: { limit: 100 } })),
          campaigns: ids(
            await call(t.app, 'GET', '/api/v1/campaigns', { key: keys.read, query: { limit: 100 } }),
          ),
          post: (await call(t.app, 'GET', `/api/v1/posts/${mine.post}`, { key: keys.read })).body.data,
          campaign: (await call(t.app, 'GET', `/api/v1/campaigns/${mine.campaign}`, { key: keys.read })).body
            .data,
        };
        const rw = keys.read_write;
        for (const brandId of aBrands) {
          assertInvalid(
            await call(t.app, 'POST', '/api/v1/posts', {
              key: rw,
              body: { brandId, platform: 'twitter', caption: 'x' },
            }),
            'brandId',
            `${who} POST /posts with A's brand`,
          );
          assertInvalid(
            await call(t.app, 'POST', '/api/v1/campaigns', {
              key: rw,
              body: { brandId, name: 'x', startDate: '2026-07-01', endDate: '2026-08-01' },
            }),
            'brandId',
            `${who} POST /campaigns with A's brand`,
          );
          assertInvalid(
            await call(t.app, 'PUT', `/api/v1/posts/${mine.post}`, {
              key: rw,
              body: { brandId, platform: 'twitter', caption: 'x' },
            }),
            'brandId',
            `${who} PUT own post onto A's brand`,
          );
          assertInvalid(
            await call(t.app, 'PATCH', `/api/v1/posts/${mine.post}`, { key: rw, body: { brandId } }),
            'brandId',
            `${who} PATCH own post onto A's brand`,
          );
          assertInvalid(
            await call(t.app, 'PATCH', `/api/v1/campaigns/${mine.campaign}`, { key: rw, body: { brandId } }),
            'brandId',
            `${who} PATCH own campaign onto A's brand`,
          );
        }
        for (const campaignId of aCampaigns) {
          assertInvalid(
            await call(t.app, 'POST', '/api/v1/posts', {
              key: rw,
              body: { brandId: mine.brand, platform: 'twitter', caption: 'x', campaignId },
            }),
            'campaignId',
            `${who} POST /posts into A's campaign`,
          );
          assertInvalid(
            await call(t.app, 'PATCH', `/api/v1/posts/${mine.post}`, { key: rw, body: { campaignId } }),
            'campaignId',
            `${who} PATCH own post into A's campaign`,
          );
          assertInvalid(
            await call(t.app, 'PUT', `/api/v1/posts/${mine.post}`, {
              key: rw,
              body: { brandId: mine.brand, platform: 'twitter', caption: 'x', campaignId },
            }),
            'campaignId',
            `${who} PUT own post into A's campaign`,
          );
        }
        assert.deepEqual(
          {
            posts: ids(await call(t.app, 'GET', '/api/v1/posts', { key: keys.read, query: { limit: 100 } })),
            campaigns: ids(
              await call(t.app, 'GET', '/api/v1/campaigns', { key: keys.read, query: { limit: 100 } }),
            ),
            post: (await call(t.app, 'GET', `/api/v1/posts/${mine.post}`, { key: keys.read })).body.data,
            campaign: (await call(t.app, 'GET', `/api/v1/campaigns/${mine.campaign}`, { key: keys.read }))
              .body.data,
          },
          ownBefore,
          `${who}: nothing was created or changed`,
        );
      }
      // Nothing of anyone else's points at A's rows.
      const db = t.runtime.ctx.db;
      const strays = await db
        .selectFrom('posts')
        .select(['id', 'organization_id', 'environment'])
        .where((eb) => eb.or([eb('brand_id', 'in', aBrands), eb('campaign_id', 'in', aCampaigns)]))
        .where((eb) => eb.or([eb('organization_id', '!=', a.org.id), eb('environment', '!=', 'live')]))
        .execute();
      assert.deepEqual(strays, []);
      const strayCampaigns = await db
        .selectFrom('campaigns')
        .select('id')
        .where('brand_id', 'in', aBrands)
        .where((eb) => eb.or([eb('organization_id', '!=', a.org.id), eb('environment', '!=', 'live')]))
        .execute();
      assert.deepEqual(strayCampaigns, []);
      assert.deepEqual(await snapshotOfA(), before, "A's posts and campaigns are unchanged");
    });
  });
}
