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
} from '../../test/helpers/app.js';
import { EVENT_TYPES } from '../db/tables/events.js';
import { describeProblem, type FieldProblem } from '../shared/errors.js';

/**
 * One request with several wrong fields answers one 400 whose `details.errors` names each of them —
 * the schema's problems, and the rules that join fields or need the clock (which used to run only once
 * the schema had passed, and stopped at their first problem) — on every route with a body or a query.
 * A problem that needs the database (an unknown brand) comes after, in its own answer.
 */

const NOW = Date.parse('2026-06-01T12:00:00Z');
const PAST = '2026-05-01T09:00:00Z';
const DATE = 'Must be a date (YYYY-MM-DD) or an ISO 8601 date-time';
const ZONE = 'Must be an IANA time zone, e.g. Europe/Paris';
const BLANK = 'Must not be blank';
const FUTURE = 'Must be in the future';
const AFTER = 'Must be after startDate';
const PLATFORM = 'Must be one of: instagram, facebook, twitter, linkedin';
const STATUS = 'Must be one of: DRAFT, SCHEDULED, PUBLISHING, PUBLISHED, FAILED, CANCELLED';
const BIG_METADATA = { notes: 'x'.repeat(17_000) };

type Answer = Awaited<ReturnType<typeof call>>;

/** The whole 400 the contract describes for these problems, in this order. */
function assertInvalid(
  res: Answer,
  errors: FieldProblem[],
  location: 'body' | 'query',
  message = describeProblem(errors[0]!),
): void {
  assert.equal(res.status, 400, res.raw);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(res.body, {
    error: {
      code: 'INVALID_INPUT',
      message,
      details: { field: errors[0]!.field, reason: errors[0]!.reason, errors, location },
    },
  });
}

