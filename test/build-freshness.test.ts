import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, build, decide, entryOf, inspect, readStamp, sourceFingerprint } from '../bin/build.mjs';

// bin/audenci.js never runs a stale dist/: its decision (bin/build.mjs's decide()), what it reads from
// the disk (inspect()), and the real bin over a one-file project — the same bin/ files, typescript and tsx
// from this repository's node_modules — so that compiling takes a second, not the server's build.

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A project with bin/ copied from this repository, src/cli.ts and the two tsconfig files. */
function project(modules: 'all' | 'bundle' | 'tsx' | 'none' = 'all'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-build-'));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'bin'));
  for (const f of ['audenci.js', 'build.mjs'])
    fs.copyFileSync(path.join(ROOT, 'bin', f), path.join(root, 'bin', f));
  fs.writeFileSync(path.join(root, 'package.json'), '{ "type": "module", "private": true }\n');
  fs.writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: [],
        strict: true,
        skipLibCheck: true,
        outDir: 'dist',
      },
      include: ['src'],
    }),
  );
  fs.copyFileSync(path.join(ROOT, 'tsconfig.build.json'), path.join(root, 'tsconfig.build.json'));
  fs.mkdirSync(path.join(root, 'src'));
  writeCli(root, 'one');
  fs.mkdirSync(path.join(root, 'node_modules'));
  const link = (name: string) =>
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(root, 'node_modules', name));
  if (modules === 'all') ['typescript', 'tsx'].forEach(link);
  if (modules === 'bundle') ['typescript', 'tsx', 'esbuild', 'acorn'].forEach(link);
  if (modules === 'tsx') link('tsx');
  return root;
}

/** src/cli.ts: main() prints what ran (compiled or source), a marker and its arguments. */
function writeCli(root: string, marker: string): void {
  fs.writeFileSync(
    path.join(root, 'src/cli.ts'),
    // No @types/node (parsing them would make each compile take seconds): process, declared.
    `declare const process: { stdout: { write(text: string): void } };\n` +
      `export async function main(args: string[]): Promise<number> {\n` +
      `  const url: string = import.meta.url;\n` +
      `  const kind = url.endsWith('.ts') ? 'source' : url.endsWith('/bundle/cli.mjs') ? 'bundle' : 'dist';\n` +
      `  process.stdout.write(\`\${kind} ${marker} \${args.join(' ')}\\n\`);\n` +
      `  return 0;\n}\n`,
  );
}

/** Moves a file's modification time forward, as an editor's save does. */
function touch(file: string, seconds = 5): void {
  const later = new Date(fs.statSync(file).mtimeMs + seconds * 1000);
  fs.utimesSync(file, later, later);
}

