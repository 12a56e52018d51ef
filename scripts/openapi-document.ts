// The OpenAPI document exactly as the server serves it, built in process on a throw-away SQLite data dir
// (the app never listens): what `npm run sdk:generate` turns into the SDK's types and what
// `npm run openapi:lint` validates.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createRuntime } from '../src/runtime.js';

/**
 * The OpenAPI document exactly as the server serves it, with every setting that shapes it fixed (the
 * public URL, the default offline AI provider), whatever the caller's environment says. The public URL
 * only changes `servers`: a local install by default, a production one for the lint.
 */
export async function buildOpenApiDocument(
  publicUrl = 'http://localhost:3000',
): Promise<Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-sdk-types-'));
  try {
    const config = loadConfig({
      AUDENCI_DATA_DIR: dataDir,
      AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
      AUDENCI_PUBLIC_URL: publicUrl,
      AI_PROVIDER: 'builtin',
      LOG_LEVEL: 'silent',
    });
    const runtime = await createRuntime(config);
    try {
      const app = await buildApp(runtime);
      try {
        await app.ready();
        const res = await app.inject({ method: 'GET', url: '/openapi.json' });
        if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
        return res.json() as Record<string, unknown>;
      } finally {
        await app.close();
      }
    } finally {
      await runtime.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