for (const dialect of dialects) {
  describe(`every problem of a body or query in one 400 (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let brandId: string;
    let postId: string;
    let campaignId: string;
    const rw = () => tenant.live.read_write;

    const send = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, key: string, body?: unknown) =>
      call(t.app, method, `/api/v1${url}`, { key, body });
    const get = (url: string, key: string, query: Record<string, string>) =>
      call(t.app, 'GET', `/api/v1${url}`, { key, query });

    before(async () => {
      t = await createTestApp(dialect, { clock: new ManualClock(NOW) });
      tenant = await createTenant(t);
      brandId = (await send('POST', '/brands', tenant.live.admin, { name: 'Roastery' })).body.data.id;
      postId = (await send('POST', '/posts', rw(), { brandId, platform: 'twitter', caption: 'Hello' })).body
        .data.id;
      campaignId = (
        await send('POST', '/campaigns', rw(), {
          brandId,
          name: 'Summer',
          startDate: '2026-07-01',
          endDate: '2026-08-01',
        })
      ).body.data.id;
    });
    after(() => t.close());

    describe('posts', () => {
      it('POST /posts: a bad scheduledFor is listed with every other wrong field', async () => {
        const res = await send('POST', '/posts', rw(), {
          brandId: 5,
          platform: 'myspace',
          caption: 'Hello',
          scheduledFor: 'tomorrow at 9',
          metadata: BIG_METADATA,
        });
        assertInvalid(
          res,
          [
            { field: 'brandId', reason: 'Must be a string' },
            { field: 'platform', reason: PLATFORM },
            { field: 'scheduledFor', reason: DATE },
            { field: 'metadata', reason: 'Must be at most 16384 bytes of JSON' },
          ],
          'body',
        );
      });

      it('POST /posts: a past scheduledFor and a new post CANCELLED are listed with the schema’s problems', async () => {
        const res = await send('POST', '/posts', rw(), {
          brandId,
          platform: 'twitter',
          caption: '',
          scheduledFor: PAST,
          status: 'CANCELLED',
          colour: 'red',
        });
        assertInvalid(
          res,
          [
            { field: 'colour', reason: 'Unknown field' },
            { field: 'caption', reason: 'Must not be empty' },
            { field: 'scheduledFor', reason: FUTURE },
            { field: 'status', reason: 'A new post is DRAFT or SCHEDULED' },
          ],
          'body',
        );
      });

      it('POST /posts: a read-only field refused first does not hide the other problems', async () => {
        const res = await send('POST', '/posts', rw(), {
          id: 'post_mine',
          brandId,
          platform: 'twitter',
          caption: 5,
          scheduledFor: PAST,
        });
        assertInvalid(
          res,
          [
            { field: 'id', reason: 'Read-only field: set by Audenci, not by clients' },
            { field: 'caption', reason: 'Must be a string' },
            { field: 'scheduledFor', reason: FUTURE },
          ],
          'body',
        );
      });

      it('POST /posts: the schema passing, the input rules answer alone; an unknown brand comes after them', async () => {
        const unknown = 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';
        const past = await send('POST', '/posts', rw(), {
          brandId: unknown,
          platform: 'twitter',
          caption: 'Hello',
          scheduledFor: PAST,
          metadata: BIG_METADATA,
        });
        assertInvalid(
          past,
          [
            { field: 'scheduledFor', reason: FUTURE },
            { field: 'metadata', reason: 'Must be at most 16384 bytes of JSON' },
          ],
          'body',
        );
        const brand = await send('POST', '/posts', rw(), {
          brandId: unknown,
          platform: 'twitter',
          caption: 'Hello',
          scheduledFor: '2026-07-01T09:00:00Z',
        });
        assert.equal(brand.status, 400, brand.raw);
        assert.deepEqual(brand.body.error.details.errors, [
          { field: 'brandId', reason: `No brand with id '${unknown}'` },
        ]);
      });

      it('PUT /posts/{id}: a missing field, a past time and a SCHEDULED post without one', async () => {
        const res = await send('PUT', `/posts/${postId}`, rw(), {
          platform: 'twitter',
          caption: '',
          scheduledFor: PAST,
          status: 'SCHEDULED',
        });
        assertInvalid(
          res,
          [
            { field: 'brandId', reason: 'Field is required' },
            { field: 'caption', reason: 'Must not be empty' },
            { field: 'scheduledFor', reason: FUTURE },
          ],
          'body',
        );
        const none = await send('PUT', `/posts/${postId}`, rw(), {
          brandId,
          platform: 'linkedin',
          caption: 'x'.repeat(100_001),
          status: 'SCHEDULED',
        });
        assertInvalid(
          none,
          [
            { field: 'caption', reason: 'Must be at most 100000 characters' },
            { field: 'scheduledFor', reason: 'A SCHEDULED post needs a scheduledFor date-time' },
          ],
          'body',
        );
      });

      it('PATCH /posts/{id}: a wrong type, a SCHEDULED post with its time removed, oversized metadata', async () => {
        const res = await send('PATCH', `/posts/${postId}`, rw(), {
          caption: 5,
          scheduledFor: null,
          status: 'SCHEDULED',
          metadata: BIG_METADATA,
        });
        assertInvalid(
          res,
          [
            { field: 'caption', reason: 'Must be a string' },
            { field: 'scheduledFor', reason: 'A SCHEDULED post needs a scheduledFor date-time' },
            { field: 'metadata', reason: 'Must be at most 16384 bytes of JSON' },
          ],
          'body',
        );
      });

      it('GET /posts and GET /campaigns/{id}/posts: a bad parameter and a reversed range', async () => {
        const query = { limit: '0', status: 'LIVE', startDate: '2026-03-02', endDate: '2026-03-01' };
        const errors = [
          { field: 'limit', reason: 'Must be at least 1' },
          { field: 'status', reason: STATUS },
          { field: 'endDate', reason: AFTER },
        ];
        assertInvalid(await get('/posts', tenant.live.read, query), errors, 'query');
        assertInvalid(await get(`/campaigns/${campaignId}/posts`, tenant.live.read, query), errors, 'query');
        const dates = await get('/posts', tenant.live.read, {
          startDate: 'yesterday',
          endDate: '2026-13-01',
        });
        assertInvalid(
          dates,
          [
            { field: 'startDate', reason: DATE },
            { field: 'endDate', reason: DATE },
          ],
          'query',
        );
      });

      it('POST and PUT /posts/batch: each item lists its own problems', async () => {
        const created = await send('POST', '/posts/batch', rw(), {
          posts: [{ brandId, platform: 'myspace', caption: 'One', scheduledFor: PAST, status: 'CANCELLED' }],
        });
        assert.equal(created.status, 200, created.raw);
        assert.deepEqual(created.body.data[0].error.details.errors, [
          { field: 'platform', reason: PLATFORM },
          { field: 'scheduledFor', reason: FUTURE },
          { field: 'status', reason: 'A new post is DRAFT or SCHEDULED' },
        ]);
        const updated = await send('PUT', '/posts/batch', rw(), {
          posts: [{ id: 5, caption: '', scheduledFor: 'soon', metadata: BIG_METADATA }],
        });
        assert.equal(updated.status, 200, updated.raw);
        assert.deepEqual(updated.body.data[0], {
          index: 0,
          status: 400,
          error: {
            code: 'INVALID_INPUT',
            message: 'id: must be a string',
            details: {
              field: 'id',
              reason: 'Must be a string',
              errors: [
                { field: 'id', reason: 'Must be a string' },
                { field: 'caption', reason: 'Must not be empty' },
                { field: 'scheduledFor', reason: DATE },
                { field: 'metadata', reason: 'Must be at most 16384 bytes of JSON' },
              ],
              location: 'body',
            },
          },
        });
      });
    });

    describe('campaigns, brands, plans', () => {
      it('POST, PUT and PATCH /campaigns: a blank name, a bad type, a reversed range, a status', async () => {
        assertInvalid(
          await send('POST', '/campaigns', rw(), {
            brandId,
            name: '  ',
            startDate: '2026-07-02',
            endDate: '2026-07-01',
            goal: 5,
            status: 'COMPLETED',
          }),
          [
            { field: 'name', reason: BLANK },
            { field: 'goal', reason: 'Must be a string or null' },
            { field: 'endDate', reason: AFTER },
            { field: 'status', reason: 'A new campaign is DRAFT or ACTIVE' },
          ],
          'body',
        );
        assertInvalid(
          await send('PUT', `/campaigns/${campaignId}`, rw(), {
            brandId,
            startDate: '2026-07-02T00:00:00Z',
            endDate: '2026-07-01',
            platforms: ['myspace'],
          }),
          [
            { field: 'name', reason: 'Field is required' },
            { field: 'platforms.0', reason: PLATFORM },
            { field: 'endDate', reason: AFTER },
          ],
          'body',
        );
        assertInvalid(
          await send('PATCH', `/campaigns/${campaignId}`, rw(), {
            startDate: 'July',
            endDate: '2026-06-30',
            description: 5,
          }),
          [
            { field: 'description', reason: 'Must be a string or null' },
            { field: 'startDate', reason: DATE },
          ],
          'body',
        );
      });

      it('POST and PATCH /brands: a blank name, an unknown time zone, a bad colour', async () => {
        assertInvalid(
          await send('POST', '/brands', tenant.live.admin, {
            name: ' ',
            timezone: 'Mars/Olympus',
            colors: ['red'],
          }),
          [
            { field: 'name', reason: BLANK },
            { field: 'timezone', reason: ZONE },
            { field: 'colors.0', reason: 'Must match the pattern ^#[0-9a-fA-F]{6}$' },
          ],
          'body',
        );
        assertInvalid(
          await send('PATCH', `/brands/${brandId}`, tenant.live.admin, {
            timezone: 'Europe/Atlantis',
            voice: 5,
          }),
          [
            { field: 'timezone', reason: ZONE },
            { field: 'voice', reason: 'Must be a string or null' },
          ],
          'body',
        );
      });

      it('POST /plans/generate-preview and POST /plans: zone, range, pillars and the schema together', async () => {
        assertInvalid(
          await send('POST', '/plans/generate-preview', rw(), {
            brandId,
            startDate: '2026-07-10',
            endDate: '2026-07-01',
            platforms: [],
            postsPerWeek: 3,
            pillars: ['Tips', ' tips '],
            timezone: 'Mars/Base',
          }),
          [
            { field: 'platforms', reason: 'Must have at least 1 items' },
            { field: 'timezone', reason: ZONE },
            { field: 'endDate', reason: AFTER },
            { field: 'pillars.1', reason: "'tips' is listed twice" },
          ],
          'body',
        );
        assertInvalid(
          await send('POST', '/plans', rw(), {
            name: ' ',
            brandId,
            startDate: '2026-01-01',
            endDate: '2026-05-01',
            platforms: ['twitter'],
            postsPerWeek: 50,
            timezone: 'Europe/Paris',
          }),
          [
            { field: 'name', reason: BLANK },
            { field: 'postsPerWeek', reason: 'Must be at most 21' },
            { field: 'endDate', reason: 'Must be in the future: a plan schedules what is ahead' },
          ],
          'body',
        );
        // Without a time zone, two calendar dates compare alike in any zone: their order is judged too.
        assertInvalid(
          await send('POST', '/plans/generate-preview', rw(), {
            brandId,
            startDate: '2026-07-01',
            endDate: '2027-08-01',
            platforms: ['myspace'],
            postsPerWeek: 3,
          }),
          [
            { field: 'platforms.0', reason: PLATFORM },
            { field: 'endDate', reason: 'The range may span at most 366 days' },
          ],
          'body',
        );
      });
    });

    describe('generation, webhooks, media, keys, accounts', () => {
      it('POST /captions/generate and POST /images/generate', async () => {
        assertInvalid(
          await send('POST', '/captions/generate', rw(), { topic: '   ', platform: 'myspace', n: 9 }),
          [
            { field: 'topic', reason: BLANK },
            { field: 'platform', reason: PLATFORM },
            { field: 'n', reason: 'Must be at most 5' },
          ],
          'body',
        );
        assertInvalid(
          await send('POST', '/images/generate', rw(), {
            prompt: ' ',
            aspectRatio: '1:1',
            size: '100x100',
            n: 9,
          }),
          [
            { field: 'prompt', reason: BLANK },
            { field: 'n', reason: 'Must be at most 4' },
            { field: 'size', reason: 'Give aspectRatio or size, not both' },
          ],
          'body',
        );
        assertInvalid(
          await send('POST', '/images/generate', rw(), { prompt: 'Sale', size: '9999x20', style: '' }),
          [
            { field: 'style', reason: 'Must not be empty' },
            { field: 'size', reason: 'Each side must be between 64 and 4096 pixels' },
          ],
          'body',
        );
      });

      it('POST and PATCH /webhooks: the URL, unknown event types and the schema together', async () => {
        const unknownEvent = (type: string) =>
          `Unknown event type '${type}'; use one of: ${EVENT_TYPES.join(', ')}, or "*" for all`;
        assertInvalid(
          await send('POST', '/webhooks', tenant.live.admin, {
            url: 'ftp://hooks.example.com/in',
            events: ['post.exploded'],
            description: 5,
          }),
          [
            { field: 'description', reason: 'Must be a string or null' },
            { field: 'url', reason: 'Must use http or https' },
            { field: 'events.0', reason: unknownEvent('post.exploded') },
          ],
          'body',
        );
        // Only event types wrong: the message names them all, as before.
        assertInvalid(
          await send('POST', '/webhooks', tenant.live.admin, {
            url: 'http://10.1.2.3/hook',
            events: ['post.created', 'user.signup', 'post.exploded'],
          }),
          [
            {
              field: 'url',
              reason:
                'Resolves to a private, loopback or link-local address; webhooks go to public addresses only ' +
                '(the server operator can allow private ones with AUDENCI_ALLOW_PRIVATE_URLS=true) (10.1.2.3)',
            },
            { field: 'events.1', reason: unknownEvent('user.signup') },
            { field: 'events.2', reason: unknownEvent('post.exploded') },
          ],
          'body',
        );
        const onlyEvents = await send('POST', '/webhooks', tenant.live.admin, {
          url: 'https://hooks.example.com/in',
          events: ['user.signup', 'post.exploded'],
        });
        assertInvalid(
          onlyEvents,
          [
            { field: 'events.0', reason: unknownEvent('user.signup') },
            { field: 'events.1', reason: unknownEvent('post.exploded') },
          ],
          'body',
          "Unknown event types: 'user.signup', 'post.exploded'",
        );
        assertInvalid(
          await send('PATCH', '/webhooks/whk_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', tenant.live.admin, {
            url: 'https://user:secret@hooks.example.com/in',
            enabled: 'yes',
          }),
          [
            { field: 'enabled', reason: 'Must be a boolean' },
            { field: 'url', reason: 'Must not contain a user name or password' },
          ],
          'body',
        );
      });

      it('POST /media (import): the URL and the brand id', async () => {
        assertInvalid(
          await send('POST', '/media', rw(), { url: 'http://127.0.0.1/launch.png', brandId: 5 }),
          [
            { field: 'brandId', reason: 'Must be a string or null' },
            { field: 'url', reason: 'The URL host is not a public address' },
          ],
          'body',
        );
      });

      it('POST /api-keys: an unknown scope and a past expiresAt', async () => {
        const res = await send('POST', '/api-keys', tenant.live.admin, {
          scope: 'owner',
          name: '',
          expiresAt: PAST,
        });
        assert.equal(res.status, 400, res.raw);
        assert.deepEqual(
          res.body.error.details.errors.map((p: FieldProblem) => p.field),
          ['scope', 'name', 'expiresAt'],
        );
        assert.deepEqual(res.body.error.details.errors.slice(1), [
          { field: 'name', reason: 'Must not be empty' },
          { field: 'expiresAt', reason: FUTURE },
        ]);
      });

      it('POST /social-accounts/connect: a bad platform and a redirectUri on another origin', async () => {
        assertInvalid(
          await send('POST', '/social-accounts/connect', rw(), {
            brandId,
            platform: 'myspace',
            redirectUri: 'https://evil.example/cb',
          }),
          [
            { field: 'platform', reason: PLATFORM },
            {
              field: 'redirectUri',
              reason:
                "Must be an http(s) URL, without credentials, on this server's origin (http://audenci.test) " +
                'or on an origin the operator allows (AUDENCI_OAUTH_REDIRECT_ORIGINS)',
            },
          ],
          'body',
        );
      });
    });

    describe('lists and reports', () => {
      it('GET /events: an unknown type and a reversed range', async () => {
        assertInvalid(
          await get('/events', tenant.live.read, {
            type: 'post.exploded',
            startDate: '2026-03-02',
            endDate: '2026-03-01',
          }),
          [
            { field: 'type', reason: `Must be one of: ${EVENT_TYPES.join(', ')}` },
            { field: 'endDate', reason: AFTER },
          ],
          'query',
        );
      });

      it('GET /comments: a bad date with a bad page', async () => {
        assertInvalid(
          await get('/comments', tenant.live.read, { since: 'last week', page: '0' }),
          [
            { field: 'page', reason: 'Must be at least 1' },
            { field: 'since', reason: DATE },
          ],
          'query',
        );
      });

      it('GET /analytics: an unknown field, a zone, metrics, paging and a range', async () => {
        assertInvalid(
          await get('/analytics', tenant.live.read, {
            groupBy: 'day',
            limit: '5',
            timezone: 'Nope/Nowhere',
            metrics: 'likes,foo',
            colour: 'red',
          }),
          [
            { field: 'colour', reason: 'Unknown field' },
            { field: 'timezone', reason: ZONE },
            { field: 'metrics', reason: expectedMetricsReason('foo') },
            { field: 'limit', reason: 'Only groupBy=post is paged; the other groupings answer every row' },
          ],
          'query',
        );
        assertInvalid(
          await get('/analytics', tenant.live.read, {
            groupBy: 'week',
            startDate: '2026-03-02',
            endDate: '2026-03-01',
            cursor: '',
          }),
          [
            { field: 'cursor', reason: 'Must not be empty' },
            { field: 'endDate', reason: AFTER },
          ],
          'query',
        );
      });

      it('GET /social-accounts/{id}/analytics: an unknown field and a reversed range', async () => {
        assertInvalid(
          await get('/social-accounts/acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8/analytics', tenant.live.read, {
            startDate: '2026-03-02',
            endDate: '2026-03-01',
            groupBy: 'day',
          }),
          [
            { field: 'groupBy', reason: 'Unknown field' },
            { field: 'endDate', reason: AFTER },
          ],
          'query',
        );
      });
    });

    describe('job payloads', () => {
      const job = (type: string, payload: unknown) => send('POST', '/jobs', rw(), { type, payload });

      it('posts.export and posts.delete: the filter’s schema, its range and the payload’s rules', async () => {
        assertInvalid(
          await job('posts.export', {
            filter: { status: 'LIVE', startDate: '2026-03-02', endDate: '2026-03-01' },
          }),
          [
            { field: 'payload.filter.status', reason: STATUS },
            { field: 'payload.filter.endDate', reason: AFTER },
          ],
          'body',
        );
        assertInvalid(
          await job('posts.delete', { ids: [postId], filter: { startDate: 'soon' } }),
          [
            { field: 'payload.filter.startDate', reason: DATE },
            { field: 'payload', reason: 'Give exactly one of ids (a list) or filter' },
          ],
          'body',
        );
      });

      it('posts.import: a bad brand id type and neither posts nor csv', async () => {
        assertInvalid(
          await job('posts.import', { brandId: 5 }),
          [
            { field: 'payload.brandId', reason: 'Must be a string' },
            { field: 'payload', reason: 'Give exactly one of posts (a list) or csv (text)' },
          ],
          'body',
        );
      });

      it('analytics.export: a format, a zone and metrics', async () => {
        const res = await call(t.app, 'POST', '/api/v1/jobs', {
          key: tenant.live.read,
          body: {
            type: 'analytics.export',
            payload: { format: 'xml', timezone: 'Nope/Nowhere', metrics: 'foo' },
          },
        });
        assert.equal(res.status, 400, res.raw);
        assert.deepEqual(
          res.body.error.details.errors.map((p: FieldProblem) => p.field),
          ['payload.timezone', 'payload.format', 'payload.metrics'],
        );
      });
    });
  });
}

function expectedMetricsReason(unknown: string): string {
  const metrics = [
    'impressions',
    'reach',
    'likes',
    'comments',
    'shares',
    'saves',
    'clicks',
    'videoViews',
    'engagements',
    'engagementRate',
  ];
  return `Unknown metric '${unknown}'; give a comma-separated subset of: ${metrics.join(', ')}`;
}
