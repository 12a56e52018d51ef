import assert from 'node:assert/strict';
import { call, type TestApp } from './app.js';

/**
 * Connects a live account through the real OAuth flow against a local platform server whose consent
 * page approves at once: `POST /social-accounts/connect` → the platform's authorization URL → its
 * redirect to our callback. Returns the new account's id.
 */
export async function connectLiveAccount(
  t: TestApp,
  key: string,
  brandId: string,
  platform: 'twitter' | 'facebook' | 'instagram',
): Promise<string> {
  const started = await call(t.app, 'POST', '/api/v1/social-accounts/connect', {
    key,
    body: { brandId, platform },
  });
  assert.equal(started.status, 200, started.raw);
  const consent = await fetch(started.body.data.authorizationUrl as string, { redirect: 'manual' });
  const back = new URL(consent.headers.get('location')!);
  const callback = await call(t.app, 'GET', `${back.pathname}${back.search}`);
  assert.equal(callback.status, 200, callback.raw);
  return callback.body.data[0].id as string;
}
