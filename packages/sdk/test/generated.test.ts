import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { GENERATED_FILE, generateSdkTypes } from '../../../scripts/generate-sdk-types.js';

describe('generated OpenAPI types', () => {
  it('packages/sdk/src/generated/openapi.ts is what `npm run sdk:generate` makes from the current routes', async () => {
    const fresh = await generateSdkTypes();
    const committed = fs.readFileSync(GENERATED_FILE, 'utf8');
    assert.ok(fresh.includes('export interface operations'), 'the generator produced operation types');
    assert.ok(
      committed === fresh,
      'packages/sdk/src/generated/openapi.ts is stale: the API document changed. Run `npm run sdk:generate` ' +
        'and commit the result.',
    );
  });
});
