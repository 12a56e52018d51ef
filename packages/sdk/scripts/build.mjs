#!/usr/bin/env node
// Builds the SDK: `dist/` (ES modules, what `import` loads) and `dist/cjs/` (CommonJS, what `require`
// loads), each with type declarations. `node scripts/build.mjs [outDir]` builds into another directory
// (the tests do). First it writes `src/version.ts` from package.json's `version`, so `X-Audenci-Client`
// always names the version being built. Runs on `npm run build`, on `npm pack` / `npm publish`
// (`prepack`) and on the repository's `npm install` (scripts/prepare.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const defaultOut = path.join(root, 'dist');
const outDir = path.resolve(process.argv[2] ?? defaultOut);

const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const versionFile = path.join(root, 'src', 'version.ts');
const versionSource =
  "// Written by scripts/build.mjs from package.json's `version` (a test checks they agree). Do not edit.\n" +
  `export const VERSION = '${version}';\n`;
if (fs.readFileSync(versionFile, 'utf8') !== versionSource) fs.writeFileSync(versionFile, versionSource);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
function compile(project, out) {
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, project), '--outDir', out], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// A stale file of an earlier build (a module since removed) must not ship; only the default output is
// cleared, never a directory someone passed.
if (outDir === defaultOut) fs.rmSync(outDir, { recursive: true, force: true });
compile('tsconfig.build.json', outDir);
compile('tsconfig.cjs.json', path.join(outDir, 'cjs'));
// Node reads dist/cjs/*.js as CommonJS only with this beside them (the package itself is "type": "module").
fs.writeFileSync(path.join(outDir, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
