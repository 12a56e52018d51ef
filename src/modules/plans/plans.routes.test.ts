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
import { rulesFor } from '../../platforms/rules.js';
import { twitterWeightedLength } from '../../platforms/twitter/twitter.text.js';
import { validateDraft } from '../../platforms/validation.js';
import { MIN_GAP_MS, postingRank } from './plans.schedule.js';
import { localParts } from './plans.timezone.js';

const HOUR = 3_600_000;
const MISSING_PLAN = 'plan_01M8FHSW4FSXDVQCQJRMA72QE2';

interface Item {
  platform: 'instagram' | 'twitter' | 'facebook' | 'linkedin';
  scheduledFor: string;
  localTime: string;
  caption: string;
  hashtags: string[];
  pillar: string;
  mediaSuggestion: { type: string; aspectRatio: string; prompt: string };
}

/** Every item in range, at one of its platform's posting times (local), and ≥ the gap from its siblings. */
function assertWellPlaced(items: Item[], zone: string, start: number, end: number, now: number) {
  for (const item of items) {
    const ms = Date.parse(item.scheduledFor);
    assert.ok(ms >= start && ms < end && ms > now, `${item.scheduledFor} in range and ahead`);
    const local = localParts(zone, ms);
    assert.equal(local.minute, 0);
    assert.notEqual(postingRank(item.platform, local.weekday, local.hour), undefined, item.localTime);
    assert.equal(Date.parse(item.localTime), ms, 'localTime is the same instant');
    assert.equal(Number(item.localTime.slice(11, 13)), local.hour, 'localTime shows the local hour');
  }
  for (const platform of new Set(items.map((i) => i.platform))) {
    const times = items
      .filter((i) => i.platform === platform)
      .map((i) => Date.parse(i.scheduledFor))
      .sort((a, b) => a - b);
    times.slice(1).forEach((t, i) => assert.ok(t - times[i]! >= MIN_GAP_MS, `${platform}: gap`));
  }
}

