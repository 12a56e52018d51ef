import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { LOG_REDACT } from '../../app.js';
import type { ContractCheck } from '../../../test/helpers/contract.js';
import {
  PlatformError,
  type AuthorizationRequest,
  type CodeExchange,
  type ConnectedAccount,
  type OAuthTokens,
  type PlatformConnector,
} from '../../platforms/connector.js';
import { ConnectorRegistry } from '../../platforms/registry.js';
import { createSandboxConnector } from '../../platforms/sandbox/sandbox.connector.js';
import { createRuntime, type Runtime } from '../../runtime.js';
import { AppError } from '../../shared/errors.js';
import {
  assertContractKept,
  buildCheckedApp,
  call,
  createTenant,
  createTestDatabase,
  dialects,
  ManualClock,
  type Tenant,
  type TestDatabase,
} from '../../../test/helpers/app.js';
import {
  accountsContext,
  accountsDueForRefresh,
  getPublishingAccount,
  refreshAccount,
  type AccountsContext,
} from './index.js';

const HOUR = 3600_000;
const MINUTE = 60_000;
const CALLBACK = 'http://audenci.test/api/v1/social-accounts/callback';
/** Distinctive values: none may ever appear in a log line. */
const CODE = 'code-LOGCANARY-7f3a9c';
const SECRET_MARK = 'LIVESECRET';

type RefreshMode = 'ok' | 'ok-no-rotation' | 'auth_expired' | 'transient' | 'permanent' | 'race';

/** A live "X" connector without a network: records what it is given, answers what the test says. */
class FakeConnector implements PlatformConnector {
  readonly platform = 'twitter' as const;
  readonly usesPkce = true;
  authorizations: AuthorizationRequest[] = [];
  exchanges: CodeExchange[] = [];
  refreshes: OAuthTokens[] = [];
  refreshMode: RefreshMode = 'ok';
  onRace: () => Promise<void> = async () => undefined;
  private issued = 1;

  constructor(private readonly clock: ManualClock) {}

  tokens(): OAuthTokens {
    const n = this.issued++;
    return {
      accessToken: `${SECRET_MARK}-access-${n}`,
      refreshToken: `${SECRET_MARK}-refresh-${n}`,
      expiresAt: this.clock.now() + 2 * HOUR,
      scopes: ['tweet.write', 'offline.access'],
    };
  }

  authorizationUrl(request: AuthorizationRequest): string {
    this.authorizations.push(request);
    const url = new URL('https://x.example/i/oauth2/authorize');
    url.searchParams.set('state', request.state);
    url.searchParams.set('redirect_uri', request.redirectUri);
    url.searchParams.set('code_challenge', request.codeChallenge ?? '');
    return url.toString();
  }

  async exchangeCode(exchange: CodeExchange): Promise<ConnectedAccount[]> {
    this.exchanges.push(exchange);
    const account = (id: string, name: string): ConnectedAccount => ({
      platformAccountId: id,
      name,
      username: name.toLowerCase(),
      tokens: this.tokens(),
      metadata: { userId: id },
    });
    if (exchange.code === 'flaky')
      throw new PlatformError('transient', 'X answered 503', 'http_503', { status: 503 });
    if (exchange.code === 'refused') throw new PlatformError('permanent', 'invalid_grant', 'invalid_grant');
    if (exchange.code === 'nothing') return [];
    if (exchange.code === 'two') return [account('100', 'Acme'), account('200', 'AcmeSupport')];
    return [account('100', 'Acme')];
  }

  async refresh(tokens: OAuthTokens): Promise<OAuthTokens> {
    this.refreshes.push(tokens);
    switch (this.refreshMode) {
      case 'ok':
        return this.tokens();
      case 'ok-no-rotation':
        return { ...this.tokens(), refreshToken: null, scopes: [] };
      case 'auth_expired':
        throw new PlatformError('auth_expired', 'The refresh token was revoked', 'invalid_grant', {
          status: 400,
        });
      case 'transient':
        throw new PlatformError('transient', 'X answered 503', 'http_503', { status: 503 });
      case 'permanent':
        throw new PlatformError('permanent', 'The app was suspended', 'app_suspended', { status: 403 });
      case 'race':
        await this.onRace();
        throw new PlatformError('auth_expired', 'The refresh token was already used', 'invalid_grant');
    }
  }

  async publish(): Promise<never> {
    throw new Error('not used');
  }
}

