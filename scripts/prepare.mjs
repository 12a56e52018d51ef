#!/usr/bin/env node
// Runs on `npm install` (the root `prepare` script): builds the SDK into packages/sdk/dist, so that a
// script importing `@audenci/sdk-js` runs with plain `node` or `npx tsx`, and the web app into web/dist,
// so that `npm install && npm start` serves it at http://localhost:3000. Takes a few seconds. Where the
// build tools are not installed (`npm install --omit=dev`), it says so and leaves the server to serve its
// "not built" notice instead of failing the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

if (existsSync('packages/sdk/scripts/build.mjs')) {
  try {
    createRequire(import.meta.url).resolve('typescript');
    const sdk = spawnSync(process.execPath, ['packages/sdk/scripts/build.mjs'], { stdio: 'inherit' });
    if (sdk.status !== 0) process.exit(sdk.status ?? 1);
  } catch {
    console.log('prepare: typescript is not installed (production install?); packages/sdk/dist is not built');
  }
}
if (!existsSync('web/package.json')) process.exit(0);
try {
  createRequire(new URL('../web/package.json', import.meta.url)).resolve('vite');
} catch {
  console.log('prepare: vite is not installed (production install?); web/dist is not built');
  process.exit(0);
}
const result = spawnSync('npm', ['run', 'build', '--workspace', '@audenci/web'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
