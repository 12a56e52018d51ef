import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import sharp from 'sharp';
import { startFakeOpenAi, type FakeOpenAi } from '../../../../test/fakes/openai-server.js';
import type { AiConfig } from '../../../config/index.js';
import { AppError } from '../../../shared/errors.js';
import { captionViolations } from '../../captions.js';
import { createOpenAiCompatibleProvider } from './index.js';

let fake: FakeOpenAi;
const fast = { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 50 };

function provider(overrides: Partial<AiConfig> = {}) {
  const config: AiConfig = {
    provider: 'openai-compatible',
    openaiBaseUrl: fake.url,
    openaiApiKey: fake.apiKey,
    chatModel: 'gpt-4o-mini',
    imageModel: 'gpt-image-1',
    timeoutMs: 2000,
    maxRetries: 2,
    ...overrides,
  };
  return createOpenAiCompatibleProvider(config, { retryPolicy: fast });
}

/** The AppError a call rejects with, checked to say nothing of the provider's body or our key. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof AppError, String(error));
  const shown = JSON.stringify({ message: error.message, details: error.details });
  assert.ok(!shown.includes(fake.apiKey) && !shown.includes('sk-'), shown);
  assert.ok(!/processing your request|Rate limit reached/.test(shown), `no provider body: ${shown}`);
  return error;
}

const captions = { topic: 'Cold brew season', platform: 'twitter', n: 2 };

describe('openai-compatible provider', () => {
  before(async () => {
    fake = await startFakeOpenAi();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.captions = null;
  });

  it('asks chat completions for JSON-schema captions and returns them, hashtags read from the text', async () => {
    const drafts = await provider().generateCaptions({
      ...captions,
      tone: 'bold',
      brand: { name: 'Acme', voice: 'direct' },
    });
    assert.deepEqual(drafts, [
      { caption: 'Fresh idea number 1 #fresh #ideas', hashtags: ['fresh', 'ideas'] },
      { caption: 'Fresh idea number 2 #fresh #ideas', hashtags: ['fresh', 'ideas'] },
    ]);
    const [request] = fake.requests;
    assert.equal(request!.path, '/v1/chat/completions');
    assert.equal(request!.headers.authorization, `Bearer ${fake.apiKey}`);
    assert.equal(request!.body.model, 'gpt-4o-mini');
    const format = request!.body.response_format as {
      type: string;
      json_schema: { name: string; strict: boolean };
    };
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.strict, true);
    assert.match(JSON.stringify(request!.body.messages), /Tone: bold.*Acme.*direct/);
  });

  it("repairs or drops captions that break the platform's rules", async () => {
    fake.captions = [
      { caption: `${'Very long words '.repeat(30)}#one`, hashtags: [] },
      { caption: 'Six tags #a1 #b2 #c3 #d4 #e5 #f6', hashtags: [] },
      { caption: '', hashtags: ['empty'] },
    ];
    const x = await provider().generateCaptions({ ...captions, n: 3 });
    assert.equal(x.length, 2, 'the empty caption is dropped');
    assert.ok(x[0]!.caption.endsWith('…'), x[0]!.caption);
    for (const d of x) assert.deepEqual(captionViolations('twitter', d.caption), []);
    const [, ig] = await provider().generateCaptions({ ...captions, platform: 'instagram', n: 3 });
    assert.deepEqual(ig!.hashtags, ['a1', 'b2', 'c3', 'd4', 'e5'], 'the sixth hashtag loses its #');
    assert.match(ig!.caption, / f6$/);
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    fake.failNext({ kind: 'rate_limited', retryAfterSeconds: 0 });
    const drafts = await provider().generateCaptions(captions);
    assert.equal(drafts.length, 2);
    assert.equal(fake.requests.length, 2);
  });

  it('answers 502 AI_PROVIDER_ERROR after retrying a 500, and for a malformed answer', async () => {
    fake.failNext({ kind: 'server_error' }, 3);
    const e500 = await failure(provider().generateCaptions(captions));
    assert.deepEqual([e500.code, e500.status, e500.details?.providerStatus], ['AI_PROVIDER_ERROR', 502, 500]);
    assert.equal(fake.requests.length, 3, 'one attempt and two retries');

    fake.failNext({ kind: 'malformed' });
    const malformed = await failure(provider().generateCaptions(captions));
    assert.equal(malformed.code, 'AI_PROVIDER_ERROR');
    fake.failNext({ kind: 'bad_content' });
    assert.equal((await failure(provider().generateCaptions(captions))).code, 'AI_PROVIDER_ERROR');
  });

  it('answers 503 AI_PROVIDER_UNAVAILABLE on a timeout, on rate limits that last, and when unreachable', async () => {
    fake.failNext({ kind: 'hang' });
    const started = Date.now();
    const timeout = await failure(provider({ timeoutMs: 300 }).generateCaptions(captions));
    assert.deepEqual([timeout.code, timeout.status], ['AI_PROVIDER_UNAVAILABLE', 503]);
    assert.ok(Date.now() - started < 5000);

    fake.failNext({ kind: 'rate_limited', retryAfterSeconds: 0 }, 3);
    const limited = await failure(provider().generateCaptions(captions));
    assert.equal(limited.code, 'AI_PROVIDER_UNAVAILABLE');
    assert.ok(limited.headers['Retry-After']);

    const down = await failure(
      provider({ openaiBaseUrl: 'http://127.0.0.1:9/v1' }).generateCaptions(captions),
    );
    assert.equal(down.code, 'AI_PROVIDER_UNAVAILABLE');
  });

  it('refused credentials are a 502 that names the variable, not the key', async () => {
    const error = await failure(provider({ openaiApiKey: 'sk-wrong' }).generateCaptions(captions));
    assert.equal(error.code, 'AI_PROVIDER_ERROR');
    assert.match(error.message, /OPENAI_API_KEY/);
  });

  it('generates images from b64_json, cropped to the exact size asked for', async () => {
    const images = await provider().generateImages({
      prompt: 'A cup',
      width: 300,
      height: 157,
      n: 2,
      format: 'jpeg',
    });
    assert.equal(images.length, 2);
    const meta = await sharp(images[0]!.bytes).metadata();
    assert.deepEqual(
      [meta.format, meta.width, meta.height, images[0]!.mimeType],
      ['jpeg', 300, 157, 'image/jpeg'],
    );
    const [request] = fake.requests;
    assert.equal(request!.path, '/v1/images/generations');
    assert.deepEqual(
      [request!.body.size, request!.body.n, request!.body.response_format],
      ['1536x1024', 2, undefined],
    );

    await provider({ imageModel: 'dall-e-3' }).generateImages({
      prompt: 'A cup',
      width: 64,
      height: 64,
      n: 2,
    });
    const dalle = fake.requests.slice(1);
    assert.deepEqual(
      dalle.map((r) => [r.body.n, r.body.response_format, r.body.size]),
      [
        [1, 'b64_json', '1024x1024'],
        [1, 'b64_json', '1024x1024'],
      ],
    );
  });
});
