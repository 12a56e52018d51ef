import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import {
  call,
  createTenant,
  createTestDatabase,
  dialects,
  startApp,
  startWorker,
  type TestApp,
  type TestDatabase,
} from '../../../test/helpers/app.js';
import { verifyWebhook } from '../../../test/helpers/webhooks.js';
import { secretBoxes } from '../../runtime.js';
import { SecretBox, SecretBoxError } from '../../shared/secret-box.js';
import { rotateSecrets } from './secrets.rotate.js';

describe('SecretBox with previous keys', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  it('opens values of a previous key and re-seals them under the current one', () => {
    const sealed = new SecretBox(oldKey).seal('token', 'acct_1');
    const rotating = new SecretBox(newKey, [oldKey]);
    assert.equal(rotating.open(sealed, 'acct_1'), 'token');
    const resealed = rotating.reseal(sealed, 'acct_1');
    assert.ok(resealed);
    assert.equal(new SecretBox(newKey).open(resealed, 'acct_1'), 'token');
    assert.equal(rotating.reseal(resealed, 'acct_1'), undefined, 'already under the current key');
    assert.throws(() => new SecretBox(newKey).open(sealed, 'acct_1'), SecretBoxError);
    assert.throws(
      () => rotating.reseal(sealed, 'acct_2'),
      SecretBoxError,
      'the associated data still counts',
    );
  });
});

/**
 * A key rotation end to end: values sealed under the old key (platform tokens, a PKCE verifier, a
 * webhook secret and its overlapping previous one) are re-sealed while the server runs with both
 * keys; afterwards a server with only the new key opens them all, and a webhook delivery is signed with
 * the very secret the receiver was given. A value no key opens is reported and left alone.
 */
