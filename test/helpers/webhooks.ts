import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import type { ReceivedWebhook } from '../fakes/webhook-receiver.js';

/** The three Standard Webhooks headers of a received request, as the verifier takes them. */
export function signedHeaders(r: ReceivedWebhook, signature?: string): Record<string, string> {
  return {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': signature ?? String(r.headers['webhook-signature']),
  };
}

/** Verifies with the `standardwebhooks` library (raw body); throws when the signature does not match. */
export function verifyWebhook(secret: string, r: ReceivedWebhook, signature?: string): unknown {
  return new Webhook(secret).verify(r.body, signedHeaders(r, signature));
}

/** Calls `check` until it returns a value other than undefined (or stops throwing), up to `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw last instanceof Error ? last : new Error('Timed out waiting for a condition');
    }
    await sleep(25);
  }
}
