#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and packages/*/test/ with Node's test runner through tsx. Node
// 20's --test does not expand globs, so the files are listed here. Arguments narrow the run:
// `npm test -- brands`. `--conditions=audenci-source` makes workspace packages (e.g. `@audenci/sdk-js`)
// resolve to their TypeScript source, so tests never run against a stale build.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

// The system tests (real processes, minutes long) run on their own: `npm run test:system`.
const EXCLUDED = new Set([path.join('test', 'system')]);

function find(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (EXCLUDED.has(full)) continue;
    if (statSync(full).isDirectory()) out.push(...find(full));
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2);
const packageTests = existsSync('packages')
  ? readdirSync('packages').map((name) => path.join('packages', name, 'test'))
  : [];
const files = ['src', 'test', ...packageTests]
  .flatMap((d) => find(d))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL) {
  console.log(
    'NOTICE: TEST_DATABASE_URL and/or TEST_REDIS_URL are not set: the PostgreSQL and Redis parts of the suite are skipped. ' +
      'CI sets TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test TEST_REDIS_URL=redis://127.0.0.1:6379.',
  );
}
// The browser tests (test/browser) need Debian's Chromium; CI installs it, so there they never skip.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (files.some((f) => f.startsWith(path.join('test', 'browser'))) && !existsSync(chromium)) {
  console.log(
    `NOTICE: ${chromium} is not installed: the browser tests (test/browser) are skipped. ` +
      'Install it with `apt-get install -y chromium` (CI does).',
  );
}
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  [
    '--conditions=audenci-source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
