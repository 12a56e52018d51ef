// Builds the app on a throw-away SQLite data dir, writes its OpenAPI document to a temporary file,
// validates it with swagger-parser and lints it with Spectral (`.spectral.yaml`: the OpenAPI rules and the
// OWASP API Security ruleset). Exits non-zero on any error. Run with `npm run openapi:lint`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildOpenApiDocument } from './openapi-document.js';

const root = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-openapi-'));
  try {
    // Linted as a production install serves it (https), which is what the OWASP rules are about.
    const document = await buildOpenApiDocument('https://app.audenci.com');
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
      [
        'lint',
        file,
        '--ruleset',
        path.join(root, '.spectral.yaml'),
        '--fail-severity=error',
        '--display-only-failures',
      ],
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