for (const dialect of dialects) {
  describe(`social accounts in the live environment, through a connector (${dialect})`, () => {
    let database: TestDatabase;
    let runtime: Runtime;
    let app: FastifyInstance;
    let contract: ContractCheck;
    let clock: ManualClock;
    let fake: FakeConnector;
    let ctx: AccountsContext;
    let tenant: Tenant;
    let brandId: string;
    const logs: string[] = [];

    before(async () => {
      clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
      fake = new FakeConnector(clock);
      // The client app these tests send the browser back to, on an origin the operator allows.
      database = createTestDatabase(dialect, {
        env: { AUDENCI_OAUTH_REDIRECT_ORIGINS: 'https://app.example.com' },
      });
      runtime = await createRuntime(database.config, {
        clock,
        schema: database.schema,
        sqliteFile: database.sqliteFile,
        redisPrefix: database.redisPrefix,
      });
      const connectors = new ConnectorRegistry(
        { twitter: fake },
        createSandboxConnector({ now: () => clock.now(), publicUrl: database.config.publicUrl }),
      );
      const stream = new Writable({
        write(chunk, _encoding, done) {
          logs.push(String(chunk));
          done();
        },
      });
      ({ app, contract } = await buildCheckedApp(
        { ...runtime, connectors },
        { loggerInstance: pino({ level: 'trace', redact: LOG_REDACT }, stream) },
      ));
      await app.ready();
      ctx = accountsContext(runtime.ctx, {
        connectors,
        tokenBox: runtime.tokenBox,
        publicUrl: database.config.publicUrl,
      });
      tenant = await createTenant({ runtime, clock });
      const brand = await call(app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Live' },
      });
      brandId = brand.body.data.id;
    });
    after(async () => {
      await app.close();
      await runtime.close();
      await database.drop();
      assertContractKept(contract);
    });

    const live = { organizationId: '', environment: 'live' as const };
    const liveTenant = () => ({ ...live, organizationId: tenant.org.id });
    const stored = (id: string) =>
      runtime.ctx.db.selectFrom('social_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const accessTokenOf = async (id: string) =>
      runtime.tokenBox.open((await stored(id)).access_token_enc, id);

    async function connectAndCallback(code: string, redirectUri?: string) {
      const started = await call(app, 'POST', '/api/v1/social-accounts/connect', {
        key: tenant.live.read_write,
        body: { brandId, platform: 'twitter', ...(redirectUri ? { redirectUri } : {}) },
      });
      assert.equal(started.status, 200, started.raw);
      const state: string = started.body.data.state;
      const callback = await call(
        app,
        'GET',
        `/api/v1/social-accounts/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`,
      );
      return { started, state, callback };
    }

    it('connects with PKCE S256: the verifier sent to the exchange matches the challenge in the authorization URL', async () => {
      const { started, state, callback } = await connectAndCallback(CODE);
      const authorization = fake.authorizations.at(-1)!;
      assert.equal(authorization.state, state);
      assert.equal(authorization.redirectUri, CALLBACK);
      assert.match(started.body.data.authorizationUrl, /^https:\/\/x\.example\/i\/oauth2\/authorize\?/);
      const exchange = fake.exchanges.at(-1)!;
      assert.equal(exchange.code, CODE);
      assert.equal(exchange.redirectUri, CALLBACK);
      assert.match(exchange.codeVerifier!, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(
        createHash('sha256').update(exchange.codeVerifier!).digest('base64url'),
        authorization.codeChallenge,
      );
      // The verifier is stored sealed until the callback, then the state row is gone.
      assert.equal(
        (await runtime.ctx.db.selectFrom('oauth_states').selectAll().where('state', '=', state).execute())
          .length,
        0,
      );

      assert.equal(callback.status, 200, callback.raw);
      const [account] = callback.body.data;
      assert.deepEqual(
        {
          platform: account.platform,
          platformAccountId: account.platformAccountId,
          name: account.name,
          username: account.username,
          status: account.status,
          scopes: account.scopes,
          tokenExpiresAt: account.tokenExpiresAt,
        },
        {
          platform: 'twitter',
          platformAccountId: '100',
          name: 'Acme',
          username: 'acme',
          status: 'connected',
          scopes: ['tweet.write', 'offline.access'],
          tokenExpiresAt: new Date(clock.now() + 2 * HOUR).toISOString(),
        },
      );
      const row = await stored(account.id);
      assert.deepEqual(JSON.parse(row.metadata), { userId: '100' }, 'connector metadata, as given');
      assert.ok(!JSON.stringify(row).includes(SECRET_MARK), 'no plaintext token in the row');
      assert.equal(await accessTokenOf(account.id), `${SECRET_MARK}-access-1`);
      assert.ok(!callback.raw.includes(SECRET_MARK), 'no token in the answer');
    });

    it('stores every identity an authorization grants, and reports failures of the platform', async () => {
      const two = await connectAndCallback('two', 'https://app.example.com/done');
      assert.equal(two.callback.status, 302);
      const location = new URL(String(two.callback.headers.location));
      const ids = location.searchParams.get('accounts')!.split(',');
      assert.equal(ids.length, 2);
      const names = await Promise.all(ids.map(async (id) => (await stored(id)).name));
      assert.deepEqual(names, ['Acme', 'AcmeSupport']);

      const flaky = await connectAndCallback('flaky', 'https://app.example.com/done');
      assert.equal(
        new URL(String(flaky.callback.headers.location)).searchParams.get('reason'),
        'platform_unavailable',
      );
      const flakyJson = await connectAndCallback('flaky');
      assert.equal(flakyJson.callback.status, 502);
      assert.equal(flakyJson.callback.body.error.code, 'BAD_GATEWAY');
      const refused = await connectAndCallback('refused');
      assert.equal(refused.callback.status, 400);
      assert.equal(refused.callback.body.error.details.field, 'code');
      const nothing = await connectAndCallback('nothing', 'https://app.example.com/done');
      assert.equal(
        new URL(String(nothing.callback.headers.location)).searchParams.get('reason'),
        'no_accounts',
      );
    });

    it('refreshAccount stores new sealed tokens; accountsDueForRefresh finds accounts about to expire', async () => {
      const { callback } = await connectAndCallback(CODE);
      const id: string = callback.body.data[0].id;
      const expiresAt = clock.now() + 2 * HOUR;
      const due = await accountsDueForRefresh(runtime.ctx.db, clock.now() + 3 * HOUR);
      assert.ok(due.some((a) => a.id === id));
      assert.deepEqual(
        due.find((a) => a.id === id),
        {
          id,
          organizationId: tenant.org.id,
          environment: 'live',
          platform: 'twitter',
          tokenExpiresAt: expiresAt,
        },
      );
      assert.ok(!(await accountsDueForRefresh(runtime.ctx.db, clock.now() + HOUR)).some((a) => a.id === id));

      clock.advance(90 * MINUTE);
      const before = await stored(id);
      const oldRefresh = runtime.tokenBox.open(before.refresh_token_enc!, id);
      fake.refreshMode = 'ok';
      const refreshed = await refreshAccount(ctx, id);
      assert.equal(
        fake.refreshes.at(-1)!.refreshToken,
        oldRefresh,
        'the connector got the decrypted refresh token',
      );
      assert.equal(refreshed.status, 'connected');
      assert.equal(refreshed.tokenExpiresAt, new Date(clock.now() + 2 * HOUR).toISOString());
      assert.equal(refreshed.lastRefreshedAt, new Date(clock.now()).toISOString());
      const after = await stored(id);
      assert.match(await accessTokenOf(id), new RegExp(`^${SECRET_MARK}-access-\\d+$`));
      assert.notEqual(await accessTokenOf(id), runtime.tokenBox.open(before.access_token_enc, id));
      assert.notEqual(runtime.tokenBox.open(after.refresh_token_enc!, id), oldRefresh);
      assert.ok(!JSON.stringify(after).includes(SECRET_MARK));

      // A platform that does not rotate refresh tokens: the old one is kept, and so are the scopes.
      const kept = runtime.tokenBox.open(after.refresh_token_enc!, id);
      fake.refreshMode = 'ok-no-rotation';
      const again = await refreshAccount(ctx, id);
      assert.equal(runtime.tokenBox.open((await stored(id)).refresh_token_enc!, id), kept);
      assert.deepEqual(again.scopes, ['tweet.write', 'offline.access']);
    });

    it('a transient refresh failure is recorded and rethrown; auth_expired marks the account expired until it is reconnected', async () => {
      const { callback } = await connectAndCallback(CODE);
      const id: string = callback.body.data[0].id;

      fake.refreshMode = 'transient';
      await assert.rejects(refreshAccount(ctx, id), (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.retryable, true);
        return true;
      });
      let row = await stored(id);
      assert.equal(row.status, 'connected');
      assert.match(row.last_error!, /^http_503: /);

      fake.refreshMode = 'auth_expired';
      const expired = await refreshAccount(ctx, id);
      assert.equal(expired.status, 'expired');
      assert.match(expired.lastError!, /^invalid_grant: The refresh token was revoked/);
      const read = await call(app, 'GET', `/api/v1/social-accounts/${id}`, { key: tenant.live.read });
      assert.equal(read.body.data.status, 'expired');
      assert.ok(
        !(await accountsDueForRefresh(runtime.ctx.db, clock.now() + 10 * HOUR)).some((a) => a.id === id),
      );
      await assert.rejects(refreshAccount(ctx, id), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'CONFLICT');
        return true;
      });

      // Connecting again brings it back, same account.
      const reconnected = await connectAndCallback(CODE);
      assert.equal(reconnected.callback.body.data[0].id, id);
      row = await stored(id);
      assert.equal(row.status, 'connected');
      assert.equal(row.last_error, null);

      fake.refreshMode = 'permanent';
      const errored = await refreshAccount(ctx, id);
      assert.equal(errored.status, 'error');
      assert.match(errored.lastError!, /^app_suspended: /);
    });

    it('a refresh that fails because another one already rotated the tokens does not mark the account expired', async () => {
      const { callback } = await connectAndCallback(CODE);
      const id: string = callback.body.data[0].id;
      fake.refreshMode = 'race';
      fake.onRace = async () => {
        // Meanwhile another worker refreshed successfully and stored new tokens.
        await runtime.ctx.db
          .updateTable('social_accounts')
          .set({ access_token_enc: runtime.tokenBox.seal('other-worker-token', id) })
          .where('id', '=', id)
          .execute();
      };
      const account = await refreshAccount(ctx, id);
      assert.equal(account.status, 'connected');
      assert.equal((await stored(id)).status, 'connected');
      assert.equal(await accessTokenOf(id), 'other-worker-token');
    });

    it('getPublishingAccount hands the publisher the decrypted token, refreshing it when it is about to expire', async () => {
      const { callback } = await connectAndCallback(CODE);
      const id: string = callback.body.data[0].id;
      fake.refreshMode = 'ok';
      const post = { brandId, platform: 'twitter' };
      const account = await getPublishingAccount(ctx, liveTenant(), id, post);
      assert.deepEqual(account, {
        id,
        platform: 'twitter',
        platformAccountId: '100',
        accessToken: await accessTokenOf(id),
        metadata: { userId: '100' },
      });

      const refreshesBefore = fake.refreshes.length;
      clock.advance(2 * HOUR - 2 * MINUTE);
      const fresh = await getPublishingAccount(ctx, liveTenant(), id, post);
      assert.equal(fake.refreshes.length, refreshesBefore + 1, 'refreshed first');
      assert.notEqual(fresh.accessToken, account.accessToken);
      assert.equal(fresh.accessToken, await accessTokenOf(id));

      const refusal = async (
        promise: Promise<unknown>,
        expected: { code: string; problem: string; field?: string },
      ) => {
        await assert.rejects(promise, (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, expected.code);
          assert.equal(error.details?.problem, expected.problem);
          if (expected.field) assert.equal(error.details?.field, expected.field);
          return true;
        });
      };
      await refusal(getPublishingAccount(ctx, liveTenant(), 'acct_01M8FHSW4FSXDVQCQJRMA72QE2', post), {
        code: 'NOT_FOUND',
        problem: 'account_missing',
      });
      await refusal(getPublishingAccount(ctx, { ...liveTenant(), environment: 'test' }, id, post), {
        code: 'NOT_FOUND',
        problem: 'account_missing',
      });
      await refusal(getPublishingAccount(ctx, liveTenant(), id, { ...post, platform: 'facebook' }), {
        code: 'INVALID_INPUT',
        problem: 'account_mismatch',
        field: 'socialAccountId',
      });
      await refusal(getPublishingAccount(ctx, liveTenant(), id, { ...post, brandId: 'brand_other' }), {
        code: 'INVALID_INPUT',
        problem: 'account_mismatch',
      });
      await runtime.ctx.db
        .updateTable('social_accounts')
        .set({ status: 'revoked' })
        .where('id', '=', id)
        .execute();
      await refusal(getPublishingAccount(ctx, liveTenant(), id, post), {
        code: 'CONFLICT',
        problem: 'account_not_connected',
      });
    });

    it('no log line holds an authorization code, a state or a token', async () => {
      // Every request above was logged at `trace`; the callback URLs among them had the code and state.
      const { state } = await connectAndCallback(CODE);
      const text = logs.join('');
      assert.ok(
        text.includes('/api/v1/social-accounts/callback?code=[redacted]&state=[redacted]'),
        'callbacks logged',
      );
      assert.ok(!text.includes(CODE), 'no authorization code');
      assert.ok(!text.includes(state), 'no state');
      assert.ok(!text.includes(SECRET_MARK), 'no token');
    });
  });
}
