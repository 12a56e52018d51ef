#!/usr/bin/env node
// Runs on `npm install` (the root `prepare` script), so that `npm install && npm start` needs nothing more:
// compiles the server into dist/ (what `npm start` runs; skipped when dist/ is up to date with src/), builds
// the SDK into packages/sdk/dist, so that a script importing `@audenci/sdk-js` runs with plain `node` or
// `npx tsx`, and the web app into web/dist, which the server serves at http://localhost:3000. Where the
// build tools are not installed (`npm install --omit=dev`), it says so in one line and goes on: the server
// then runs src/ through tsx, and serves a "not built" notice instead of the web app.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build, decide, duration, inspect } from '../bin/build.mjs';

const { action } = decide(inspect());
if (action === 'build') {
  const result = await build({ ifStale: true, allowTypeErrors: true });
  if (!result.ok) {
    process.stderr.write(result.output);
    console.error('prepare: compiling the server (src/ → dist/) failed');
    process.exit(1);
  }
  const errors =
    result.typeErrors > 0 ? `; ${result.typeErrors} type errors: npm run typecheck lists them` : '';
  console.log(`prepare: compiled the server, src/ → dist/ (${duration(result.seconds)}${errors})`);
} else if (action !== 'run') {
  const then = action === 'tsx' ? 'the server runs src/ through tsx' : 'nor is tsx: the server cannot start';
  console.log(`prepare: typescript is not installed (production install?); dist/ is not built, ${then}`);
}

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
