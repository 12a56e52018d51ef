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
import { updateRuleTests } from '../../../test/helpers/update-rule.js';

const HOUR = 3600_000;
const MISSING_BRAND = 'brand_01M8FHSW4FSXDVQCQJRMA72QE2';
const MISSING_CAMPAIGN = 'cmp_01M8FHSW4FSXDVQCQJRMA72QE2';

interface ApiCampaign {
  id: string;
  brandId: string;
  name: string;
  status: string;
  startDate: string;
  endDate: string;
  createdAt: string;
  updatedAt: string;
}

for (const dialect of dialects) {
  describe(`campaigns routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let clock: ManualClock;
    let brandId: string;
    let otherBrandId: string;
    const key = () => tenant.live.read_write;

    before(async () => {
      clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      const brand = async (name: string) => {
        const res = await call(t.app, 'POST', '/api/v1/brands', { key: tenant.live.admin, body: { name } });
        assert.equal(res.status, 201, res.raw);
        return res.body.data.id as string;
      };
      brandId = await brand('Brand');
      otherBrandId = await brand('Other brand');
    });
    after(() => t.close());

    async function create(body: Record<string, unknown>, k = key()) {
      return call(t.app, 'POST', '/api/v1/campaigns', {
        key: k,
        body: { brandId, name: 'Summer', startDate: '2026-07-01', endDate: '2026-07-31', ...body },
      });
    }
    async function read(id: string) {
      const res = await call(t.app, 'GET', `/api/v1/campaigns/${id}`, { key: tenant.live.read });
      assert.equal(res.status, 200, res.raw);
      return res.body.data as ApiCampaign;
    }
    async function patch(id: string, body: unknown) {
      return call(t.app, 'PATCH', `/api/v1/campaigns/${id}`, { key: key(), body });
    }
    async function post(body: Record<string, unknown>) {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: key(),
        body: { brandId, platform: 'twitter', caption: 'Hi', ...body },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data as { id: string; campaignId: string | null };
    }

    it('creates a DRAFT campaign with 201 and Location; ACTIVE may be asked for, COMPLETED and ARCHIVED not', async () => {
      const res = await create({
        name: '  Summer launch ',
        description: 'Sunny',
        goal: 'awareness',
        platforms: ['instagram', 'twitter'],
      });
      assert.equal(res.status, 201, res.raw);
      const data = res.body.data as ApiCampaign;
      assert.match(data.id, /^cmp_[0-9A-Z]{26}$/);
      assert.equal(res.headers.location, `http://audenci.test/api/v1/campaigns/${data.id}`);
      const now = new Date(clock.now()).toISOString();
      assert.deepEqual(res.body.data, {
        id: data.id,
        brandId,
        name: 'Summer launch',
        description: 'Sunny',
        startDate: '2026-07-01T00:00:00.000Z',
        endDate: '2026-07-31T00:00:00.000Z',
        status: 'DRAFT',
        goal: 'awareness',
        platforms: ['instagram', 'twitter'],
        startedAt: null,
        createdAt: now,
        updatedAt: now,
      });
      assert.deepEqual(await read(data.id), res.body.data);

      const minimal = await create({});
      assert.equal(minimal.status, 201);
      assert.equal(minimal.body.data.description, null);
      assert.equal(minimal.body.data.goal, null);
      assert.deepEqual(minimal.body.data.platforms, []);
      assert.equal(minimal.body.data.status, 'DRAFT');

      const active = await create({ status: 'ACTIVE' });
      assert.equal(active.status, 201);
      assert.equal(active.body.data.status, 'ACTIVE');
      const draft = await create({ status: 'DRAFT' });
      assert.equal(draft.body.data.status, 'DRAFT');

      for (const status of ['COMPLETED', 'ARCHIVED', 'active', 'RUNNING']) {
        const refused = await create({ status });
        assert.equal(refused.status, 400, status);
        assert.equal(refused.body.error.code, 'INVALID_INPUT');
        assert.equal(refused.body.error.details.field, 'status', status);
      }
    });

    it('takes dates as YYYY-MM-DD or as date-times; endDate must be after startDate; bad dates are 400', async () => {
      const dateTimes = await create({
        startDate: '2026-07-01T09:30:00+02:00',
        endDate: '2026-07-02T18:00:00.250Z',
      });
      assert.equal(dateTimes.status, 201, dateTimes.raw);
      assert.equal(dateTimes.body.data.startDate, '2026-07-01T07:30:00.000Z');
      assert.equal(dateTimes.body.data.endDate, '2026-07-02T18:00:00.250Z');
      const mixed = await create({ startDate: '2026-07-01', endDate: '2026-07-01T00:00:01Z' });
      assert.equal(mixed.status, 201, mixed.raw);
      assert.equal(mixed.body.data.endDate, '2026-07-01T00:00:01.000Z');

      for (const [body, field] of [
        [{ startDate: '2026-07-31', endDate: '2026-07-01' }, 'endDate'],
        [{ startDate: '2026-07-01', endDate: '2026-07-01' }, 'endDate'],
        [{ startDate: '2026-07-01T10:00:00Z', endDate: '2026-07-01T12:00:00+02:00' }, 'endDate'],
        [{ startDate: '2026-02-30' }, 'startDate'],
        [{ startDate: '2026-13-01' }, 'startDate'],
        [{ startDate: 'tomorrow' }, 'startDate'],
        [{ startDate: 'next tuesday please' }, 'startDate'],
        [{ endDate: '2026-07-31T25:00:00Z' }, 'endDate'],
        [{ endDate: '2026-07-31T10:00:00' }, 'endDate'],
        [{ endDate: 20260731 }, 'endDate'],
        [{ startDate: undefined }, 'startDate'],
      ] as const) {
        const res = await create(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field, JSON.stringify(body));
      }
    });

    it('refuses an unknown brand, an unknown platform and unknown or read-only fields (400 naming the field)', async () => {
      const noBrand = await create({ brandId: MISSING_BRAND });
      assert.equal(noBrand.status, 400);
      assert.equal(noBrand.body.error.details.field, 'brandId');
      const other = await createTenant(t, { name: 'Other org' });
      const foreignBrand = (
        await call(t.app, 'POST', '/api/v1/brands', { key: other.live.admin, body: { name: 'F' } })
      ).body.data.id;
      const foreign = await create({ brandId: foreignBrand });
      assert.equal(foreign.status, 400);
      assert.equal(foreign.body.error.details.field, 'brandId');

      const platform = await create({ platforms: ['twitter', 'myspace'] });
      assert.equal(platform.status, 400);
      assert.equal(platform.body.error.details.field, 'platforms.1');
      const duplicate = await create({ platforms: ['twitter', 'twitter'] });
      assert.equal(duplicate.status, 400);
      assert.equal(duplicate.body.error.details.field, 'platforms');
      // Like a brand's, a campaign's name may not be blank once trimmed.
      for (const name of ['', '   ', '\t\n']) {
        const blank = await create({ name });
        assert.equal(blank.status, 400, JSON.stringify(name));
        assert.equal(blank.body.error.details.field, 'name');
      }
      const unknown = await create({ budget: 100 });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details.field, 'budget');

      const existing = (await create({})).body.data as ApiCampaign;
      for (const field of ['id', 'createdAt', 'updatedAt']) {
        const res = await create({ [field]: field === 'id' ? 'cmp_mine' : '2026-01-01T00:00:00Z' });
        assert.equal(res.status, 400, field);
        assert.equal(res.body.error.details.field, field);
        assert.match(res.body.error.details.reason, /Read-only/);
        const update = await patch(existing.id, {
          [field]: field === 'id' ? 'cmp_mine' : '2026-01-01T00:00:00Z',
        });
        assert.equal(update.status, 400, field);
        assert.equal(update.body.error.details.field, field);
        assert.match(update.body.error.details.reason, /Read-only/);
      }
      assert.deepEqual(await read(existing.id), existing);
      const list = await call(t.app, 'GET', '/api/v1/campaigns', {
        key: tenant.live.read,
        query: { limit: 100 },
      });
      assert.ok(!list.body.data.some((c: ApiCampaign) => c.id === 'cmp_mine'));
    });

    it('GET answers 404 for an unknown id; PATCH changes only the fields given', async () => {
      const missing = await call(t.app, 'GET', `/api/v1/campaigns/${MISSING_CAMPAIGN}`, {
        key: tenant.live.read,
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'NOT_FOUND');
      assert.equal((await patch(MISSING_CAMPAIGN, { name: 'x' })).status, 404);

      const original = (
        await create({
          description: 'Desc',
          goal: 'sales',
          platforms: ['facebook'],
          startDate: '2026-08-01',
          endDate: '2026-08-31',
        })
      ).body.data as ApiCampaign;
      clock.advance(5000);
      const renamed = await patch(original.id, { name: 'Renamed' });
      assert.equal(renamed.status, 200, renamed.raw);
      assert.deepEqual(renamed.body.data, {
        ...original,
        name: 'Renamed',
        updatedAt: new Date(clock.now()).toISOString(),
      });
      assert.deepEqual(await read(original.id), renamed.body.data);

      clock.advance(1000);
      const more = await patch(original.id, {
        description: null,
        goal: null,
        platforms: ['instagram', 'linkedin'],
        endDate: '2026-09-15T12:00:00Z',
      });
      assert.equal(more.status, 200, more.raw);
      assert.equal(more.body.data.name, 'Renamed');
      assert.equal(more.body.data.description, null);
      assert.equal(more.body.data.goal, null);
      assert.deepEqual(more.body.data.platforms, ['instagram', 'linkedin']);
      assert.equal(more.body.data.startDate, '2026-08-01T00:00:00.000Z');
      assert.equal(more.body.data.endDate, '2026-09-15T12:00:00.000Z');
      assert.equal(more.body.data.createdAt, original.createdAt);

      const snapshot = await read(original.id);
      for (const [body, field] of [
        [{ endDate: '2026-07-15' }, 'endDate'],
        [{ startDate: '2026-09-15T12:00:00Z' }, 'endDate'],
        [{ startDate: '2026-02-31' }, 'startDate'],
        [{ platforms: ['friendster'] }, 'platforms.0'],
        [{ name: '' }, 'name'],
        [{ name: '  ' }, 'name'],
        [{ brandId: otherBrandId }, 'brandId'],
        [{ brandId: MISSING_BRAND }, 'brandId'],
        [{ nickname: 'x' }, 'nickname'],
      ] as const) {
        const res = await patch(original.id, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field, JSON.stringify(body));
      }
      const empty = await patch(original.id, {});
      assert.equal(empty.status, 400);
      assert.deepEqual(await read(original.id), snapshot, 'a refused update changes nothing');
      // Naming its own brand is no move.
      const same = await patch(original.id, { brandId, name: 'Same brand' });
      assert.equal(same.status, 200);
      assert.equal(same.body.data.brandId, brandId);
    });

    describe('the update rule: PATCH merges, PUT replaces, GET → edit → PUT works', () => {
      updateRuleTests(
        () => t,
        () => tenant,
        {
          collection: '/api/v1/campaigns',
          scope: 'read_write',
          async create(owner) {
            const brand = await call(t.app, 'POST', '/api/v1/brands', {
              key: owner.live.admin,
              body: { name: 'Owner brand' },
            });
            const res = await call(t.app, 'POST', '/api/v1/campaigns', {
              key: owner.live.read_write,
              body: {
                brandId: brand.body.data.id,
                name: 'Summer',
                description: 'Desc',
                goal: 'sales',
                platforms: ['facebook'],
                startDate: '2026-07-01',
                endDate: '2026-07-31',
              },
            });
            assert.equal(res.status, 201, res.raw);
            return (await call(t.app, 'GET', res.headers.location as string, { key: owner.live.read })).body
              .data;
          },
          createBody: async () => ({
            brandId,
            name: 'Autumn',
            startDate: '2026-09-01',
            endDate: '2026-09-30',
          }),
          patch: { goal: 'awareness', platforms: ['instagram', 'twitter'] },
          required: ['brandId', 'name', 'startDate', 'endDate'],
          resets: { description: null, goal: null, platforms: [] },
          edit: { name: 'Summer sale' },
          changedReadOnly: (read) => ({
            id: MISSING_CAMPAIGN,
            startedAt: read.startDate,
            createdAt: '2020-01-01T00:00:00.000Z',
            updatedAt: read.updatedAt.replace(/\.\d{3}Z$/, 'Z'),
          }),
          hiddenReadOnly: { organizationId: 'org_01M8FHSW4FSXDVQCQJRMA72QE2', environment: 'test' },
        },
      );

      it('PUT keeps the status it leaves out, moves it along the transitions only, and keeps the brand', async () => {
        const campaign = (await create({ status: 'ACTIVE', description: 'Desc' })).body.data as ApiCampaign;
        const { id, brandId: own, name, startDate, endDate } = campaign;
        clock.advance(1000);
        const kept = await call(t.app, 'PUT', `/api/v1/campaigns/${id}`, {
          key: key(),
          body: { brandId: own, name, startDate, endDate },
        });
        assert.equal(kept.status, 200, kept.raw);
        assert.deepEqual(kept.body.data, {
          ...campaign,
          description: null,
          updatedAt: new Date(clock.now()).toISOString(),
        });
        const current = await read(id);
        for (const [body, status, code, field] of [
          [{ ...current, status: 'DRAFT' }, 409, 'CONFLICT', 'status'],
          [{ ...current, brandId: otherBrandId }, 400, 'INVALID_INPUT', 'brandId'],
          [{ ...current, endDate: '2026-06-01' }, 400, 'INVALID_INPUT', 'endDate'],
        ] as const) {
          const res = await call(t.app, 'PUT', `/api/v1/campaigns/${id}`, { key: key(), body });
          assert.equal(res.status, status, res.raw);
          assert.equal(res.body.error.code, code);
          assert.equal(res.body.error.details.field, field);
        }
        assert.deepEqual(await read(id), current, 'a refused PUT changes nothing');
        const archived = await call(t.app, 'PUT', `/api/v1/campaigns/${id}`, {
          key: key(),
          body: { ...current, status: 'ARCHIVED' },
        });
        assert.equal(archived.status, 200, archived.raw);
        assert.equal(archived.body.data.status, 'ARCHIVED');
      });
    });

    it('status moves DRAFT → ACTIVE → COMPLETED → ARCHIVED; going back is 409 and changes nothing', async () => {
      const campaign = (await create({ name: 'Lifecycle' })).body.data as ApiCampaign;
      const expectConflict = async (body: Record<string, unknown>) => {
        const before = await read(campaign.id);
        clock.advance(1000);
        const res = await patch(campaign.id, body);
        assert.equal(res.status, 409, `${JSON.stringify(body)}: ${res.raw}`);
        assert.equal(res.body.error.code, 'CONFLICT');
        assert.deepEqual(await read(campaign.id), before, `${JSON.stringify(body)} changed nothing`);
      };
      await expectConflict({ status: 'COMPLETED' });
      for (const status of ['ACTIVE', 'COMPLETED', 'ARCHIVED']) {
        clock.advance(1000);
        const res = await patch(campaign.id, { status });
        assert.equal(res.status, 200, `${status}: ${res.raw}`);
        assert.equal(res.body.data.status, status);
        assert.equal(res.body.data.updatedAt, new Date(clock.now()).toISOString());
        if (status === 'ACTIVE') {
          await expectConflict({ status: 'DRAFT' });
          await expectConflict({ status: 'DRAFT', name: 'Renamed on the way back' });
          // Repeating the current status is no transition.
          assert.equal((await patch(campaign.id, { status: 'ACTIVE' })).status, 200);
        }
        if (status === 'COMPLETED') await expectConflict({ status: 'ACTIVE' });
      }
      await expectConflict({ status: 'ACTIVE' });
      await expectConflict({ status: 'DRAFT', name: 'Revived' });
      assert.equal((await read(campaign.id)).name, 'Lifecycle');

      // Any status may be archived directly.
      const draft = (await create({})).body.data as ApiCampaign;
      assert.equal((await patch(draft.id, { status: 'ARCHIVED' })).body.data.status, 'ARCHIVED');
    });

    it("DELETE answers {id, deleted: true}; the campaign's posts remain without it", async () => {
      const campaign = (await create({ name: 'Doomed' })).body.data as ApiCampaign;
      const kept = (await create({ name: 'Kept' })).body.data as ApiCampaign;
      const p1 = await post({ campaignId: campaign.id, caption: 'one' });
      const p2 = await post({
        campaignId: campaign.id,
        caption: 'two',
        scheduledFor: new Date(clock.now() + HOUR).toISOString(),
      });
      const p3 = await post({ campaignId: kept.id, caption: 'three' });
      const byCampaign = (id: string) =>
        call(t.app, 'GET', '/api/v1/posts', {
          key: tenant.live.read,
          query: { campaignId: id, sortOrder: 'asc' },
        });
      const before = await byCampaign(campaign.id);
      assert.deepEqual(
        before.body.data.map((p: { id: string }) => p.id),
        [p1.id, p2.id],
      );
      assert.equal(before.body.pagination.totalCount, 2);

      const del = await call(t.app, 'DELETE', `/api/v1/campaigns/${campaign.id}`, { key: key() });
      assert.equal(del.status, 200, del.raw);
      assert.deepEqual(del.body, { data: { id: campaign.id, deleted: true } });
      assert.equal(
        (await call(t.app, 'GET', `/api/v1/campaigns/${campaign.id}`, { key: key() })).status,
        404,
      );
      assert.equal(
        (await call(t.app, 'DELETE', `/api/v1/campaigns/${campaign.id}`, { key: key() })).status,
        404,
      );
      assert.equal(
        (await call(t.app, 'GET', `/api/v1/campaigns/${campaign.id}/posts`, { key: key() })).status,
        404,
      );

      for (const p of [p1, p2]) {
        const res = await call(t.app, 'GET', `/api/v1/posts/${p.id}`, { key: tenant.live.read });
        assert.equal(res.status, 200);
        assert.equal(res.body.data.campaignId, null);
      }
      assert.equal(
        (await call(t.app, 'GET', `/api/v1/posts/${p3.id}`, { key: key() })).body.data.campaignId,
        kept.id,
      );
      const after = await byCampaign(campaign.id);
      assert.equal(after.status, 200);
      assert.deepEqual(after.body.data, []);
      assert.equal(after.body.pagination.totalCount, 0, 'the cached count is dropped');
      assert.deepEqual(
        (await byCampaign(kept.id)).body.data.map((p: { id: string }) => p.id),
        [p3.id],
      );
      // A post may not be (re)attached to the deleted campaign.
      const attach = await call(t.app, 'PATCH', `/api/v1/posts/${p1.id}`, {
        key: key(),
        body: { campaignId: campaign.id },
      });
      assert.equal(attach.status, 400);
      assert.equal(attach.body.error.details.field, 'campaignId');
    });

    it('a read key cannot create, update or delete a campaign (403 naming read_write)', async () => {
      const campaign = (await create({})).body.data as ApiCampaign;
      const attempts = [
        await create({}, tenant.live.read),
        await call(t.app, 'PUT', `/api/v1/campaigns/${campaign.id}`, {
          key: tenant.live.read,
          body: { name: 'x' },
        }),
        await call(t.app, 'DELETE', `/api/v1/campaigns/${campaign.id}`, { key: tenant.live.read }),
      ];
      for (const res of attempts) {
        assert.equal(res.status, 403, res.raw);
        assert.equal(res.body.error.code, 'FORBIDDEN');
        assert.equal(res.body.error.details.requiredScope, 'read_write');
      }
      assert.deepEqual(await read(campaign.id), campaign);
      assert.equal((await create({}, tenant.live.admin)).status, 201);
    });

    it('a brand with posts or campaigns cannot be deleted (409) until they are gone', async () => {
      const brand = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.live.admin, body: { name: 'Temporary' } })
      ).body.data.id as string;
      const campaign = (await create({ brandId: brand })).body.data as ApiCampaign;
      const p = await post({ brandId: brand, campaignId: campaign.id });
      const p2 = await post({ brandId: brand });
      const deleteBrand = () => call(t.app, 'DELETE', `/api/v1/brands/${brand}`, { key: tenant.live.admin });
      const brandExists = async () =>
        (await call(t.app, 'GET', `/api/v1/brands/${brand}`, { key: tenant.live.read })).status;

      const refuse = async (what: string) => {
        const res = await deleteBrand();
        assert.equal(res.status, 409, `${what}: ${res.raw}`);
        assert.equal(res.body.error.code, 'CONFLICT');
        assert.equal(await brandExists(), 200, what);
      };
      await refuse('posts and a campaign');
      assert.equal((await call(t.app, 'DELETE', `/api/v1/posts/${p2.id}`, { key: key() })).status, 200);
      await refuse('a post and a campaign');
      assert.equal(
        (await call(t.app, 'DELETE', `/api/v1/campaigns/${campaign.id}`, { key: key() })).status,
        200,
      );
      await refuse('a post only');
      assert.equal((await call(t.app, 'DELETE', `/api/v1/posts/${p.id}`, { key: key() })).status, 200);

      const campaignOnly = (await create({ brandId: brand })).body.data as ApiCampaign;
      await refuse('a campaign only');
      assert.equal(
        (await call(t.app, 'DELETE', `/api/v1/campaigns/${campaignOnly.id}`, { key: key() })).status,
        200,
      );

      const ok = await deleteBrand();
      assert.equal(ok.status, 200, ok.raw);
      assert.deepEqual(ok.body.data, { id: brand, deleted: true });
      assert.equal(await brandExists(), 404);
    });
  });

  describe(`campaign lists and campaign posts (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let clock: ManualClock;
    let brandA: string;
    let brandB: string;
    let campaigns: ApiCampaign[] = [];

    async function walk(url: string, query: Record<string, string | number>, limit = 3): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let pageNo = 1; pageNo < 1000; pageNo++) {
        const res = await call(t.app, 'GET', url, {
          key: tenant.live.read,
          query: { ...query, limit, ...(cursor ? { cursor } : {}) },
        });
        assert.equal(res.status, 200, `${url} ${JSON.stringify(query)}: ${res.raw}`);
        assert.equal(res.body.pagination.page, pageNo);
        assert.ok(res.body.data.length <= limit);
        ids.push(...res.body.data.map((x: { id: string }) => x.id));
        if (!res.body.pagination.hasMore) {
          assert.equal(res.body.pagination.nextCursor, null);
          assert.equal(res.body.pagination.totalCount, ids.length);
          return ids;
        }
        cursor = res.body.pagination.nextCursor;
      }
      throw new Error('walk did not end');
    }
    function expected<T extends { id: string }>(
      items: T[],
      filter: (x: T) => boolean,
      value: (x: T) => number,
      order: 'asc' | 'desc',
    ) {
      const sign = order === 'asc' ? 1 : -1;
      return items
        .filter(filter)
        .sort((a, b) => sign * (value(a) - value(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
        .map((x) => x.id);
    }

    before(async () => {
      clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      const admin = tenant.live.admin;
      brandA = (await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'A' } })).body.data
        .id;
      brandB = (await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'B' } })).body.data
        .id;
      // Start dates repeat and creation times repeat, so both sorts need the id tie-break.
      const starts = ['2026-05-01', '2026-04-01', '2026-05-01', '2026-06-15', '2026-04-01', '2026-03-10'];
      for (let i = 0; i < 14; i++) {
        if (i % 3 === 0) clock.advance(1000);
        const start = starts[i % starts.length]!;
        const res = await call(t.app, 'POST', '/api/v1/campaigns', {
          key: tenant.live.read_write,
          body: {
            brandId: i % 3 === 2 ? brandB : brandA,
            name: `Campaign ${i}`,
            startDate: i % 4 === 1 ? `${start}T08:00:00Z` : start,
            endDate: '2026-12-31',
            ...(i % 5 === 0 ? { status: 'ACTIVE' } : {}),
          },
        });
        assert.equal(res.status, 201, res.raw);
        campaigns.push(res.body.data);
      }
      for (const [i, c] of campaigns.entries()) {
        const path = i % 7 === 0 ? ['COMPLETED'] : i % 6 === 3 ? ['ARCHIVED'] : [];
        for (const status of c.status === 'DRAFT' && path[0] === 'COMPLETED' ? ['ACTIVE', ...path] : path) {
          const res = await call(t.app, 'PATCH', `/api/v1/campaigns/${c.id}`, {
            key: tenant.live.read_write,
            body: { status },
          });
          assert.equal(res.status, 200, res.raw);
        }
      }
      // Another organization's and A's test environment's campaigns never show up.
      const other = await createTenant(t, { name: 'Other' });
      for (const keys of [other.live, tenant.test]) {
        const b = (await call(t.app, 'POST', '/api/v1/brands', { key: keys.admin, body: { name: 'X' } })).body
          .data.id;
        const res = await call(t.app, 'POST', '/api/v1/campaigns', {
          key: keys.read_write,
          body: { brandId: b, name: 'Foreign', startDate: '2026-05-01', endDate: '2026-06-01' },
        });
        assert.equal(res.status, 201);
      }
      const all = await call(t.app, 'GET', '/api/v1/campaigns', {
        key: tenant.live.read,
        query: { limit: 100 },
      });
      campaigns = all.body.data;
      assert.equal(campaigns.length, 14);
      assert.deepEqual(
        new Set(campaigns.map((c) => c.status)),
        new Set(['DRAFT', 'ACTIVE', 'COMPLETED', 'ARCHIVED']),
      );
    });
    after(() => t.close());

    it('filters by brandId and status and sorts by createdAt and startDate in both orders (exact ids, cursor walk)', async () => {
      const filters: [Record<string, string>, (c: ApiCampaign) => boolean][] = [
        [{}, () => true],
        [{ brandId: brandA }, (c) => c.brandId === brandA],
        [{ brandId: brandB }, (c) => c.brandId === brandB],
        [{ status: 'DRAFT' }, (c) => c.status === 'DRAFT'],
        [{ status: 'ACTIVE' }, (c) => c.status === 'ACTIVE'],
        [{ status: 'COMPLETED' }, (c) => c.status === 'COMPLETED'],
        [{ status: 'ARCHIVED' }, (c) => c.status === 'ARCHIVED'],
        [{ brandId: brandA, status: 'DRAFT' }, (c) => c.brandId === brandA && c.status === 'DRAFT'],
        [{ brandId: MISSING_BRAND }, () => false],
      ];
      for (const [query, predicate] of filters) {
        for (const sortBy of ['createdAt', 'startDate'] as const) {
          for (const sortOrder of ['asc', 'desc'] as const) {
            const want = expected(campaigns, predicate, (c) => Date.parse(c[sortBy]), sortOrder);
            const what = `${JSON.stringify(query)} ${sortBy} ${sortOrder}`;
            assert.deepEqual(await walk('/api/v1/campaigns', { ...query, sortBy, sortOrder }), want, what);
            const one = await call(t.app, 'GET', '/api/v1/campaigns', {
              key: tenant.live.read,
              query: { ...query, sortBy, sortOrder, limit: 100 },
            });
            assert.deepEqual(
              one.body.data.map((c: ApiCampaign) => c.id),
              want,
              what,
            );
            assert.equal(one.body.pagination.totalCount, want.length, what);
          }
        }
      }
      // The default is createdAt desc.
      const defaults = await call(t.app, 'GET', '/api/v1/campaigns', {
        key: tenant.live.read,
        query: { limit: 100 },
      });
      assert.deepEqual(
        defaults.body.data.map((c: ApiCampaign) => c.id),
        expected(
          campaigns,
          () => true,
          (c) => Date.parse(c.createdAt),
          'desc',
        ),
      );
      for (const [query, field] of [
        [{ status: 'RUNNING' }, 'status'],
        [{ sortBy: 'name' }, 'sortBy'],
        [{ sortBy: 'updatedAt' }, 'sortBy'],
        [{ platform: 'twitter' }, 'platform'],
        [{ limit: 101 }, 'limit'],
      ] as const) {
        const res = await call(t.app, 'GET', '/api/v1/campaigns', { key: tenant.live.read, query });
        assert.equal(res.status, 400, JSON.stringify(query));
        assert.equal(res.body.error.details.field, field);
      }
      const cursor = (
        await call(t.app, 'GET', '/api/v1/campaigns', { key: tenant.live.read, query: { limit: 2 } })
      ).body.pagination.nextCursor as string;
      const otherFilter = await call(t.app, 'GET', '/api/v1/campaigns', {
        key: tenant.live.read,
        query: { cursor, status: 'DRAFT' },
      });
      assert.equal(otherFilter.status, 400);
      assert.equal(otherFilter.body.error.details.field, 'cursor');
    });

    it('a write shows in the next list at once (counts are not stale)', async () => {
      const count = async (query: Record<string, string>) =>
        (await call(t.app, 'GET', '/api/v1/campaigns', { key: tenant.live.read, query })).body.pagination
          .totalCount as number;
      const drafts = await count({ status: 'DRAFT' });
      const actives = await count({ status: 'ACTIVE' });
      const total = await count({});
      const draft = campaigns.find((c) => c.status === 'DRAFT')!;
      const res = await call(t.app, 'PATCH', `/api/v1/campaigns/${draft.id}`, {
        key: tenant.live.read_write,
        body: { status: 'ACTIVE' },
      });
      assert.equal(res.status, 200);
      assert.equal(await count({ status: 'DRAFT' }), drafts - 1);
      assert.equal(await count({ status: 'ACTIVE' }), actives + 1);
      const created = await call(t.app, 'POST', '/api/v1/campaigns', {
        key: tenant.live.read_write,
        body: { brandId: brandB, name: 'New', startDate: '2026-05-01', endDate: '2026-06-01' },
      });
      assert.equal(await count({}), total + 1);
      assert.equal(await count({ status: 'DRAFT' }), drafts);
      await call(t.app, 'DELETE', `/api/v1/campaigns/${created.body.data.id}`, {
        key: tenant.live.read_write,
      });
      assert.equal(await count({}), total);
    });

    it("GET /campaigns/{id}/posts lists exactly that campaign's posts, with the posts filters and pagination", async () => {
      const rw = tenant.live.read_write;
      const inA = campaigns.filter((c) => c.brandId === brandA);
      const [target, sibling] = [inA[0]!, inA[1]!];
      const platforms = ['twitter', 'facebook', 'linkedin'];
      const created: {
        id: string;
        campaignId: string | null;
        status: string;
        platform: string;
        scheduledFor: string | null;
        createdAt: string;
      }[] = [];
      for (let i = 0; i < 16; i++) {
        if (i % 2 === 0) clock.advance(1000);
        const campaignId = i % 4 === 3 ? sibling.id : i % 8 === 6 ? undefined : target.id;
        const res = await call(t.app, 'POST', '/api/v1/posts', {
          key: rw,
          body: {
            brandId: brandA,
            platform: platforms[i % 3],
            caption: `p${i}`,
            ...(campaignId ? { campaignId } : {}),
            ...(i % 3 !== 1
              ? { scheduledFor: new Date(clock.now() + ((i * 5) % 7) * HOUR + HOUR).toISOString() }
              : {}),
          },
        });
        assert.equal(res.status, 201, res.raw);
        created.push(res.body.data);
      }
      const url = `/api/v1/campaigns/${target.id}/posts`;
      const mine = created.filter((p) => p.campaignId === target.id);
      assert.ok(mine.length >= 8);
      const cases: [Record<string, string>, (p: (typeof created)[number]) => boolean][] = [
        [{}, () => true],
        [{ status: 'DRAFT' }, (p) => p.status === 'DRAFT'],
        [{ status: 'SCHEDULED' }, (p) => p.status === 'SCHEDULED'],
        [{ platform: 'facebook' }, (p) => p.platform === 'facebook'],
        [
          { status: 'SCHEDULED', platform: 'twitter' },
          (p) => p.status === 'SCHEDULED' && p.platform === 'twitter',
        ],
        [{ status: 'PUBLISHED' }, () => false],
      ];
      for (const [query, predicate] of cases) {
        for (const [sortBy, value] of [
          ['createdAt', (p: (typeof created)[number]) => Date.parse(p.createdAt)],
          [
            'scheduledFor',
            (p: (typeof created)[number]) => (p.scheduledFor === null ? -1 : Date.parse(p.scheduledFor)),
          ],
        ] as const) {
          for (const sortOrder of ['asc', 'desc'] as const) {
            const want = expected(mine, predicate, value, sortOrder);
            assert.deepEqual(
              await walk(url, { ...query, sortBy, sortOrder }),
              want,
              `${JSON.stringify(query)} ${sortBy} ${sortOrder}`,
            );
          }
        }
      }
      // The same as GET /posts?campaignId=…
      const viaPosts = await call(t.app, 'GET', '/api/v1/posts', {
        key: tenant.live.read,
        query: { campaignId: target.id, limit: 100 },
      });
      const viaCampaign = await call(t.app, 'GET', url, { key: tenant.live.read, query: { limit: 100 } });
      assert.deepEqual(viaCampaign.body, viaPosts.body);
      const page2 = await call(t.app, 'GET', url, { key: tenant.live.read, query: { page: 2, limit: 3 } });
      assert.deepEqual(
        page2.body.data.map((p: { id: string }) => p.id),
        expected(
          mine,
          () => true,
          (p) => Date.parse(p.createdAt),
          'desc',
        ).slice(3, 6),
      );
      assert.equal(page2.body.pagination.totalCount, mine.length);
      assert.equal(page2.body.pagination.hasMore, mine.length > 6);

      // A cursor belongs to its campaign.
      const cursor = (await call(t.app, 'GET', url, { key: tenant.live.read, query: { limit: 2 } })).body
        .pagination.nextCursor;
      const elsewhere = await call(t.app, 'GET', `/api/v1/campaigns/${sibling.id}/posts`, {
        key: tenant.live.read,
        query: { cursor },
      });
      assert.equal(elsewhere.status, 400);
      assert.equal(elsewhere.body.error.details.field, 'cursor');
      for (const [query, field] of [
        [{ status: 'LIVE' }, 'status'],
        [{ platform: 'myspace' }, 'platform'],
        [{ campaignId: sibling.id }, 'campaignId'],
        [{ startDate: 'soon' }, 'startDate'],
      ] as const) {
        const res = await call(t.app, 'GET', url, { key: tenant.live.read, query });
        assert.equal(res.status, 400, JSON.stringify(query));
        assert.equal(res.body.error.details.field, field, JSON.stringify(query));
      }

      // Unknown, foreign and other-environment campaigns are 404.
      const other = await createTenant(t, { name: 'Stranger' });
      const otherBrand = (
        await call(t.app, 'POST', '/api/v1/brands', { key: other.live.admin, body: { name: 'S' } })
      ).body.data.id;
      const foreign = (
        await call(t.app, 'POST', '/api/v1/campaigns', {
          key: other.live.read_write,
          body: { brandId: otherBrand, name: 'S', startDate: '2026-05-01', endDate: '2026-06-01' },
        })
      ).body.data.id as string;
      for (const [id, k] of [
        [MISSING_CAMPAIGN, tenant.live.read],
        [foreign, tenant.live.read],
        [target.id, other.live.read],
        [target.id, tenant.test.read],
      ] as const) {
        const res = await call(t.app, 'GET', `/api/v1/campaigns/${id}/posts`, { key: k });
        assert.equal(res.status, 404, `${id}: ${res.raw}`);
        assert.equal(res.body.error.code, 'NOT_FOUND');
      }
    });
  });
}
