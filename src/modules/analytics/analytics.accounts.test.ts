/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeX, type FakeX } from '../../../test/fakes/x-server.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { connectLiveAccount } from '../../../test/helpers/platforms.js';
import { sandboxAccountStats } from '../../platforms/sandbox/sandbox.connector.js';
import type { Environment } from '../../shared/tenant.js';
import { accountsContext, getPublishingAccount } from '../accounts/index.js';
import { accountStatsId, accountStatsTask } from './analytics.jobs.js';
import type { NewAccountStatsRow } from '../../db/tables/analytics.js';

/**
 * `GET /social-accounts/{id}/analytics`: one account's `account_stats` rows, oldest first, with
 * `followersChange`; [startDate, endDate) on `captured_at`, default the last 90 UTC days; scoped to the
 * caller's organization and environment (404 for another's account); and what the worker's
 * `accountStatsTask` stores is what the route answers.
 */

const DAY = 86_400_000;
/** The test's "now": noon UTC on Wednesday 15 April 2026. The default range is 16 January – 15 April. */
const NOW = Date.parse('2026-04-15T12:00:00Z');

for (const dialect of dialects) {
  describe(`GET /social-accounts/{id}/analytics (${dialect})`, () => {
    let x: FakeX;
    let clock: ManualClock;
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let liveBrandId: string;
    /** A live X account of `tenant`, connected through OAuth: the seeded series. */
    let liveAccount: string;
    /** A sandbox account of `tenant`'s test environment: the worker's task writes its days. */
    let sandbox: { id: string; platformAccountId: string; brandId: string };
    /** A sandbox account of another organization. */
    let foreignAccount: string;

    const row = (
      accountId: string,
      capturedAt: string,
      followers: number,
      extra: Partial<NewAccountStatsRow> = {},
    ): NewAccountStatsRow => {
      const at = Date.parse(capturedAt);
      return {
        id: accountStatsId(accountId, at),
        organization_id: tenant.org.id,
        environment: 'live',
        social_account_id: accountId,
        brand_id: liveBrandId,
        platform: 'twitter',
        captured_at: at,
        followers,
        following: 50,
        posts: 10,
        ...extra,
      };
    };

    before(async () => {
      clock = new ManualClock(NOW);
      x = await startFakeX({ now: () => clock.now() });
      x.setUserMetrics({ followers_count: 1234, following_count: 56, tweet_count: 789 });
      t = await createTestApp(dialect, {
        clock,
        env: {
          TWITTER_CLIENT_ID: x.clientId,
          TWITTER_CLIENT_SECRET: x.clientSecret!,
          TWITTER_API_BASE_URL: x.url,
          TWITTER_AUTH_BASE_URL: x.url,
        },
      });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });

      const brand = async (key: string, name: string) => {
        const res = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name } });
        assert.equal(res.status, 201, res.raw);
        return res.body.data.id as string;
      };
      const sandboxAccount = async (key: string, brandId: string) => {
        const res = await call(t.app, 'POST', '/api/v1/social-accounts', {
          key,
          body: { brandId, platform: 'facebook', name: 'Sandbox page' },
        });
        assert.equal(res.status, 201, res.raw);
        return res.body.data;
      };
      liveBrandId = await brand(tenant.live.admin, 'Live brand');
      liveAccount = await connectLiveAccount(t, tenant.live.read_write, liveBrandId, 'twitter');
      sandbox = await sandboxAccount(tenant.test.read_write, await brand(tenant.test.admin, 'Test brand'));
      foreignAccount = (await sandboxAccount(other.test.read_write, await brand(other.test.admin, 'Theirs')))
        .id;

      const rows: NewAccountStatsRow[] = [
        // Ours, out of order. No row on the 12th (a day the platform could not be reached).
        row(liveAccount, '2026-04-13T00:05:00Z', 1005, { following: null, posts: null }),
        row(liveAccount, '2026-04-10T00:05:00Z', 1000),
        row(liveAccount, '2025-12-01T06:00:00Z', 500),
        row(liveAccount, '2026-04-14T23:59:59.999Z', 1100, { following: 52, posts: 12 }),
        row(liveAccount, '2026-04-11T00:05:00Z', 1010, { following: 51, posts: 11 }),
        // Not ours: the same account id in another organization, in our test environment, and another
        // account of ours.
        row(liveAccount, '2026-04-12T10:00:00Z', 999_001, {
          id: 'acst_other_org',
          organization_id: other.org.id,
        }),
        row(liveAccount, '2026-04-12T10:00:00Z', 999_002, { id: 'acst_test_env', environment: 'test' }),
        row('acct_someone_else', '2026-04-12T10:00:00Z', 999_003),
        // A live row under the sandbox account's id: never in its test-environment answer.
        row(sandbox.id, '2026-04-12T10:00:00Z', 999_004),
      ];
      await t.runtime.ctx.db.insertInto('account_stats').values(rows).execute();
    });
    after(async () => {
      await t.close();
      await x.close();
    });

    const analytics = (id: string, key: string, query?: Record<string, string>) =>
      call(t.app, 'GET', `/api/v1/social-accounts/${id}/analytics`, { key, query });
    const summary = (days: any[]) =>
      days.map((d) => [d.date, d.followers, d.followersChange] as [string, number, number | null]);

    it('lists the last 90 UTC days by default, oldest first, each with followersChange from the previous day', async () => {
      const res = await analytics(liveAccount, tenant.live.read);
      assert.equal(res.status, 200, res.raw);
      const { days, ...rest } = res.body.data;
      assert.deepEqual(rest, {
        socialAccountId: liveAccount,
        platform: 'twitter',
        brandId: liveBrandId,
        startDate: '2026-01-16T00:00:00.000Z',
        endDate: '2026-04-16T00:00:00.000Z',
      });
      // 1 December is older than 90 days; the 12th is missing, so the 13th's change covers two days.
      assert.deepEqual(summary(days), [
        ['2026-04-10', 1000, null],
        ['2026-04-11', 1010, 10],
        ['2026-04-13', 1005, -5],
        ['2026-04-14', 1100, 95],
      ]);
      assert.deepEqual(days[0], {
        date: '2026-04-10',
        capturedAt: '2026-04-10T00:05:00.000Z',
        followers: 1000,
        following: 50,
        posts: 10,
        followersChange: null,
      });
      assert.equal(days[2].following, null);
      assert.equal(days[2].posts, null);
      assert.equal(days[3].capturedAt, '2026-04-14T23:59:59.999Z');
      assert.equal(days[3].date, '2026-04-14', 'the UTC day of capturedAt');
    });

    it('filters on capturedAt: startDate inclusive, endDate exclusive; the first day of the answer has no change', async () => {
      const cases: [Record<string, string>, [string, number, number | null][]][] = [
        // Date-times equal to a capturedAt: the start's day is in, the end's is out.
        [
          { startDate: '2026-04-11T00:05:00Z', endDate: '2026-04-13T00:05:00Z' },
          [['2026-04-11', 1010, null]],
        ],
        // The same instants with an offset.
        [
          { startDate: '2026-04-11T02:05:00+02:00', endDate: '2026-04-12T20:05:00-04:00' },
          [['2026-04-11', 1010, null]],
        ],
        // Calendar dates are midnight UTC.
        [
          { startDate: '2026-04-11', endDate: '2026-04-14' },
          [
            ['2026-04-11', 1010, null],
            ['2026-04-13', 1005, -5],
          ],
        ],
        [{ startDate: '2026-04-14', endDate: '2026-04-15' }, [['2026-04-14', 1100, null]]],
        // Only startDate: up to the end of today; the change of 10 April is from 1 December.
        [
          { startDate: '2025-12-01' },
          [
            ['2025-12-01', 500, null],
            ['2026-04-10', 1000, 500],
            ['2026-04-11', 1010, 10],
            ['2026-04-13', 1005, -5],
            ['2026-04-14', 1100, 95],
          ],
        ],
        // Only endDate: the 90 days before it.
        [{ endDate: '2026-04-11' }, [['2026-04-10', 1000, null]]],
        [{ startDate: '2026-04-15', endDate: '2026-05-01' }, []],
      ];
      for (const [query, expected] of cases) {
        const res = await analytics(liveAccount, tenant.live.read, query);
        assert.equal(res.status, 200, res.raw);
        assert.deepEqual(summary(res.body.data.days), expected, JSON.stringify(query));
      }
      const only = await analytics(liveAccount, tenant.live.read, { startDate: '2025-12-01' });
      assert.equal(only.body.data.endDate, '2026-04-16T00:00:00.000Z');
      const until = await analytics(liveAccount, tenant.live.read, { endDate: '2026-04-11' });
      assert.equal(until.body.data.startDate, '2026-01-11T00:00:00.000Z');
    });

    it("never shows another organization's or the other environment's rows, and answers 404 for their accounts", async () => {
      const ours = await analytics(liveAccount, tenant.live.read, {
        startDate: '2026-04-12',
        endDate: '2026-04-13',
      });
      assert.equal(ours.status, 200, ours.raw);
      assert.deepEqual(ours.body.data.days, [], 'the 12th holds only rows of others');
      const all = await analytics(liveAccount, tenant.live.read, {
        startDate: '2025-01-01',
        endDate: '2027-01-01',
      });
      assert.equal(all.status, 200, all.raw);
      assert.ok(
        all.body.data.days.every((d: any) => d.followers < 999_000),
        all.raw,
      );
      assert.equal(all.body.data.days.length, 5);

      for (const [id, key, what] of [
        [foreignAccount, tenant.test.read, "another organization's account"],
        [liveAccount, other.live.read, 'our account, asked by another organization'],
        [liveAccount, tenant.test.read, 'a live account, asked with a test key'],
        [sandbox.id, tenant.live.read, 'a test account, asked with a live key'],
        ['acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', tenant.live.read, 'an unknown account'],
      ] as const) {
        const res = await analytics(id, key);
        assert.equal(res.status, 404, `${what}: ${res.raw}`);
        assert.equal(res.body.error.code, 'NOT_FOUND', what);
        assert.match(res.body.error.message, /social account/, what);
      }
      // Our test environment sees its own account, without the live row stored under its id.
      const test = await analytics(sandbox.id, tenant.test.read, { startDate: '2026-04-01' });
      assert.equal(test.status, 200, test.raw);
      assert.deepEqual(test.body.data.days, []);
    });

    it('answers 400 naming the field for a bad date, a reversed or empty range, or more than 1,000 days', async () => {
      const daysBefore = (end: string, days: number) =>
        new Date(Date.parse(end) - days * DAY).toISOString().slice(0, 10);
      // 1,000 days of 24 hours from noon to noon touch 1,001 UTC days.
      const noonToNoon = {
        startDate: '2026-01-01T12:00:00.000Z',
        endDate: new Date(Date.parse('2026-01-01T12:00:00Z') + 1000 * DAY).toISOString(),
      };
      for (const [query, field] of [
        [{ startDate: 'last tuesday' }, 'startDate'],
        [{ startDate: '2026-04-11T00:05' }, 'startDate'], // a date-time needs a zone
        [{ endDate: '2026-02-30' }, 'endDate'],
        [{ startDate: '2026-04-14', endDate: '2026-04-10' }, 'endDate'],
        [{ startDate: '2026-04-14', endDate: '2026-04-14' }, 'endDate'],
        [{ startDate: daysBefore('2026-04-16', 1001), endDate: '2026-04-16' }, 'endDate'],
        [noonToNoon, 'endDate'],
        [{ startDate: '2020-01-01' }, 'endDate'], // up to today: more than 1,000 days
        [{ groupBy: 'day' }, 'groupBy'],
      ] as const) {
        const res = await analytics(liveAccount, tenant.live.read, query as Record<string, string>);
        assert.equal(res.status, 400, `${JSON.stringify(query)}: ${res.raw}`);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field, res.raw);
      }
      const both = await analytics(liveAccount, tenant.live.read, { startDate: 'soon', endDate: 'later' });
      assert.deepEqual(
        both.body.error.details.errors.map((e: any) => e.field),
        ['startDate', 'endDate'],
      );
      // Exactly 1,000 days is allowed.
      const most = await analytics(liveAccount, tenant.live.read, {
        startDate: daysBefore('2026-04-16', 1000),
        endDate: '2026-04-16',
      });
      assert.equal(most.status, 200, most.raw);
      assert.equal(most.body.data.days.length, 5);
    });

    it("shows what the worker's accountStatsTask stores, one day per run day, with the change between them", async () => {
      const ctx = t.runtime.ctx;
      const accounts = accountsContext(ctx, {
        connectors: t.runtime.connectors,
        tokenBox: t.runtime.tokenBox,
        publicUrl: t.runtime.config.publicUrl,
      });
      const errors: string[] = [];
      // The task as the worker wires it (src/worker/index.ts).
      const task = accountStatsTask({
        ctx,
        connectors: t.runtime.connectors,
        resolveAccount: (tenant, account) =>
          getPublishingAccount(accounts, tenant, account.id, {
            brandId: account.brand_id,
            platform: account.platform,
          }),
        onError: (error, what) => errors.push(`${what}: ${String(error)}`),
      });
      await task.run();
      await task.run(); // the same day again: no second day
      assert.deepEqual(errors, []);

      const expected = (at: number) => sandboxAccountStats(sandbox.platformAccountId, at);
      const first = expected(NOW);
      let res = await analytics(sandbox.id, tenant.test.read);
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.platform, 'facebook');
      assert.equal(res.body.data.brandId, sandbox.brandId);
      assert.deepEqual(res.body.data.days, [
        {
          date: '2026-04-15',
          capturedAt: '2026-04-15T12:00:00.000Z',
          followers: first.followers,
          following: first.following,
          posts: first.posts,
          followersChange: null,
        },
      ]);

      // The live X account: today's figures from the platform follow the seeded days.
      res = await analytics(liveAccount, tenant.live.read, { startDate: '2026-04-14' });
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body.data.days.at(-1), {
        date: '2026-04-15',
        capturedAt: '2026-04-15T12:00:00.000Z',
        followers: 1234,
        following: 56,
        posts: 789,
        followersChange: 1234 - 1100,
      });

      // The next day, the sandbox account has grown; the change is the growth between the two runs.
      clock.advance(DAY);
      await task.run();
      const second = expected(NOW + DAY);
      res = await analytics(sandbox.id, tenant.test.read);
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(summary(res.body.data.days), [
        ['2026-04-15', first.followers, null],
        ['2026-04-16', second.followers, second.followers - first.followers],
      ]);
      assert.ok(second.followers > first.followers, 'the sandbox grows every day');
      const stored = await ctx.db
        .selectFrom('account_stats')
        .select(['environment'])
        .where('social_account_id', '=', sandbox.id)
        .where('organization_id', '=', tenant.org.id)
        .execute();
      assert.deepEqual(stored.map((r) => r.environment as Environment).sort(), ['live', 'test', 'test']);
    });
  });
}
