/**
 * The package as npm would publish it: `npm pack` (which builds it, `prepack`) must list a complete,
 * publishable package; unpacked into a fresh `node_modules`, it must load with `require` (CommonJS) and
 * `import`, and the README's quick start must run as written — with plain `node` and with `npx tsx`, no
 * flags — against a live server, both from the packed package and from this repository's workspace.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, type LiveServer } from './helpers.js';

const run = promisify(execFile);
const SDK_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const REPO = path.resolve(SDK_DIR, '..', '..');
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface Manifest {
  name: string;
  version: string;
  license?: string;
  homepage?: string;
  repository?: { url?: string; directory?: string };
  engines?: Record<string, string>;
  main?: string;
  types?: string;
  exports: Record<string, Record<string, Record<string, string> | string> | string>;
}

/** The first ```ts block after the README's "## Quick start" heading. */
function readmeQuickStart(readme: string): string {
  const section = readme.slice(readme.indexOf('\n## Quick start'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'the README has a ```ts block under "## Quick start"');
  return match[1]!;
}

/**
 * Runs a script with a clean environment: no `--conditions` (this test process has
 * `--conditions=audenci-source`; a child gets only what is passed here), the server's URL and a key.
 */
async function runScript(cwd: string, args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
    timeout: 60_000,
  });
  return stdout;
}

describe('the npm package', () => {
  let tmp: string;
  let pack: PackResult;
  let installed: string;
  let server: LiveServer;
  let env: Record<string, string>;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-sdk-pack-'));
    // `npm pack` runs `prepack` (scripts/build.mjs) first, as `npm publish` does.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], {
      cwd: SDK_DIR,
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    pack = (JSON.parse(stdout.slice(stdout.indexOf('['))) as PackResult[])[0]!;
    // A fresh project with the package installed from the tarball, as `npm install` would.
    const app = path.join(tmp, 'app');
    installed = path.join(app, 'node_modules', '@audenci', 'sdk-js');
    fs.mkdirSync(path.dirname(installed), { recursive: true });
    await run('tar', ['-xzf', path.join(tmp, pack.filename), '-C', path.dirname(installed)]);
    fs.renameSync(path.join(path.dirname(installed), 'package'), installed);
    fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "app", "private": true }\n');

    server = await startServer('sqlite');
    env = { AUDENCI_API_KEY: server.tenant.test.admin, AUDENCI_BASE_URL: server.url };
  });
  after(async () => {
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('npm pack lists a publishable package: builds, types, README, LICENSE and metadata', () => {
    const files = new Set(pack.files.map((f) => f.path));
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/client.js',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/package.json',
      'src/index.ts',
    ]) {
      assert.ok(files.has(file), `the package holds ${file}`);
    }
    assert.ok(![...files].some((f) => f.startsWith('test/') || f.startsWith('docs/')), 'no tests or docs');
    console.log(`# npm pack: ${pack.filename}, ${files.size} files`);

    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as Manifest;
    assert.equal(manifest.name, '@audenci/sdk-js');
    assert.equal(manifest.license, 'MIT');
    assert.match(manifest.repository?.url ?? '', /^git\+https:\/\/.+\.git$/);
    assert.equal(manifest.repository?.directory, 'packages/sdk');
    assert.match(manifest.homepage ?? '', /^https:\/\//);
    assert.ok(manifest.engines?.node);
    // Every file the manifest points at is in the package.
    const root = manifest.exports['.'] as Record<string, Record<string, string> | string>;
    const targets = [
      manifest.main,
      manifest.types,
      ...Object.values(root).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v))),
    ];
    assert.ok(targets.includes('./dist/cjs/index.js'), 'require has a target');
    for (const target of targets) {
      if (typeof target !== 'string') continue;
      assert.ok(files.has(target.replace(/^\.\//, '')), `${target} is in the package`);
    }
    assert.match(fs.readFileSync(path.join(installed, 'README.md'), 'utf8'), /^# @audenci\/sdk-js/);
  });

  it('require() loads the CommonJS build and works against a live server', async () => {
    const app = path.dirname(path.dirname(path.dirname(installed)));
    fs.writeFileSync(
      path.join(app, 'check.cjs'),
      `const sdk = require('@audenci/sdk-js');
const { Audenci, NotFoundError, UnprocessableEntityError, SDK_VERSION } = sdk;
(async () => {
  const client = new Audenci();
  const organization = await client.organization.retrieve();
  let notFound = false;
  try {
    await client.brands.retrieve('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
  } catch (error) {
    notFound = error instanceof NotFoundError && error.status === 404;
  }
  console.log(JSON.stringify({
    resolved: require.resolve('@audenci/sdk-js'),
    organization: organization.id,
    notFound,
    classes: typeof UnprocessableEntityError,
    version: SDK_VERSION,
  }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    const out = JSON.parse(await runScript(app, ['check.cjs'], env)) as Record<string, unknown>;
    assert.equal(out.resolved, path.join(installed, 'dist', 'cjs', 'index.js'));
    assert.equal(out.organization, server.tenant.org.id);
    assert.equal(out.notFound, true);
    assert.equal(out.classes, 'function');
    assert.equal(
      out.version,
      JSON.parse(fs.readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8')).version,
    );

    fs.writeFileSync(
      path.join(app, 'check.mjs'),
      `import { Audenci } from '@audenci/sdk-js';
console.log(import.meta.resolve('@audenci/sdk-js'), (await new Audenci().organization.retrieve()).id);
`,
    );
    const esm = (await runScript(app, ['check.mjs'], env)).trim();
    assert.equal(esm, `file://${path.join(installed, 'dist', 'index.js')} ${server.tenant.org.id}`);
  });

  it("the README's quick start runs as written: node and npx tsx, packed and in this repository", async () => {
    const snippet = readmeQuickStart(fs.readFileSync(path.join(SDK_DIR, 'README.md'), 'utf8'));
    const app = path.dirname(path.dirname(path.dirname(installed)));
    // In this repository, as in a fresh clone after `npm install`: @audenci/sdk-js is the workspace link.
    fs.mkdirSync(path.join(REPO, '.scratch'), { recursive: true });
    const clone = fs.mkdtempSync(path.join(REPO, '.scratch', 'sdk-readme-'));
    try {
      // The app is a project of its own without "type": "module", so TypeScript with top-level await is
      // .mts there; the repository is "type": "module", so .ts.
      for (const [dir, files] of [
        [app, ['quick-start.mjs', 'quick-start.mts']],
        [clone, ['quick-start.mjs', 'quick-start.ts']],
      ] as const) {
        for (const file of files) {
          fs.writeFileSync(path.join(dir, file), snippet);
          const args = file.endsWith('ts') ? [TSX_CLI, file] : [file];
          const out = await runScript(dir, args, env);
          assert.match(out, /^post_\w+ SCHEDULED\n$/, `${path.join(dir, file)} printed ${out}`);
        }
      }
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  });
});
