// Builds the app on a throw-away SQLite data dir, writes its OpenAPI document to a temporary file,
// validates it with swagger-parser and lints it with Spectral (`.spectral.yaml`). Exits non-zero on any
// error. Run with `npm run openapi:lint`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createRuntime } from '../src/runtime.js';

const root = fileURLToPath(new URL('..', import.meta.url));

async function generateDocument(dataDir: string): Promise<unknown> {
  const config = loadConfig({
    AUDENCI_DATA_DIR: dataDir,
    AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
  });
  const runtime = await createRuntime(config);
  try {
    const app = await buildApp(runtime);
    try {
      await app.ready();
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
      return res.json();
    } finally {
      await app.close();
    }
  } finally {
    await runtime.close();
  }
}

async function main(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-openapi-'));
  try {
    const document = await generateDocument(path.join(dir, 'data'));
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);

    try {
      await SwaggerParser.validate(structuredClone(document) as never);
      console.log('swagger-parser: the document is valid OpenAPI');
    } catch (error) {
      console.error(`swagger-parser: ${(error as Error).message}`);
      return 1;
    }

    const spectral = path.join(root, 'node_modules', '.bin', 'spectral');
    const result = spawnSync(
      spectral,
      ['lint', file, '--ruleset', path.join(root, '.spectral.yaml'), '--fail-severity=error'],
      { stdio: 'inherit' },
    );
    if (result.error) {
      console.error(`spectral: ${result.error.message}`);
      return 1;
    }
    return result.status ?? 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