for (const dialect of dialects) {
  describe(`plans routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let clock: ManualClock;
    let brandId: string;
    const rw = () => tenant.live.read_write;
    const body = (extra: Record<string, unknown> = {}) => ({
      brandId,
      startDate: '2027-03-01',
      endDate: '2027-03-29',
      platforms: ['instagram', 'twitter'],
      postsPerWeek: 3,
      ...extra,
    });
    const preview = (b: unknown, key = rw()) =>
      call(t.app, 'POST', '/api/v1/plans/generate-preview', { key, body: b });

    before(async () => {
      clock = new ManualClock(Date.parse('2027-01-15T12:00:00Z'));
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Acme Coffee', timezone: 'America/New_York', voice: 'warm and playful' },
      });
      assert.equal(res.status, 201, res.raw);
      brandId = res.body.data.id;
    });
    after(() => t.close());

    it('a 4-week preview for Instagram and X at 3 a week: 24 valid items at good local times; nothing saved', async () => {
      const res = await preview(body({ goal: 'launch the spring blend' }));
      assert.equal(res.status, 200, res.raw);
      const { items, summary } = res.body.data as { items: Item[]; summary: Record<string, unknown> };
      assert.equal(items.length, 24);
      const zone = 'America/New_York';
      const start = Date.parse('2027-03-01T05:00:00Z'); // local midnight, EST
      const end = Date.parse('2027-03-29T04:00:00Z'); // local midnight, EDT
      assertWellPlaced(items, zone, start, end, clock.now());
      for (const item of items) {
        const media = rulesFor(item.platform)!.media.required ? ['med_attached_later'] : [];
        assert.deepEqual(
          validateDraft({ platform: item.platform, caption: item.caption, mediaIds: media }),
          [],
        );
        if (item.platform === 'twitter') assert.ok(twitterWeightedLength(item.caption) <= 280);
        for (const tag of item.hashtags) assert.ok(item.caption.includes(`#${tag}`), tag);
        assert.ok(['education', 'behind the scenes', 'product', 'community'].includes(item.pillar));
        assert.ok(item.mediaSuggestion.prompt.includes('Acme Coffee'));
      }
      const sorted = [...items].sort((a, b) => Date.parse(a.scheduledFor) - Date.parse(b.scheduledFor));
      assert.deepEqual(items, sorted, 'items come in time order');
      // Evenly: three in each of the four weeks, per platform.
      for (const platform of ['instagram', 'twitter']) {
        const weeks = [0, 0, 0, 0];
        for (const i of items.filter((x) => x.platform === platform))
          weeks[Math.floor((Date.parse(i.scheduledFor) - start) / (7 * 24 * HOUR))]!++;
        assert.deepEqual(weeks, [3, 3, 3, 3], platform);
      }
      assert.deepEqual(summary, {
        totalItems: 24,
        byPlatform: { instagram: 12, twitter: 12 },
        byPillar: { education: 6, 'behind the scenes': 6, product: 6, community: 6 },
        unplaced: { instagram: 0, twitter: 0 },
        startDate: '2027-03-01T05:00:00.000Z',
        endDate: '2027-03-29T04:00:00.000Z',
        timezone: zone,
        postsPerWeek: 3,
      });
      // Deterministic, and nothing saved.
      const again = await preview(body({ goal: 'launch the spring blend' }));
      assert.deepEqual(again.body, res.body);
      const plans = await call(t.app, 'GET', '/api/v1/plans', { key: tenant.live.read });
      assert.equal(plans.body.pagination.totalCount, 0);
      const posts = await call(t.app, 'GET', '/api/v1/posts', { key: tenant.live.read });
      assert.equal(posts.body.pagination.totalCount, 0);
    });

    it('keeps the local hour across a DST change (Europe/Paris, 2027-03-28): UTC moves by an hour', async () => {
      const res = await preview(
        body({
          platforms: ['twitter'],
          postsPerWeek: 5,
          timezone: 'Europe/Paris',
          startDate: '2027-03-15',
          endDate: '2027-04-12',
          pillars: ['tips', 'team'],
        }),
      );
      assert.equal(res.status, 200, res.raw);
      const items = res.body.data.items as Item[];
      assert.equal(items.length, 20);
      const switchAt = Date.parse('2027-03-28T01:00:00Z');
      assertWellPlaced(
        items,
        'Europe/Paris',
        Date.parse('2027-03-14T23:00:00Z'),
        Date.parse('2027-04-11T22:00:00Z'),
        clock.now(),
      );
      const before = items.filter((i) => Date.parse(i.scheduledFor) < switchAt);
      const after = items.filter((i) => Date.parse(i.scheduledFor) >= switchAt);
      assert.ok(before.every((i) => i.localTime.endsWith('+01:00')));
      assert.ok(after.every((i) => i.localTime.endsWith('+02:00')));
      const hour = (i: Item) => Number(i.localTime.slice(11, 13));
      const shared = before.map(hour).filter((h) => after.map(hour).includes(h));
      assert.ok(shared.length > 0, 'the same local hour is used on both sides');
      const h = shared[0]!;
      const utc = (i: Item) => new Date(i.scheduledFor).getUTCHours();
      assert.equal(utc(before.find((i) => hour(i) === h)!), h - 1);
      assert.equal(utc(after.find((i) => hour(i) === h)!), h - 2);
      assert.deepEqual(res.body.data.summary.byPillar, { tips: 10, team: 10 });
    });

    it("avoids the brand's scheduled posts, and plans only what is still ahead", async () => {
      const first = (await preview(body({ platforms: ['twitter'] }))).body.data.items as Item[];
      const taken = Date.parse(first[2]!.scheduledFor) + 15 * 60_000;
      const post = await call(t.app, 'POST', '/api/v1/posts', {
        key: rw(),
        body: {
          brandId,
          platform: 'twitter',
          caption: 'Already booked',
          scheduledFor: new Date(taken).toISOString(),
        },
      });
      assert.equal(post.status, 201, post.raw);
      assert.equal(post.body.data.status, 'SCHEDULED');
      const res = await preview(body({ platforms: ['twitter'] }));
      const items = res.body.data.items as Item[];
      assert.equal(items.length, 12);
      for (const item of items) assert.ok(Math.abs(Date.parse(item.scheduledFor) - taken) >= MIN_GAP_MS);
      // Another platform's post takes nothing from X's calendar.
      const ig = (await preview(body({ platforms: ['instagram'] }))).body.data.items as Item[];
      assert.equal(ig.length, 12);
      await call(t.app, 'DELETE', `/api/v1/posts/${post.body.data.id}`, { key: rw() });

      // Half-way through the range, only the second half is planned: half the posts.
      const saved = clock.now();
      clock.set(Date.parse('2027-03-15T05:00:00Z'));
      try {
        const late = await preview(body({ platforms: ['twitter'] }));
        assert.equal(late.status, 200, late.raw);
        const lateItems = late.body.data.items as Item[];
        assert.equal(lateItems.length, 6);
        assert.ok(lateItems.every((i) => Date.parse(i.scheduledFor) > clock.now()));
        clock.set(Date.parse('2027-03-29T04:00:00Z'));
        const over = await preview(body());
        assert.equal(over.status, 400);
        assert.equal(over.body.error.details.field, 'endDate');
      } finally {
        clock.set(saved);
      }
    });

    it('saves a plan; applying it twice makes one campaign and 24 drafts at the planned times', async () => {
      const created = await call(t.app, 'POST', '/api/v1/plans', {
        key: rw(),
        body: { name: ' March plan ', ...body({ goal: 'spring blend' }) },
      });
      assert.equal(created.status, 201, created.raw);
      const plan = created.body.data;
      assert.match(plan.id, /^plan_[0-9A-Z]{26}$/);
      assert.equal(created.headers.location, `http://audenci.test/api/v1/plans/${plan.id}`);
      assert.equal(plan.name, 'March plan');
      assert.equal(plan.status, 'draft');
      assert.equal(plan.campaignId, null);
      assert.equal(plan.items.length, 24);
      assert.deepEqual(plan.parameters, {
        brandId,
        startDate: '2027-03-01T05:00:00.000Z',
        endDate: '2027-03-29T04:00:00.000Z',
        platforms: ['instagram', 'twitter'],
        postsPerWeek: 3,
        pillars: ['education', 'behind the scenes', 'product', 'community'],
        goal: 'spring blend',
        timezone: 'America/New_York',
      });
      const previewed = await preview(body({ goal: 'spring blend' }));
      assert.deepEqual(plan.items, previewed.body.data.items, 'the stored plan is the preview');
      const got = await call(t.app, 'GET', `/api/v1/plans/${plan.id}`, { key: tenant.live.read });
      assert.deepEqual(got.body.data, plan);

      // The first item's time passes before the plan is applied.
      const saved = clock.now();
      clock.set(Date.parse(plan.items[0].scheduledFor) + 1000);
      try {
        const applied = await call(t.app, 'POST', `/api/v1/plans/${plan.id}/apply`, { key: rw() });
        assert.equal(applied.status, 200, applied.raw);
        const { data } = applied.body;
        assert.equal(data.created, true);
        assert.equal(data.postsCreated, 24);
        assert.equal(data.plan.status, 'applied');
        assert.equal(data.plan.campaignId, data.campaign.id);
        assert.equal(data.plan.appliedAt, new Date(clock.now()).toISOString());
        assert.deepEqual(
          { ...data.campaign, id: undefined, createdAt: undefined, updatedAt: undefined },
          {
            id: undefined,
            brandId,
            name: 'March plan',
            description: `From content plan ${plan.id}`,
            startDate: '2027-03-01T05:00:00.000Z',
            endDate: '2027-03-29T04:00:00.000Z',
            status: 'DRAFT',
            goal: 'spring blend',
            platforms: ['instagram', 'twitter'],
            startedAt: null,
            createdAt: undefined,
            updatedAt: undefined,
          },
        );

        const again = await call(t.app, 'POST', `/api/v1/plans/${plan.id}/apply`, { key: rw() });
        assert.equal(again.status, 200, again.raw);
        assert.equal(again.body.data.created, false);
        assert.equal(again.body.data.postsCreated, 0);
        assert.deepEqual(again.body.data.campaign, data.campaign);
        assert.deepEqual(again.body.data.plan, data.plan);

        const posts = await call(t.app, 'GET', `/api/v1/campaigns/${data.campaign.id}/posts`, {
          key: tenant.live.read,
          query: { limit: 100, sortBy: 'scheduledFor', sortOrder: 'asc' },
        });
        assert.equal(posts.body.pagination.totalCount, 24);
        const list = posts.body.data as {
          status: string;
          scheduledFor: string | null;
          caption: string;
          metadata: { plan: { id: string; plannedFor: string } };
        }[];
        assert.ok(list.every((p) => p.status === 'DRAFT'));
        assert.equal(list[0]!.scheduledFor, null, 'a passed time is not kept');
        assert.equal(list[0]!.metadata.plan.plannedFor, plan.items[0].scheduledFor);
        assert.deepEqual(
          list.slice(1).map((p) => p.scheduledFor),
          plan.items.slice(1).map((i: Item) => i.scheduledFor),
        );
        assert.ok(list.every((p) => p.metadata.plan.id === plan.id));
        const campaigns = await call(t.app, 'GET', '/api/v1/campaigns', {
          key: tenant.live.read,
          query: { brandId },
        });
        assert.equal(campaigns.body.pagination.totalCount, 1);
        const events = await call(t.app, 'GET', '/api/v1/events', {
          key: tenant.live.read,
          query: { type: 'post.created', limit: 100 },
        });
        assert.equal(
          events.body.data.filter(
            (e: { data: { campaignId: string } }) => e.data.campaignId === data.campaign.id,
          ).length,
          24,
        );
      } finally {
        clock.set(saved);
      }

      const applied = await call(t.app, 'GET', '/api/v1/plans', {
        key: tenant.live.read,
        query: { status: 'applied' },
      });
      assert.deepEqual(
        applied.body.data.map((p: { id: string }) => p.id),
        [plan.id],
      );
      const drafts = await call(t.app, 'GET', '/api/v1/plans', {
        key: tenant.live.read,
        query: { status: 'draft', brandId },
      });
      assert.equal(drafts.body.pagination.totalCount, 0);
    });

    it('concurrent applies create one campaign', async () => {
      const plan = (
        await call(t.app, 'POST', '/api/v1/plans', {
          key: rw(),
          body: {
            name: 'Race',
            ...body({ platforms: ['twitter'], startDate: '2027-04-05', endDate: '2027-04-19' }),
          },
        })
      ).body.data;
      const answers = await Promise.all(
        [1, 2, 3].map(() => call(t.app, 'POST', `/api/v1/plans/${plan.id}/apply`, { key: rw() })),
      );
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200],
      );
      assert.equal(answers.filter((a) => a.body.data.created).length, 1);
      assert.equal(new Set(answers.map((a) => a.body.data.campaign.id)).size, 1);
      const posts = await call(t.app, 'GET', `/api/v1/campaigns/${answers[0]!.body.data.campaign.id}/posts`, {
        key: tenant.live.read,
      });
      assert.equal(posts.body.pagination.totalCount, 6);
      const deleted = await call(t.app, 'DELETE', `/api/v1/plans/${plan.id}`, { key: rw() });
      assert.deepEqual(deleted.body, { data: { id: plan.id, deleted: true } });
      assert.equal(
        (await call(t.app, 'GET', `/api/v1/plans/${plan.id}`, { key: tenant.live.read })).status,
        404,
      );
      const kept = await call(t.app, 'GET', `/api/v1/campaigns/${answers[0]!.body.data.campaign.id}/posts`, {
        key: tenant.live.read,
      });
      assert.equal(kept.body.pagination.totalCount, 6, 'its campaign and posts stay');
    });

    it('refuses invalid parameters with 400 naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ endDate: '2027-03-01' }, 'endDate'],
        [{ endDate: '2027-02-20' }, 'endDate'],
        [{ endDate: '2028-03-02' }, 'endDate'],
        [{ startDate: '2027-02-30' }, 'startDate'],
        [{ startDate: 'soon' }, 'startDate'],
        [{ postsPerWeek: 0 }, 'postsPerWeek'],
        [{ postsPerWeek: 22 }, 'postsPerWeek'],
        [{ postsPerWeek: 2.5 }, 'postsPerWeek'],
        [{ platforms: [] }, 'platforms'],
        [{ platforms: ['myspace'] }, 'platforms.0'],
        [{ platforms: ['twitter', 'twitter'] }, 'platforms'],
        [{ timezone: 'Mars/Olympus' }, 'timezone'],
        [{ pillars: ['a', ' '] }, 'pillars.1'],
        [{ pillars: ['Tips', 'tips'] }, 'pillars.1'],
        [{ brandId: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2' }, 'brandId'],
        [{ budget: 10 }, 'budget'],
        [{ brandId: undefined }, 'brandId'],
      ];
      for (const [extra, field] of cases) {
        const res = await preview(body(extra));
        assert.equal(res.status, 400, `${JSON.stringify(extra)}: ${res.raw}`);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field, JSON.stringify(extra));
        assert.ok(res.body.error.details.errors.length >= 1);
      }
      const long = await preview(body({ endDate: '2028-03-02' }));
      assert.match(long.body.error.details.reason, /366 days/);
      const blank = await call(t.app, 'POST', '/api/v1/plans', {
        key: rw(),
        body: { name: '  ', ...body() },
      });
      assert.equal(blank.status, 400);
      assert.equal(blank.body.error.details.field, 'name');
      const readOnly = await call(t.app, 'POST', '/api/v1/plans', {
        key: rw(),
        body: { name: 'x', status: 'applied', ...body() },
      });
      assert.equal(readOnly.status, 400);
      assert.match(readOnly.body.error.details.reason, /Read-only/);
    });

    it('isolates tenants: other organizations and the test environment see 404; a foreign brand is 400', async () => {
      const plan = (
        await call(t.app, 'POST', '/api/v1/plans', {
          key: rw(),
          body: {
            name: 'Mine',
            ...body({ platforms: ['twitter'], startDate: '2027-05-03', endDate: '2027-05-10' }),
          },
        })
      ).body.data;
      for (const key of [other.live.read_write, tenant.test.read_write]) {
        for (const [method, url] of [
          ['GET', `/api/v1/plans/${plan.id}`],
          ['DELETE', `/api/v1/plans/${plan.id}`],
          ['POST', `/api/v1/plans/${plan.id}/apply`],
          ['GET', `/api/v1/plans/${MISSING_PLAN}`],
        ] as const) {
          const res = await call(t.app, method, url, { key });
          assert.equal(res.status, 404, `${method} ${url}`);
          assert.equal(res.body.error.code, 'NOT_FOUND');
        }
        const list = await call(t.app, 'GET', '/api/v1/plans', { key });
        assert.equal(list.body.pagination.totalCount, 0);
        const res = await preview(body(), key);
        assert.equal(res.status, 400);
        assert.equal(res.body.error.details.field, 'brandId');
        const create = await call(t.app, 'POST', '/api/v1/plans', {
          key,
          body: { name: 'Theirs', ...body() },
        });
        assert.equal(create.status, 400);
        assert.equal(create.body.error.details.field, 'brandId');
      }
      const stillDraft = await call(t.app, 'GET', `/api/v1/plans/${plan.id}`, { key: tenant.live.read });
      assert.equal(stillDraft.body.data.status, 'draft');
      // Scopes: read keys read, only read_write writes.
      for (const [method, url] of [
        ['POST', '/api/v1/plans/generate-preview'],
        ['POST', '/api/v1/plans'],
        ['POST', `/api/v1/plans/${plan.id}/apply`],
        ['DELETE', `/api/v1/plans/${plan.id}`],
      ] as const) {
        const res = await call(t.app, method, url, {
          key: tenant.live.read,
          body: method === 'POST' ? body() : undefined,
        });
        assert.equal(res.status, 403, `${method} ${url}`);
        assert.equal(res.body.error.details.requiredScope, 'read_write');
      }
    });

    it('saves a preview as a person edited it: a caption rewritten, a time moved, an item dropped', async () => {
      const params = body({
        platforms: ['twitter', 'facebook'],
        startDate: '2027-06-07',
        endDate: '2027-06-21',
        postsPerWeek: 2,
      });
      const { items } = (await preview(params)).body.data as { items: Item[] };
      assert.equal(items.length, 8);
      const moved = '2027-06-20T15:30:00.000Z';
      const edited = items.slice(1).map((item, i) => ({
        platform: item.platform,
        scheduledFor: i === 0 ? moved : item.scheduledFor,
        caption: i === 0 ? 'Rewritten by hand #coffee' : item.caption,
        pillar: item.pillar,
      }));
      const created = await call(t.app, 'POST', '/api/v1/plans', {
        key: rw(),
        body: { name: 'Edited plan', ...params, items: edited },
      });
      assert.equal(created.status, 201, created.raw);
      const plan = created.body.data;
      assert.equal(plan.items.length, 7);
      const rewritten = plan.items.find((i: Item) => i.caption === 'Rewritten by hand #coffee');
      assert.deepEqual(
        { ...rewritten, mediaSuggestion: undefined },
        {
          platform: items[1]!.platform,
          scheduledFor: moved,
          localTime: '2027-06-20T11:30:00-04:00',
          caption: 'Rewritten by hand #coffee',
          hashtags: ['coffee'],
          pillar: items[1]!.pillar,
          mediaSuggestion: undefined,
        },
      );
      assert.equal(plan.items.at(-1).scheduledFor, moved, 'sorted by time');
      assert.equal(plan.summary.totalItems, 7);
      assert.deepEqual(plan.summary.unplaced, { twitter: 0, facebook: 0 });
      const applied = await call(t.app, 'POST', `/api/v1/plans/${plan.id}/apply`, { key: rw() });
      assert.equal(applied.status, 200, applied.raw);
      assert.equal(applied.body.data.postsCreated, 7);
      const posts = await call(t.app, 'GET', `/api/v1/campaigns/${applied.body.data.campaign.id}/posts`, {
        key: tenant.live.read,
        query: { limit: 100, sortBy: 'scheduledFor', sortOrder: 'asc' },
      });
      assert.deepEqual(
        posts.body.data.map((p: { caption: string; scheduledFor: string }) => [p.caption, p.scheduledFor]),
        plan.items.map((i: Item) => [i.caption, i.scheduledFor]),
      );
    });

    it('refuses edited items that break the plan or the platform, naming each', async () => {
      const params = body({ platforms: ['twitter'], startDate: '2027-06-07', endDate: '2027-06-14' });
      const item = {
        platform: 'twitter',
        scheduledFor: '2027-06-08T14:00:00.000Z',
        caption: 'Fine',
        pillar: 'education',
      };
      const res = await call(t.app, 'POST', '/api/v1/plans', {
        key: rw(),
        body: {
          name: 'Broken',
          ...params,
          items: [
            item,
            { ...item, platform: 'facebook' },
            { ...item, scheduledFor: '2027-07-01T10:00:00.000Z' },
            { ...item, caption: 'x'.repeat(281) },
            { ...item, caption: '   ' },
          ],
        },
      });
      assert.equal(res.status, 400, res.raw);
      assert.deepEqual(
        res.body.error.details.errors.map((e: { field: string }) => e.field),
        ['items.1.platform', 'items.2.scheduledFor', 'items.3.caption', 'items.4.caption'],
      );
      assert.match(res.body.error.details.errors[2].reason, /280/);
      const empty = await call(t.app, 'POST', '/api/v1/plans', {
        key: rw(),
        body: { name: 'Empty', ...params, items: [] },
      });
      assert.equal(empty.status, 400, empty.raw);
      assert.equal(empty.body.error.details.field, 'items');
      const list = await call(t.app, 'GET', '/api/v1/plans', {
        key: tenant.live.read,
        query: { limit: 100 },
      });
      assert.ok(!list.body.data.some((p: { name: string }) => ['Broken', 'Empty'].includes(p.name)));
    });
  });
}
