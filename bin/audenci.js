#!/usr/bin/env node
// The `audenci` command (`npm start`, `npx audenci`, `npm run audenci --`): runs the compiled CLI in dist/
// (its bundle, dist/bundle/cli.mjs, where the build made one: bin/build.mjs's entryOf()).
// When src/ changed since the last build (or dist/ is not built) it compiles first where typescript is
// installed, runs src/ through tsx where only tsx is (a production install), and fails otherwise — it
// never runs a stale dist/. The decision is bin/build.mjs's decide().
import { pathToFileURL } from 'node:url';
import { BUNDLE_FAILED, ROOT, build, decide, duration, entryOf, inspect } from './build.mjs';

const { action, notice } = decide(inspect());
let entry;
if (action === 'build') {
  process.stderr.write(`audenci: ${notice} `);
  const result = await build({ ifStale: true, allowTypeErrors: true });
  if (!result.ok) {
    process.stderr.write(
      `\n${result.output}audenci: compiling src/ failed (above); fix it, or run the source unchecked with ` +
        `\`npx tsx src/cli.ts ${process.argv.slice(2).join(' ')}\`\n`,
    );
    process.exit(1);
  }
  if (result.bundleError) process.stderr.write(`\naudenci: ${BUNDLE_FAILED}\n${result.bundleError}\n`);
  if (!result.built) process.stderr.write('(another process compiled it)\n');
  else if (result.typeErrors === 0) process.stderr.write(`(${duration(result.seconds)})\n`);
  else {
    const errors = `${result.typeErrors} type error${result.typeErrors === 1 ? '' : 's'}`;
    process.stderr.write(`(${duration(result.seconds)}; ${errors}: \`npm run typecheck\` lists them)\n`);
  }
} else if (action === 'tsx') {
  process.stderr.write(`audenci: ${notice}\n`);
  const { register } = await import('tsx/esm/api');
  register();
  entry = `${ROOT}src/cli.ts`;
} else if (action === 'fail') {
  process.stderr.write(`audenci: ${notice}\n`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry ?? entryOf()).href);
process.exit(await main(process.argv.slice(2)));
