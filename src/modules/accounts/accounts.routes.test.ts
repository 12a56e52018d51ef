import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { SecretBoxError } from '../../shared/secret-box.js';

const MINUTE = 60_000;
const HOUR = 3600_000;
const CALLBACK = 'http://audenci.test/api/v1/social-accounts/callback';
const MISSING = 'acct_01M8FHSW4FSXDVQCQJRMA72QE2';
const ACCOUNT_FIELDS = [
  'brandId',
  'createdAt',
  'id',
  'lastError',
  'lastRefreshedAt',
  'name',
  'platform',
  'platformAccountId',
  'scopes',
  'status',
  'tokenExpiresAt',
  'updatedAt',
  'username',
];

/** The path and query of an absolute URL, for `inject`. */
const local = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

for (const dialect of dialects) {
  describe(`social accounts (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let clock: ManualClock;
    let testBrand: string;
    let otherTestBrand: string;
    let liveBrand: string;

    before(async () => {
      clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
      // The client app of these tests lives on another origin, which the operator allows.
      t = await createTestApp(dialect, {
        clock,
        env: { AUDENCI_OAUTH_REDIRECT_ORIGINS: 'https://app.example.com, http://localhost:5173' },
      });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const brand = async (key: string, name: string) => {
        const res = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name } });
        assert.equal(res.status, 201, res.raw);
        return res.body.data.id as string;
      };
      testBrand = await brand(tenant.test.admin, 'Sandbox Coffee');
      otherTestBrand = await brand(tenant.test.admin, 'Sandbox Tea');
      liveBrand = await brand(tenant.live.admin, 'Live Coffee');
    });
    after(() => t.close());

    const db = () => t.runtime.ctx.db;
    const row = (id: string) =>
      db().selectFrom('social_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    async function connect(body: Record<string, unknown>, key = tenant.test.read_write) {
      return call(t.app, 'POST', '/api/v1/social-accounts/connect', { key, body });
    }

    async function createSandbox(body: Record<string, unknown>) {
      const res = await call(t.app, 'POST', '/api/v1/social-accounts', { key: tenant.test.read_write, body });
      assert.equal(res.status, 201, res.raw);
      return res.body.data;
    }

    function assertBadRequest(res: Answer, field: string, what = field) {
      assert.equal(res.status, 400, `${what}: ${res.raw}`);
      assert.equal(res.body.error.code, 'INVALID_INPUT', what);
      assert.equal(res.body.error.details.field, field, what);
    }

    it('connects in the test environment end to end: the sandbox approves, the callback stores the account and redirects', async () => {
      const started = await connect({
        brandId: testBrand,
        platform: 'instagram',
        redirectUri: 'https://app.example.com/accounts?tab=social',
      });
      assert.equal(started.status, 200, started.raw);
      const { authorizationUrl, state, expiresAt } = started.body.data;
      assert.deepEqual(Object.keys(started.body.data).sort(), ['authorizationUrl', 'expiresAt', 'state']);
      assert.match(state, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(expiresAt, new Date(clock.now() + 10 * MINUTE).toISOString());
      // The sandbox has no consent screen: its authorization URL is our own callback, with a code.
      const url = new URL(authorizationUrl);
      assert.equal(`${url.origin}${url.pathname}`, CALLBACK);
      assert.equal(url.searchParams.get('state'), state);
      assert.match(url.searchParams.get('code')!, /^sbx_code_/);

      // The browser follows it: no API key, a redirect to the client's page.
      const callback = await call(t.app, 'GET', local(authorizationUrl));
      assert.equal(callback.status, 302, callback.raw);
      const location = new URL(String(callback.headers.location));
      assert.equal(`${location.origin}${location.pathname}`, 'https://app.example.com/accounts');
      assert.equal(location.searchParams.get('tab'), 'social');
      assert.equal(location.searchParams.get('status'), 'connected');
      assert.equal(location.searchParams.get('state'), state);
      const accountId = location.searchParams.get('accounts')!;
      assert.match(accountId, /^acct_[0-9A-Z]{26}$/);

      const read = await call(t.app, 'GET', `/api/v1/social-accounts/${accountId}`, {
        key: tenant.test.read,
      });
      assert.equal(read.status, 200, read.raw);
      const account = read.body.data;
      assert.deepEqual(Object.keys(account).sort(), ACCOUNT_FIELDS);
      assert.deepEqual(
        { ...account, platformAccountId: undefined, username: undefined },
        {
          id: accountId,
          brandId: testBrand,
          platform: 'instagram',
          platformAccountId: undefined,
          name: 'Sandbox User',
          username: undefined,
          status: 'connected',
          scopes: ['read', 'publish'],
          tokenExpiresAt: new Date(clock.now() + 2 * HOUR).toISOString(),
          lastRefreshedAt: null,
          lastError: null,
          createdAt: new Date(clock.now()).toISOString(),
          updatedAt: new Date(clock.now()).toISOString(),
        },
      );
      assert.match(account.platformAccountId, /^sbx_\d{16}$/);
      assert.match(account.username, /^sandbox_user_\d{4}$/);

      // Tokens are stored sealed: no plaintext in the row, and they open only with the account id.
      const stored = await row(accountId);
      assert.match(stored.access_token_enc, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.ok(!JSON.stringify(stored).includes('sbx_at_'), 'no plaintext access token');
      assert.ok(!JSON.stringify(stored).includes('sbx_rt_'), 'no plaintext refresh token');
      assert.match(t.runtime.tokenBox.open(stored.access_token_enc, accountId), /^sbx_at_[\w-]{32}$/);
      assert.match(t.runtime.tokenBox.open(stored.refresh_token_enc!, accountId), /^sbx_rt_[\w-]{32}$/);
      assert.throws(() => t.runtime.tokenBox.open(stored.access_token_enc, MISSING), SecretBoxError);
      assert.deepEqual(JSON.parse(stored.metadata), { platform: 'instagram' });

      // The state was consumed: the same callback again is refused, and nothing else is stored.
      const replay = await call(t.app, 'GET', local(authorizationUrl));
      assertBadRequest(replay, 'state', 'replayed state');
      assert.match(replay.body.error.details.reason, /unknown or already used/);
      const states = await db()
        .selectFrom('oauth_states')
        .select('state')
        .where('state', '=', state)
        .execute();
      assert.deepEqual(states, []);
      const count = await db()
        .selectFrom('social_accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('brand_id', '=', testBrand)
        .where('platform', '=', 'instagram')
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 1);
    });

    it('without a redirectUri the callback answers JSON; connecting the same identity again updates its account', async () => {
      const first = await connect({ brandId: otherTestBrand, platform: 'twitter' });
      const answer = await call(t.app, 'GET', local(first.body.data.authorizationUrl));
      assert.equal(answer.status, 200, answer.raw);
      assert.equal(answer.body.data.length, 1);
      const account = answer.body.data[0];
      assert.deepEqual(Object.keys(account).sort(), ACCOUNT_FIELDS);
      const before = await row(account.id);

      clock.advance(MINUTE);
      const second = await connect({ brandId: otherTestBrand, platform: 'twitter' });
      const again = await call(t.app, 'GET', local(second.body.data.authorizationUrl));
      assert.equal(again.status, 200, again.raw);
      assert.equal(again.body.data[0].id, account.id, 'the same account, not a duplicate');
      assert.equal(again.body.data[0].createdAt, account.createdAt);
      assert.equal(again.body.data[0].updatedAt, new Date(clock.now()).toISOString());
      const after = await row(account.id);
      assert.notEqual(
        t.runtime.tokenBox.open(after.access_token_enc, account.id),
        t.runtime.tokenBox.open(before.access_token_enc, account.id),
        'new tokens',
      );
    });

    it('an expired, unknown, refused or failed authorization redirects with status=error, or answers a 400', async () => {
      const redirectUri = 'https://app.example.com/cb';
      const reasonOf = (res: Answer) => {
        assert.equal(res.status, 302, res.raw);
        const location = new URL(String(res.headers.location));
        assert.equal(`${location.origin}${location.pathname}`, redirectUri);
        assert.equal(location.searchParams.get('status'), 'error');
        assert.equal(location.searchParams.get('accounts'), null);
        return location.searchParams.get('reason');
      };
      const accountsBefore = await db().selectFrom('social_accounts').select('id').execute();

      // Expired: ten minutes to finish.
      const late = await connect({ brandId: testBrand, platform: 'facebook', redirectUri });
      clock.advance(10 * MINUTE);
      assert.equal(
        reasonOf(await call(t.app, 'GET', local(late.body.data.authorizationUrl))),
        'expired_state',
      );
      const lateJson = await connect({ brandId: testBrand, platform: 'facebook' });
      clock.advance(10 * MINUTE + 1);
      const expired = await call(t.app, 'GET', local(lateJson.body.data.authorizationUrl));
      assertBadRequest(expired, 'state', 'expired state');
      assert.match(expired.body.error.details.reason, /expired/);

      // The user said no on the platform.
      const denied = await connect({ brandId: testBrand, platform: 'facebook', redirectUri });
      const deniedUrl = `/api/v1/social-accounts/callback?error=access_denied&state=${denied.body.data.state}`;
      assert.equal(reasonOf(await call(t.app, 'GET', deniedUrl)), 'access_denied');
      const deniedJson = await connect({ brandId: testBrand, platform: 'facebook' });
      assertBadRequest(
        await call(
          t.app,
          'GET',
          `/api/v1/social-accounts/callback?error=access_denied&state=${deniedJson.body.data.state}`,
        ),
        'error',
      );

      // A code the platform refuses, or none at all.
      const forged = await connect({ brandId: testBrand, platform: 'facebook', redirectUri });
      const forgedUrl = `/api/v1/social-accounts/callback?code=sbx_code_forged&state=${forged.body.data.state}`;
      assert.equal(reasonOf(await call(t.app, 'GET', forgedUrl)), 'exchange_failed');
      const noCode = await connect({ brandId: testBrand, platform: 'facebook' });
      assertBadRequest(
        await call(t.app, 'GET', `/api/v1/social-accounts/callback?state=${noCode.body.data.state}`),
        'code',
      );

      // No state, or one we never made: there is nowhere to redirect to.
      assertBadRequest(
        await call(t.app, 'GET', '/api/v1/social-accounts/callback?code=x'),
        'state',
        'no state',
      );
      assertBadRequest(
        await call(t.app, 'GET', '/api/v1/social-accounts/callback?code=x&state=made-up'),
        'state',
        'unknown state',
      );
      // Platforms may add parameters of their own; the alias serves the callback too.
      const extra = await connect({ brandId: testBrand, platform: 'facebook' });
      const extraUrl = `${local(extra.body.data.authorizationUrl)}&granted_scopes=a,b`.replace(
        '/api/v1/',
        '/api/',
      );
      assert.equal((await call(t.app, 'GET', extraUrl)).status, 200);

      const accountsAfter = await db().selectFrom('social_accounts').select('id').execute();
      assert.equal(
        accountsAfter.length,
        accountsBefore.length + 1,
        'only the last attempt stored an account',
      );
    });

    it("a redirectUri must be on the public URL's origin or an allowed one: anything else is refused", async () => {
      const allowed = [
        'http://audenci.test/after-connect?tab=accounts',
        'http://audenci.test',
        'https://app.example.com/settings/accounts#social',
        'https://APP.example.com:443/cb',
        'http://localhost:5173/dev/callback',
      ];
      for (const redirectUri of allowed) {
        const res = await connect({ brandId: testBrand, platform: 'twitter', redirectUri });
        assert.equal(res.status, 200, `${redirectUri}: ${res.raw}`);
      }
      const refused = [
        'https://evil.example/cb',
        'https://app.example.com.evil.example/cb',
        'https://evilapp.example.com/cb',
        'https://app.example.com:8443/cb',
        'http://app.example.com/cb',
        'https://audenci.test/cb',
        'http://audenci.test:8080/cb',
        'http://localhost:5174/cb',
        'https://app.example.com@evil.example/cb',
        'https://user:pass@app.example.com/cb',
        'http://audenci.test@evil.example',
        'javascript:alert(document.domain)',
        'ftp://app.example.com/x',
      ];
      for (const redirectUri of refused) {
        const res = await connect({ brandId: testBrand, platform: 'twitter', redirectUri });
        assert.deepEqual(
          res.body,
          {
            error: {
              code: 'INVALID_INPUT',
              message:
                "redirectUri: must be an http(s) URL, without credentials, on this server's origin " +
                '(http://audenci.test) or on an origin the operator allows (AUDENCI_OAUTH_REDIRECT_ORIGINS)',
              details: {
                field: 'redirectUri',
                reason:
                  "Must be an http(s) URL, without credentials, on this server's origin (http://audenci.test) " +
                  'or on an origin the operator allows (AUDENCI_OAUTH_REDIRECT_ORIGINS)',
                errors: [
                  {
                    field: 'redirectUri',
                    reason:
                      "Must be an http(s) URL, without credentials, on this server's origin " +
                      '(http://audenci.test) or on an origin the operator allows (AUDENCI_OAUTH_REDIRECT_ORIGINS)',
                  },
                ],
                location: 'body',
              },
            },
          },
          redirectUri,
        );
        assert.equal(res.status, 400, redirectUri);
      }
      // Not absolute URLs at all: refused by the schema, naming the same field.
      for (const redirectUri of [
        '//evil.example/cb',
        '/relative/cb',
        'evil.example',
        'data:text/html,<script>alert(1)</script>',
      ]) {
        assertBadRequest(
          await connect({ brandId: testBrand, platform: 'twitter', redirectUri }),
          'redirectUri',
          redirectUri,
        );
      }
      const stored = await db().selectFrom('oauth_states').select('redirect_uri').execute();
      for (const uri of [...refused, '//evil.example/cb']) {
        assert.ok(!stored.some((r) => r.redirect_uri === uri), `${uri} was not stored`);
      }
    });

    it('the callback never redirects off the list, even to a URI stored before the list changed', async () => {
      const offList = 'https://evil.example/phish';
      // An attempt that succeeds, and one that fails, each with a stored URI no longer allowed.
      const ok = await connect({
        brandId: testBrand,
        platform: 'instagram',
        redirectUri: 'https://app.example.com/cb',
      });
      const refused = await connect({
        brandId: testBrand,
        platform: 'facebook',
        redirectUri: 'https://app.example.com/cb',
      });
      await db()
        .updateTable('oauth_states')
        .set({ redirect_uri: offList })
        .where('state', 'in', [ok.body.data.state, refused.body.data.state])
        .execute();

      const connected = await call(t.app, 'GET', local(ok.body.data.authorizationUrl));
      assert.equal(connected.status, 200, connected.raw);
      assert.equal(connected.headers.location, undefined);
      assert.equal(connected.body.data.length, 1);
      assert.match(connected.body.data[0].id, /^acct_[0-9A-Z]{26}$/);

      const failed = await call(
        t.app,
        'GET',
        `/api/v1/social-accounts/callback?error=access_denied&state=${refused.body.data.state}`,
      );
      assert.equal(failed.headers.location, undefined);
      assertBadRequest(failed, 'error', 'a refusal answered as JSON');
    });

    it('POST /social-accounts/connect checks the brand, the platform and the redirect URI', async () => {
      for (const redirectUri of ['javascript:alert(1)', 'ftp://files.example.com/x', 'not a url']) {
        assertBadRequest(
          await connect({ brandId: testBrand, platform: 'twitter', redirectUri }),
          'redirectUri',
          redirectUri,
        );
      }
      assertBadRequest(
        await connect({ brandId: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2', platform: 'twitter' }),
        'brandId',
      );
      assertBadRequest(
        await connect({ brandId: liveBrand, platform: 'twitter' }),
        'brandId',
        'a live brand from the test environment',
      );
      assertBadRequest(await connect({ brandId: testBrand, platform: 'myspace' }), 'platform');
      assertBadRequest(await connect({ brandId: testBrand, platform: 'twitter', scope: 'x' }), 'scope');
      // No live connector is configured on this test server: connecting a live account says so.
      const live = await connect({ brandId: liveBrand, platform: 'twitter' }, tenant.live.read_write);
      assertBadRequest(live, 'platform', 'live without a connector');
      assert.match(live.body.error.details.reason, /not available on this server/);
      const forbidden = await connect({ brandId: testBrand, platform: 'twitter' }, tenant.test.read);
      assert.equal(forbidden.status, 403);
    });

    it('POST /social-accounts creates a connected sandbox account with a test key, and is refused with a live key', async () => {
      const created = await call(t.app, 'POST', '/api/v1/social-accounts', {
        key: tenant.test.read_write,
        body: { brandId: testBrand, platform: 'linkedin', name: 'Acme Coffee (sandbox)' },
      });
      assert.equal(created.status, 201, created.raw);
      const account = created.body.data;
      assert.equal(created.headers.location, `http://audenci.test/api/v1/social-accounts/${account.id}`);
      assert.deepEqual(Object.keys(account).sort(), ACCOUNT_FIELDS);
      assert.equal(account.platform, 'linkedin');
      assert.equal(account.brandId, testBrand);
      assert.equal(account.name, 'Acme Coffee (sandbox)');
      assert.match(account.username, /^acme_coffee_sandbox_\d{4}$/);
      assert.match(account.platformAccountId, /^sbx_\d{16}$/);
      assert.equal(account.status, 'connected');
      assert.equal(account.tokenExpiresAt, new Date(clock.now() + 2 * HOUR).toISOString());
      const stored = await row(account.id);
      assert.match(t.runtime.tokenBox.open(stored.access_token_enc, account.id), /^sbx_at_/);
      assert.ok(!stored.access_token_enc.includes('sbx_at_'));

      // Each one is a new sandbox identity.
      const second = await createSandbox({
        brandId: testBrand,
        platform: 'linkedin',
        name: 'Acme Coffee (sandbox)',
      });
      assert.notEqual(second.platformAccountId, account.platformAccountId);

      const live = await call(t.app, 'POST', '/api/v1/social-accounts', {
        key: tenant.live.read_write,
        body: { brandId: liveBrand, platform: 'twitter', name: 'Live' },
      });
      assert.equal(live.status, 400, live.raw);
      assert.equal(live.body.error.code, 'INVALID_INPUT');
      assert.match(live.body.error.message, /POST \/api\/v1\/social-accounts\/connect/);
      // It says how to get a test key: the web app's test mode, or the exact command for this organization.
      assert.match(live.body.error.message, /test mode, then Settings → API keys/);
      const command = `npm run audenci -- keys create --org ${tenant.org.id} --scope admin --test`;
      assert.ok(live.body.error.message.includes(`\`${command}\``), live.body.error.message);
      assert.equal(live.body.error.details.testKeyCommand, command);
      assertBadRequest(
        await call(t.app, 'POST', '/api/v1/social-accounts', {
          key: tenant.test.read_write,
          body: { brandId: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2', platform: 'twitter', name: 'X' },
        }),
        'brandId',
      );
      assertBadRequest(
        await call(t.app, 'POST', '/api/v1/social-accounts', {
          key: tenant.test.read_write,
          body: { brandId: testBrand, platform: 'twitter', name: '   ' },
        }),
        'name',
      );
    });

    it('lists with filters and pagination, reads, and disconnects — but not while a scheduled or publishing post uses the account', async () => {
      const brand = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.test.admin, body: { name: 'Listing' } })
      ).body.data.id as string;
      const twitter = await createSandbox({ brandId: brand, platform: 'twitter', name: 'T' });
      clock.advance(1);
      const instagram = await createSandbox({ brandId: brand, platform: 'instagram', name: 'I' });
      await db()
        .updateTable('social_accounts')
        .set({ status: 'expired' })
        .where('id', '=', instagram.id)
        .execute();

      const list = async (query: Record<string, string | number>) =>
        call(t.app, 'GET', '/api/v1/social-accounts', {
          key: tenant.test.read,
          query: { brandId: brand, ...query },
        });
      const all = await list({});
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.data.map((a: { id: string }) => a.id),
        [instagram.id, twitter.id],
      );
      assert.deepEqual(all.body.pagination, {
        page: 1,
        limit: 20,
        totalCount: 2,
        hasMore: false,
        nextCursor: null,
      });
      assert.deepEqual(
        (await list({ platform: 'twitter' })).body.data.map((a: { id: string }) => a.id),
        [twitter.id],
      );
      const expired = await list({ status: 'expired' });
      assert.deepEqual(
        expired.body.data.map((a: { id: string; status: string }) => [a.id, a.status]),
        [[instagram.id, 'expired']],
      );
      const paged = await list({ limit: 1, sortOrder: 'asc' });
      assert.equal(paged.body.data[0].id, twitter.id);
      assert.equal(paged.body.pagination.hasMore, true);
      const next = await list({ limit: 1, sortOrder: 'asc', cursor: paged.body.pagination.nextCursor });
      assert.equal(next.body.data[0].id, instagram.id);
      assertBadRequest(await list({ status: 'gone' }), 'status');
      assertBadRequest(await list({ platform: 'myspace' }), 'platform');

      // A scheduled post publishes through the account: it cannot be disconnected.
      const post = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.test.read_write,
        body: {
          brandId: brand,
          platform: 'twitter',
          socialAccountId: twitter.id,
          caption: 'Soon',
          scheduledFor: new Date(clock.now() + HOUR).toISOString(),
        },
      });
      assert.equal(post.status, 201, post.raw);
      assert.equal(post.body.data.socialAccountId, twitter.id);
      const refused = await call(t.app, 'DELETE', `/api/v1/social-accounts/${twitter.id}`, {
        key: tenant.test.read_write,
      });
      assert.equal(refused.status, 409, refused.raw);
      assert.equal(refused.body.error.code, 'CONFLICT');
      assert.deepEqual(refused.body.error.details, { posts: 1 });

      await db()
        .updateTable('posts')
        .set({ status: 'PUBLISHING' })
        .where('id', '=', post.body.data.id)
        .execute();
      const publishing = await call(t.app, 'DELETE', `/api/v1/social-accounts/${twitter.id}`, {
        key: tenant.test.read_write,
      });
      assert.equal(publishing.status, 409);

      await db().updateTable('posts').set({ status: 'DRAFT' }).where('id', '=', post.body.data.id).execute();
      const deleted = await call(t.app, 'DELETE', `/api/v1/social-accounts/${twitter.id}`, {
        key: tenant.test.read_write,
      });
      assert.equal(deleted.status, 200, deleted.raw);
      assert.deepEqual(deleted.body, { data: { id: twitter.id, deleted: true } });
      const gone = await call(t.app, 'GET', `/api/v1/social-accounts/${twitter.id}`, {
        key: tenant.test.read,
      });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'NOT_FOUND');
      assert.equal(
        await db().selectFrom('social_accounts').select('id').where('id', '=', twitter.id).executeTakeFirst(),
        undefined,
        'the row and its tokens are gone',
      );
      const again = await call(t.app, 'DELETE', `/api/v1/social-accounts/${twitter.id}`, {
        key: tenant.test.read_write,
      });
      assert.equal(again.status, 404);
      assert.equal(
        (await call(t.app, 'DELETE', `/api/v1/social-accounts/${instagram.id}`, { key: tenant.test.read }))
          .status,
        403,
      );
    });

    it('another organization, or the other environment, cannot see, list or disconnect an account (404, as for a missing id)', async () => {
      const account = await createSandbox({ brandId: testBrand, platform: 'facebook', name: 'Mine' });
      const missingGet = await call(t.app, 'GET', `/api/v1/social-accounts/${MISSING}`, {
        key: tenant.test.read,
      });
      for (const [who, keys] of [
        ['organization B (test)', other.test],
        ['organization B (live)', other.live],
        ["the organization's live environment", tenant.live],
      ] as const) {
        for (const prefix of ['/api/v1', '/api']) {
          const get = await call(t.app, 'GET', `${prefix}/social-accounts/${account.id}`, { key: keys.read });
          assert.equal(get.status, 404, `${who}: GET`);
          assert.equal(
            get.body.error.message.replace(account.id, '<id>'),
            missingGet.body.error.message.replace(MISSING, '<id>'),
          );
          const del = await call(t.app, 'DELETE', `${prefix}/social-accounts/${account.id}`, {
            key: keys.admin,
          });
          assert.equal(del.status, 404, `${who}: DELETE`);
        }
        const list = await call(t.app, 'GET', '/api/v1/social-accounts', { key: keys.read });
        assert.equal(list.status, 200);
        assert.ok(!list.body.data.some((a: { id: string }) => a.id === account.id), `${who}: list`);
      }
      assert.equal(
        (await call(t.app, 'GET', `/api/v1/social-accounts/${account.id}`, { key: tenant.test.read })).status,
        200,
      );
    });

    it('a post names an account of its own brand and platform, else 400 on socialAccountId', async () => {
      const twitter = await createSandbox({ brandId: testBrand, platform: 'twitter', name: 'Brand twitter' });
      const elsewhere = await createSandbox({
        brandId: otherTestBrand,
        platform: 'twitter',
        name: 'Other brand',
      });
      const create = (body: Record<string, unknown>) =>
        call(t.app, 'POST', '/api/v1/posts', {
          key: tenant.test.read_write,
          body: { brandId: testBrand, platform: 'twitter', caption: 'Hi', ...body },
        });

      const wrongBrand = await create({ socialAccountId: elsewhere.id });
      assertBadRequest(wrongBrand, 'socialAccountId', 'account of another brand');
      assert.match(wrongBrand.body.error.details.reason, /another brand/);
      const wrongPlatform = await create({
        platform: 'instagram',
        socialAccountId: twitter.id,
        mediaIds: [],
      });
      assertBadRequest(wrongPlatform, 'socialAccountId', 'account of another platform');
      assert.match(wrongPlatform.body.error.details.reason, /twitter account, not instagram/);
      // An account of another organization or environment does not exist here.
      const foreign = await call(t.app, 'POST', '/api/v1/social-accounts', {
        key: other.test.read_write,
        body: {
          brandId: (
            await call(t.app, 'POST', '/api/v1/brands', { key: other.test.admin, body: { name: 'B' } })
          ).body.data.id,
          platform: 'twitter',
          name: 'Foreign',
        },
      });
      assert.equal(foreign.status, 201);
      const noSuch = await create({ socialAccountId: foreign.body.data.id });
      assertBadRequest(noSuch, 'socialAccountId', "another organization's account");
      assert.match(noSuch.body.error.details.reason, /No social account/);
      assertBadRequest(
        await call(t.app, 'POST', '/api/v1/posts', {
          key: tenant.live.read_write,
          body: { brandId: liveBrand, platform: 'twitter', caption: 'Hi', socialAccountId: twitter.id },
        }),
        'socialAccountId',
        'a test account from the live environment',
      );

      // Set, kept, changed and cleared through the API.
      const post = await create({ socialAccountId: twitter.id });
      assert.equal(post.status, 201, post.raw);
      assert.equal(post.body.data.socialAccountId, twitter.id);
      const url = `/api/v1/posts/${post.body.data.id}`;
      const patch = (body: Record<string, unknown>) =>
        call(t.app, 'PATCH', url, { key: tenant.test.read_write, body });
      assert.equal((await patch({ caption: 'Edited' })).body.data.socialAccountId, twitter.id);
      assertBadRequest(
        await patch({ brandId: otherTestBrand }),
        'socialAccountId',
        'moving the post to another brand',
      );
      assertBadRequest(
        await patch({ platform: 'facebook' }),
        'socialAccountId',
        'moving the post to another platform',
      );
      assertBadRequest(
        await patch({ socialAccountId: elsewhere.id }),
        'socialAccountId',
        'patching in a wrong account',
      );
      const moved = await patch({ brandId: otherTestBrand, socialAccountId: elsewhere.id });
      assert.equal(moved.status, 200, moved.raw);
      assert.equal(moved.body.data.socialAccountId, elsewhere.id);
      const cleared = await patch({ socialAccountId: null });
      assert.equal(cleared.body.data.socialAccountId, null);
      await patch({ brandId: testBrand, socialAccountId: twitter.id });
      const put = await call(t.app, 'PUT', url, {
        key: tenant.test.read_write,
        body: { brandId: testBrand, platform: 'twitter', caption: 'Replaced' },
      });
      assert.equal(put.status, 200);
      assert.equal(put.body.data.socialAccountId, null, 'PUT clears what it leaves out');
      assertBadRequest(await patch({ socialAccountId: 42 }), 'socialAccountId', 'a number');
    });
  });
}