for (const dialect of dialects) {
  describe(`audenci secrets rotate (${dialect})`, () => {
    let database: TestDatabase;
    let receiver: WebhookReceiver;
    let running: TestApp | undefined;
    const newKey = randomBytes(32);
    let oldKey: Buffer;
    let webhookId: string;
    let webhookSecret: string;
    let accountId: string;
    let orgId: string;
    let adminKey: string;
    const hookBody = { url: '', events: ['post.created'] };
    const plaintexts = new Map<string, string>();

    before(async () => {
      receiver = await startWebhookReceiver();
      database = createTestDatabase(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      oldKey = database.config.secretKey!;
    });
    after(async () => {
      await running?.close();
      await database.drop();
      await receiver.close();
    });

    const withKeys = (current: Buffer, previous: Buffer[] = []): TestDatabase => ({
      ...database,
      config: { ...database.config, secretKey: current, previousSecretKeys: previous },
    });

    async function sealedValues(t: TestApp) {
      const db = t.runtime.ctx.db;
      const account = await db
        .selectFrom('social_accounts')
        .select(['access_token_enc', 'refresh_token_enc'])
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      const hook = await db
        .selectFrom('webhook_endpoints')
        .select(['secret', 'previous_secret'])
        .where('id', '=', webhookId)
        .executeTakeFirstOrThrow();
      const state = await db
        .selectFrom('oauth_states')
        .select('code_verifier_enc')
        .where('state', '=', 'state-under-rotation')
        .executeTakeFirstOrThrow();
      const person = await db
        .selectFrom('users')
        .select('totp_secret')
        .where('id', '=', 'usr_rotation')
        .executeTakeFirstOrThrow();
      return { ...account, ...hook, ...state, ...person };
    }

    function openAll(boxes: ReturnType<typeof secretBoxes>, v: Awaited<ReturnType<typeof sealedValues>>) {
      return {
        access: boxes.tokens.open(v.access_token_enc, accountId),
        refresh: v.refresh_token_enc === null ? null : boxes.tokens.open(v.refresh_token_enc, accountId),
        secret: boxes.webhooks.open(v.secret, webhookId),
        previous: boxes.webhooks.open(v.previous_secret!, webhookId),
        verifier: boxes.tokens.open(v.code_verifier_enc!, 'oauth_state:state-under-rotation'),
        totp: boxes.twoFactor.open(v.totp_secret!, 'totp:usr_rotation'),
      };
    }

    it('stores secrets under the old key', async () => {
      running = await startApp(database);
      const tenant = await createTenant(running);
      orgId = tenant.org.id;
      const brand = await call(running.app, 'POST', '/api/v1/brands', {
        key: tenant.test.admin,
        body: { name: 'Rotating' },
      });
      const account = await call(running.app, 'POST', '/api/v1/social-accounts', {
        key: tenant.test.read_write,
        body: { brandId: brand.body.data.id, platform: 'twitter', name: 'Sandbox' },
      });
      assert.equal(account.status, 201, account.raw);
      accountId = account.body.data.id;
      adminKey = tenant.test.admin;
      hookBody.url = receiver.url('/rotation');
      const hook = await call(running.app, 'POST', '/api/v1/webhooks', {
        key: adminKey,
        body: hookBody,
        headers: { 'idempotency-key': 'hook-under-rotation' },
      });
      assert.equal(hook.status, 201, hook.raw);
      webhookId = hook.body.data.id;
      plaintexts.set('created', hook.body.data.secret);
      // The stored response (replayed for 24 h) holds the secret shown once: sealed, not in clear.
      const stored = await running.runtime.ctx.db
        .selectFrom('idempotency_keys')
        .select('response_body')
        .where('key', '=', 'hook-under-rotation')
        .executeTakeFirstOrThrow();
      assert.match(String(stored.response_body), /^v1\./);
      assert.ok(!String(stored.response_body).includes(hook.body.data.secret));
      const rotated = await call(running.app, 'POST', `/api/v1/webhooks/${webhookId}/rotate-secret`, {
        key: tenant.test.admin,
        body: { overlapSeconds: 3600 },
      });
      assert.equal(rotated.status, 200, rotated.raw);
      webhookSecret = rotated.body.data.secret;
      await running.runtime.ctx.db
        .insertInto('oauth_states')
        .values({
          state: 'state-under-rotation',
          organization_id: orgId,
          environment: 'test',
          brand_id: brand.body.data.id,
          platform: 'twitter',
          redirect_uri: null,
          code_verifier_enc: running.runtime.tokenBox.seal(
            'pkce-verifier',
            'oauth_state:state-under-rotation',
          ),
          created_at: Date.now(),
          expires_at: Date.now() + 600_000,
        })
        .execute();
      // A person's TOTP secret, sealed as /me/two-factor/setup seals it.
      await running.runtime.ctx.db
        .insertInto('users')
        .values({
          id: 'usr_rotation',
          email: 'rotation@example.com',
          name: 'Rotation',
          password_hash: 'not used here',
          totp_secret: running.runtime.twoFactorBox.seal('JBSWY3DPEHPK3PXP', 'totp:usr_rotation'),
          totp_enabled_at: Date.now(),
          created_at: Date.now(),
          updated_at: Date.now(),
        })
        .execute();
      const opened = openAll(secretBoxes(oldKey), await sealedValues(running));
      assert.equal(opened.secret, webhookSecret);
      assert.equal(opened.totp, 'JBSWY3DPEHPK3PXP');
      assert.equal(opened.verifier, 'pkce-verifier');
      for (const [name, value] of Object.entries(opened)) plaintexts.set(name, String(value));
      assert.equal(opened.previous, plaintexts.get('created'), 'the overlap keeps the first secret');
      await running.close();
      running = undefined;
    });

    it('re-seals everything with the new key while both keys are accepted, once', async () => {
      running = await startApp(withKeys(newKey, [oldKey]));
      // Mid-rotation, the server still opens the old values (the tokens box is the runtime's).
      const before = await sealedValues(running);
      assert.equal(
        running.runtime.tokenBox.open(before.access_token_enc, accountId),
        plaintexts.get('access'),
      );

      const progress: string[] = [];
      const boxes = secretBoxes(newKey, [oldKey]);
      const report = await rotateSecrets(running.runtime.ctx.db, boxes, (p) => progress.push(p.what));
      // Tokens (1–2), the verifier, both webhook secrets, the stored response and the TOTP secret.
      const expected = plaintexts.get('refresh') === 'null' ? 6 : 7;
      assert.deepEqual(report.unreadable, []);
      assert.ok(report.scanned >= expected, `scanned ${report.scanned}`);
      assert.equal(report.resealed, report.scanned, 'every value was under the old key');
      assert.ok(progress.includes('webhook secrets') && progress.includes('social account tokens'));
      assert.ok(progress.includes('two-factor secrets'));

      const again = await rotateSecrets(running.runtime.ctx.db, boxes);
      assert.equal(again.resealed, 0, 'a second run changes nothing');
      assert.equal(again.scanned, report.scanned);
      await running.close();
      running = undefined;
    });

    it('a server with only the new key opens every value and signs deliveries with the same secret', async () => {
      running = await startApp(withKeys(newKey));
      const values = await sealedValues(running);
      const opened = openAll(secretBoxes(newKey), values);
      for (const [name, value] of Object.entries(opened))
        assert.equal(String(value), plaintexts.get(name), name);
      assert.throws(
        () => openAll(secretBoxes(oldKey), values),
        SecretBoxError,
        'the old key opens nothing now',
      );

      const worker = await startWorker(running);
      try {
        const key = await adminKeyOf(running, orgId);
        const sent = await call(running.app, 'POST', `/api/v1/webhooks/${webhookId}/test`, { key });
        assert.ok(sent.status < 300, sent.raw);
        const [delivery] = await receiver.waitFor((r) => r.path === '/rotation');
        assert.ok(verifyWebhook(webhookSecret, delivery!), 'signed with the secret the receiver holds');
      } finally {
        await worker.stop(2000);
      }
    });

    it('reports a value no key opens and leaves it unchanged', async () => {
      const foreign = new SecretBox(randomBytes(32)).seal('lost', accountId);
      await running!.runtime.ctx.db
        .updateTable('social_accounts')
        .set({ refresh_token_enc: foreign })
        .where('id', '=', accountId)
        .execute();
      const report = await rotateSecrets(running!.runtime.ctx.db, secretBoxes(newKey, [oldKey]));
      assert.deepEqual(report.unreadable, [`social_accounts.refresh_token_enc:${accountId}`]);
      assert.equal(report.resealed, 0);
      const row = await running!.runtime.ctx.db
        .selectFrom('social_accounts')
        .select('refresh_token_enc')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      assert.equal(row.refresh_token_enc, foreign);
    });
  });
}

/** A test-environment admin key of the organization, made directly (the earlier keys were printed once). */
async function adminKeyOf(t: TestApp, organizationId: string): Promise<string> {
  const { createKey } = await import('../keys/index.js');
  const created = await createKey(t.runtime.ctx.db, t.runtime.ctx.clock, {
    organizationId,
    environment: 'test',
    scope: 'admin',
    name: null,
    expiresAt: null,
  });
  return created.key;
}