async function bin(root: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'bin/audenci.js'), ...args],
      {
        cwd: os.tmpdir(),
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('bin/audenci.js: dist/ or a build first', () => {
  it('decide(): a fresh build runs silently; otherwise compile, else tsx, else fail, each saying why', () => {
    const fresh = decide({ built: true, fresh: true, typescript: true, tsx: true });
    assert.deepEqual(fresh, { action: 'run', notice: null });
    assert.deepEqual(decide({ built: true, fresh: true, typescript: false, tsx: false }), fresh);

    const stale = decide({ built: true, fresh: false, typescript: true, tsx: true });
    assert.deepEqual(stale, { action: 'build', notice: 'src/ changed since the last build: compiling…' });
    const unbuilt = decide({ built: false, fresh: false, typescript: true, tsx: false });
    assert.deepEqual(unbuilt, { action: 'build', notice: 'dist/ is not built: compiling…' });

    const viaTsx = decide({ built: true, fresh: false, typescript: false, tsx: true });
    assert.equal(viaTsx.action, 'tsx');
    assert.match(viaTsx.notice!, /^src\/ changed since the last build and typescript is not installed .*tsx/);

    const failed = decide({ built: false, fresh: false, typescript: false, tsx: false });
    assert.equal(failed.action, 'fail');
    assert.match(failed.notice!, /^dist\/ is not built, and neither typescript .* nor tsx .* is installed/);
  });

  it('inspect(): the stamp matches until a source or tsconfig changes; tests do not count', async () => {
    const root = project();
    assert.deepEqual(inspect(root), { built: false, fresh: false, typescript: true, tsx: true });

    const first = await build({ root });
    assert.equal(first.ok, true, first.output);
    assert.equal(first.built, true);
    assert.ok(fs.existsSync(path.join(root, 'dist/cli.js')));
    assert.deepEqual(inspect(root), { built: true, fresh: true, typescript: true, tsx: true });
    // Fresh: nothing to do.
    assert.equal((await build({ root, ifStale: true })).built, false);

    const before = sourceFingerprint(root);
    fs.writeFileSync(path.join(root, 'src/cli.test.ts'), 'export {};\n');
    assert.equal(sourceFingerprint(root), before, 'a test file is not compiled, so it does not count');

    touch(path.join(root, 'src/cli.ts'));
    assert.equal(inspect(root).fresh, false, 'an edited source');
    await build({ root });
    assert.equal(inspect(root).fresh, true);

    fs.mkdirSync(path.join(root, 'src/extra'));
    fs.writeFileSync(path.join(root, 'src/extra/added.ts'), 'export const added = 1;\n');
    assert.equal(inspect(root).fresh, false, 'an added source, in a subfolder');
    fs.rmSync(path.join(root, 'src/extra'), { recursive: true });
    assert.equal(inspect(root).fresh, true, 'back to the sources that were built');

    touch(path.join(root, 'tsconfig.build.json'));
    assert.equal(inspect(root).fresh, false, 'changed compiler settings');
    await build({ root });

    fs.rmSync(path.join(root, 'dist/cli.js'));
    assert.equal(inspect(root).built, false, 'a stamp without dist/cli.js is not a build');
  });

  it('the bin compiles once with a one-line notice, then runs dist/ silently; an edit compiles again', async () => {
    const root = project();
    const first = await bin(root, 'serve', '--x');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^audenci: dist\/ is not built: compiling… \(\d+\.\d s\)\n$/);
    assert.equal(first.stdout, 'dist one serve --x\n');

    const second = await bin(root, 'serve');
    assert.deepEqual(second, { code: 0, stdout: 'dist one serve\n', stderr: '' });

    writeCli(root, 'two');
    touch(path.join(root, 'src/cli.ts'));
    const third = await bin(root, 'serve');
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, /^audenci: src\/ changed since the last build: compiling… \(\d+\.\d s\)\n$/);
    assert.equal(third.stdout, 'dist two serve\n', 'the new source ran, compiled');

    // Type errors: compiled anyway (as tsx would run it), and counted in the notice.
    fs.appendFileSync(path.join(root, 'src/cli.ts'), 'export const wrong: number = "text";\n');
    const typed = await bin(root, 'x');
    assert.equal(typed.code, 0, typed.stderr);
    assert.match(typed.stderr, /compiling… \(\d+\.\d s; 1 type error: `npm run typecheck` lists them\)\n$/);
    assert.equal(typed.stdout, 'dist two x\n');

    // Settings tsc cannot compile with: the bin says so and stops, running nothing.
    fs.writeFileSync(path.join(root, 'tsconfig.build.json'), '{ "extends": "./missing.json" }');
    const broken = await bin(root, 'x');
    assert.equal(broken.code, 1);
    assert.equal(broken.stdout, '');
    assert.match(
      broken.stderr,
      /audenci: compiling src\/ failed \(above\); fix it, or run the source unchecked/,
    );
  });

  it('with esbuild the build bundles dist/bundle/cli.mjs, which the bin runs; a package finds its own files', async () => {
    const root = project('bundle');
    // A CommonJS package reading a file next to itself (as @fastify/swagger-ui serves its static files).
    const pkg = path.join(root, 'node_modules/own-files');
    fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), '{ "name": "own-files", "main": "lib/index.js" }\n');
    fs.writeFileSync(path.join(pkg, 'lib/data.txt'), 'next to lib/index.js');
    fs.writeFileSync(
      path.join(pkg, 'lib/index.js'),
      "module.exports = require('node:fs').readFileSync(require('node:path').join(__dirname, 'data.txt'), 'utf8');\n",
    );
    fs.appendFileSync(
      path.join(root, 'src/cli.ts'),
      "// @ts-expect-error: no types\nimport ownFiles from 'own-files';\n" +
        'export const own: string = ownFiles;\n',
    );
    fs.writeFileSync(
      path.join(root, 'src/cli.ts'),
      fs
        .readFileSync(path.join(root, 'src/cli.ts'), 'utf8')
        .replace("${args.join(' ')}", "${args.join(' ')} ${own}"),
    );
    const first = await bin(root, 'serve');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^audenci: dist\/ is not built: compiling… \(\d+\.\d s\)\n$/);
    assert.equal(first.stdout, 'bundle one serve next to lib/index.js\n');
    assert.equal(readStamp(root)?.bundle, 'dist/bundle/cli.mjs');
    assert.equal(entryOf(root), path.join(root, 'dist/bundle/cli.mjs'));
    assert.ok(fs.existsSync(path.join(root, 'dist/bundle/cli.mjs.map')), 'a source map for stack traces');
    assert.ok(fs.existsSync(path.join(root, 'dist/cli.js')), 'dist/ is compiled as before');

    // No bundle (removed, or a build without esbuild): the compiled dist/cli.js runs.
    fs.rmSync(path.join(root, 'dist/bundle'), { recursive: true });
    assert.equal(entryOf(root), path.join(root, 'dist/cli.js'));
    const unbundled = await bin(root, 'serve');
    assert.deepEqual(unbundled, { code: 0, stdout: 'dist one serve next to lib/index.js\n', stderr: '' });

    // A bundle esbuild cannot make (an import it cannot resolve, that tsc only reports as a type error):
    // the bin says so and runs dist/cli.js.
    fs.appendFileSync(
      path.join(root, 'src/cli.ts'),
      "export const never = () => import('not-installed-anywhere');\n",
    );
    const failed = await bin(root, 'serve');
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stderr, /audenci: bundling dist\/bundle\/ failed; dist\/cli\.js runs instead/);
    assert.match(failed.stderr, /not-installed-anywhere/);
    assert.equal(failed.stdout, 'dist one serve next to lib/index.js\n');
    assert.equal(readStamp(root)?.bundle, null);
    assert.equal(fs.existsSync(path.join(root, 'dist/bundle')), false);
  });

  it('the bundle is ASCII-only (V8 keeps it in one byte a character), and means what src/ says', async () => {
    const root = project('bundle');
    // What esbuild prints as written: a regular expression with a full-width ＃ (an identity escape
    // too), a comment it keeps (in a class body), and what it escapes itself (strings, templates).
    fs.appendFileSync(
      path.join(root, 'src/cli.ts'),
      'export class Tags {\n' +
        '  /** Hashtags — ASCII or full-width (＃), as X counts them 🙂. */\n' +
        '  static readonly pattern = /(?<![\\p{L}])[#＃]([\\p{L}_]+)/gu;\n' +
        '  static readonly legacy = /\\＃x|😀/;\n' +
        '}\n' +
        "export const tags = [...'#café ＃été x＃no'.matchAll(Tags.pattern)].map((m) => m[1]).join(',');\n" +
        "export const legacy = [Tags.legacy.test('＃x'), Tags.legacy.test('😀'), Tags.legacy.test('x')].join(',');\n" +
        'export const cut = `${tags}…`;\n',
    );
    fs.writeFileSync(
      path.join(root, 'src/cli.ts'),
      fs
        .readFileSync(path.join(root, 'src/cli.ts'), 'utf8')
        .replace("${args.join(' ')}", "${args.join(' ')} ${cut} ${legacy}"),
    );
    const first = await bin(root, 'serve');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'bundle one serve café,été… true,true,false\n');
    const bundle = fs.readFileSync(path.join(root, 'dist/bundle/cli.mjs'), 'utf8');
    assert.doesNotMatch(bundle, /[\u0080-\uffff]/, 'no character beyond ASCII');
    assert.match(bundle, /\[#\\uFF03\]/, 'the regular expression, escaped');
    assert.match(bundle, /Hashtags \? ASCII or full-width \(\?\), as X counts them \?\?\./, 'the comment');

    // A tagged template (String.raw) cannot be escaped without changing its text: the bundle fails,
    // naming the line, and dist/cli.js runs.
    fs.appendFileSync(path.join(root, 'src/cli.ts'), 'export const raw = String.raw`[@＠]`;\n');
    const failed = await bin(root, 'serve');
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stderr, /audenci: bundling dist\/bundle\/ failed; dist\/cli\.js runs instead/);
    assert.match(failed.stderr, /dist\/bundle\/cli\.mjs:\d+: a non-ASCII character \(\\uFF20\)/);
    assert.match(failed.stdout, /^dist one serve café,été… true,true,false\n$/);
  });

  it('two bins started at once compile once: the second waits for the first (dist/.build-lock)', async () => {
    const root = project();
    const both = await Promise.all([bin(root, 'a'), bin(root, 'b')]);
    assert.deepEqual(
      both.map((r) => [r.code, r.stdout]),
      [
        [0, 'dist one a\n'],
        [0, 'dist one b\n'],
      ],
    );
    const compiled = both.filter((r) => /compiling… \(\d+\.\d s\)\n$/.test(r.stderr));
    assert.equal(compiled.length, 1, both.map((r) => r.stderr).join(''));
    const other = both.find((r) => !compiled.includes(r))!;
    assert.match(
      other.stderr,
      /^(|audenci: dist\/ is not built: compiling… \(another process compiled it\)\n)$/,
    );
    assert.equal(fs.existsSync(path.join(root, 'dist/.build-lock')), false);
  });

  it('without typescript the bin runs src/ through tsx, saying so; without tsx either it fails clearly', async () => {
    const viaTsx = await bin(project('tsx'), 'serve');
    assert.equal(viaTsx.code, 0, viaTsx.stderr);
    assert.match(viaTsx.stderr, /^audenci: dist\/ is not built and typescript is not installed .*tsx\n$/);
    assert.equal(viaTsx.stdout, 'source one serve\n');

    const neither = await bin(project('none'), 'serve');
    assert.equal(neither.code, 1);
    assert.equal(neither.stdout, '');
    assert.match(
      neither.stderr,
      /^audenci: dist\/ is not built, and neither typescript .* nor tsx .* is installed/,
    );
  });

  it('this repository: what npm start will do, decided in a few milliseconds', () => {
    const started = performance.now();
    const found = inspect();
    const ms = performance.now() - started;
    assert.equal(found.typescript, true);
    assert.ok(ms < 500, `inspect() took ${ms.toFixed(0)} ms`);
  });
});
