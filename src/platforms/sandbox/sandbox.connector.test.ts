import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { PlatformError, type PublishRequest } from '../connector.js';
import { ManualClock } from '../../shared/clock.js';
import {
  createSandboxConnector,
  SANDBOX_HOST,
  SANDBOX_TOKEN_TTL_MS,
  sandboxAccount,
} from './sandbox.connector.js';

const PUBLIC_URL = 'http://audenci.test';
const CALLBACK = `${PUBLIC_URL}/api/v1/social-accounts/callback`;

function setup() {
  const clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
  const sandbox = createSandboxConnector({ now: () => clock.now(), publicUrl: PUBLIC_URL });
  return { clock, sandbox };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function publishRequest(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: 'post_01M8FHSW4FSXDVQCQJRMA72QE2',
    attempt: 1,
    caption: 'Hello',
    link: null,
    firstComment: null,
    media: [],
    account: { platformAccountId: 'sbx_1', accessToken: 'sbx_at_x', metadata: { platform: 'twitter' } },
    ...overrides,
  };
}

async function rejectsWith(promise: Promise<unknown>, kind: string, code: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PlatformError, String(error));
    assert.equal(error.kind, kind);
    assert.equal(error.code, code);
    return true;
  });
}

describe('sandbox connector', () => {
  it('authorizes at once: the URL is our own callback with a code and the state', async () => {
    const { sandbox, clock } = setup();
    const { verifier, challenge } = pkce();
    assert.equal(sandbox.usesPkce, true);
    const url = new URL(
      sandbox.authorizationUrl({ state: 'st_1', redirectUri: CALLBACK, codeChallenge: challenge }),
    );
    assert.equal(`${url.origin}${url.pathname}`, CALLBACK);
    assert.equal(url.searchParams.get('state'), 'st_1');
    const code = url.searchParams.get('code')!;
    assert.match(code, /^sbx_code_/);

    const accounts = await sandbox.exchangeCode({ code, redirectUri: CALLBACK, codeVerifier: verifier });
    assert.equal(accounts.length, 1);
    const [account] = accounts;
    assert.match(account!.platformAccountId, /^sbx_\d{16}$/);
    assert.equal(account!.name, 'Sandbox User');
    assert.match(account!.username!, /^sandbox_user_\d{4}$/);
    assert.match(account!.tokens.accessToken, /^sbx_at_/);
    assert.match(account!.tokens.refreshToken!, /^sbx_rt_/);
    assert.equal(account!.tokens.expiresAt, clock.now() + SANDBOX_TOKEN_TTL_MS);
    assert.deepEqual(account!.tokens.scopes, ['read', 'publish']);

    // The same sandbox user every time: reconnecting finds the same account, with new tokens.
    const again = await sandbox.exchangeCode({ code, redirectUri: CALLBACK, codeVerifier: verifier });
    assert.equal(again[0]!.platformAccountId, account!.platformAccountId);
    assert.notEqual(again[0]!.tokens.accessToken, account!.tokens.accessToken);
  });

  it('refuses a foreign code, another redirect URI, a wrong PKCE verifier and an unregistered redirect URI', async () => {
    const { sandbox } = setup();
    const { verifier, challenge } = pkce();
    const code = new URL(
      sandbox.authorizationUrl({ state: 's', redirectUri: CALLBACK, codeChallenge: challenge }),
    ).searchParams.get('code')!;
    await rejectsWith(
      sandbox.exchangeCode({ code: 'abc', redirectUri: CALLBACK }),
      'permanent',
      'invalid_grant',
    );
    await rejectsWith(
      sandbox.exchangeCode({ code, redirectUri: `${PUBLIC_URL}/other`, codeVerifier: verifier }),
      'permanent',
      'invalid_grant',
    );
    await rejectsWith(
      sandbox.exchangeCode({ code, redirectUri: CALLBACK, codeVerifier: pkce().verifier }),
      'permanent',
      'invalid_grant',
    );
    await rejectsWith(sandbox.exchangeCode({ code, redirectUri: CALLBACK }), 'permanent', 'invalid_grant');
    assert.throws(
      () => sandbox.authorizationUrl({ state: 's', redirectUri: 'https://evil.example/cb' }),
      PlatformError,
    );
  });

  it('refreshes tokens with a sandbox refresh token, and answers auth_expired otherwise', async () => {
    const { sandbox, clock } = setup();
    const account = sandboxAccount({ seed: 'x', name: 'Acme', now: clock.now() });
    clock.advance(3600_000);
    const fresh = await sandbox.refresh(account.tokens);
    assert.notEqual(fresh.accessToken, account.tokens.accessToken);
    assert.notEqual(fresh.refreshToken, account.tokens.refreshToken);
    assert.equal(fresh.expiresAt, clock.now() + SANDBOX_TOKEN_TTL_MS);
    await rejectsWith(
      sandbox.refresh({ ...account.tokens, refreshToken: null }),
      'auth_expired',
      'invalid_grant',
    );
    await rejectsWith(
      sandbox.refresh({ ...account.tokens, refreshToken: 'real-token' }),
      'auth_expired',
      'invalid_grant',
    );
  });

  it('publishes with platform-like ids and URLs, the same id for the same idempotency key', async () => {
    const { sandbox, clock } = setup();
    const lengths = { twitter: 19, instagram: 17, facebook: 16, linkedin: 19 };
    for (const [platform, digits] of Object.entries(lengths)) {
      const request = publishRequest({
        account: { platformAccountId: 'sbx_1', accessToken: 'sbx_at_x', metadata: { platform } },
      });
      const result = await sandbox.publish(request);
      assert.match(result.platformPostId, new RegExp(`^sbx_[1-9]\\d{${digits - 1}}$`), platform);
      assert.equal(result.platformUrl, `${SANDBOX_HOST}/${platform}/${result.platformPostId}`);
      assert.equal(result.publishedAt, clock.now());
      const again = await sandbox.publish({ ...request, attempt: 2 });
      assert.equal(again.platformPostId, result.platformPostId, `${platform}: deterministic`);
    }
    const other = await sandbox.publish(publishRequest({ idempotencyKey: 'post_other' }));
    assert.notEqual(other.platformPostId, (await sandbox.publish(publishRequest())).platformPostId);
    const unknown = await sandbox.publish(
      publishRequest({ account: { platformAccountId: 'x', accessToken: 'y', metadata: {} } }),
    );
    assert.match(unknown.platformUrl, new RegExp(`^${SANDBOX_HOST}/sandbox/sbx_\\d{18}$`));
  });

  it('fails permanently on outcome "fail", and transiently while attempt ≤ failures', async () => {
    const { sandbox } = setup();
    await assert.rejects(
      sandbox.publish(publishRequest({ sandbox: { outcome: 'fail' } })),
      (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.kind, 'invalid_content');
        assert.equal(error.code, 'sandbox_failure');
        assert.equal(error.retryable, false);
        return true;
      },
    );
    const steer = { outcome: 'transient' as const, failures: 2 };
    for (const attempt of [1, 2]) {
      await assert.rejects(sandbox.publish(publishRequest({ sandbox: steer, attempt })), (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.kind, 'transient');
        assert.equal(error.retryable, true);
        return true;
      });
    }
    const third = await sandbox.publish(publishRequest({ sandbox: steer, attempt: 3 }));
    assert.match(third.platformPostId, /^sbx_\d{19}$/);
    // One failure when `failures` is left out; `success` publishes at once.
    await rejectsWith(
      sandbox.publish(publishRequest({ sandbox: { outcome: 'transient' } })),
      'transient',
      'sandbox_transient',
    );
    assert.ok(await sandbox.publish(publishRequest({ sandbox: { outcome: 'transient' }, attempt: 2 })));
    assert.ok(await sandbox.publish(publishRequest({ sandbox: { outcome: 'success' } })));
  });
});
