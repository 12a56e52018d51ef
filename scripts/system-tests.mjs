#!/usr/bin/env node
// Runs the system tests (test/system/*.test.ts): real `audenci` processes against PostgreSQL and Redis
// (TEST_DATABASE_URL, TEST_REDIS_URL), one file at a time. `npm test` leaves them out. Arguments narrow
// the run: `npm run test:system -- soak`. See test/system/README.md.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const DIR = path.join('test', 'system');
const filters = process.argv.slice(2);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join(DIR, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('No system test files matched.');
  process.exit(1);
}

const started = Date.now();
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
child.on('exit', (code, signal) => {
  console.log(`system tests finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code ?? (signal ? 1 : 0));
});
