// Compiles the server (src/ → dist/, `tsc -p tsconfig.build.json`) and records what it compiled, so that
// bin/audenci.js never runs a dist/ older than src/. `node bin/build.mjs` builds (what `npm run build`
// starts with); bin/audenci.js and `npm install` (scripts/prepare.mjs) build only when src/ changed.
//
// The record, dist/.build-stamp.json, holds a fingerprint of the sources taken when the build started:
// every src/**/*.ts but the tests, and the two tsconfig files, by path, size and modification time. Any
// edit, added, removed or renamed file, or checkout changes it; a file saved while tsc runs leaves the
// stamp behind it, so the next start builds again. Taking it stats ~330 files: a few milliseconds.
//
// Where esbuild is installed (a dev dependency, like typescript), the build then bundles the server —
// src/cli.ts and the packages it imports — into dist/bundle/cli.mjs, which bin/audenci.js runs instead of
// dist/cli.js (the stamp names it): Node loads ~1,400 modules one by one otherwise, which is most of
// the start-up time (issue #20). See bundle() for what stays in node_modules.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = 'dist/.build-stamp.json';
const LOCK = 'dist/.build-lock';
const ENTRY = 'dist/cli.js';
const BUNDLE_DIR = 'dist/bundle';
const BUNDLE = `${BUNDLE_DIR}/cli.mjs`;
/** What bin/audenci.js and `npm run build` say when bundling failed (the build still runs). */
export const BUNDLE_FAILED = 'bundling dist/bundle/ failed; dist/cli.js runs instead (slower start):';
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

/**
 * How a server process is started (issue #20's memory goals): the environment and the Node.js options of
 * package.json's `start` script, which has the form `[NAME=value …] exec node [--option …] bin/audenci.js
 * serve`. The one place they are written: deploy/ (the systemd units, the Procfile) repeats them, and
 * src/deploy-manifests.test.ts fails when it differs; the bench's server and worker children and
 * bench/startup.ts read them from here. Options that V8 reads when it creates the heap
 * (`--max-semi-space-size`) and glibc's `MALLOC_ARENA_MAX` cannot be set by the process itself.
 * Returns { env, nodeOptions }; throws when the script has another form.
 */
export function serverLaunch(root = ROOT) {
  const start = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts?.start;
  const match = /^((?:[A-Z_][A-Z0-9_]*=\S+ )*)exec node((?: --\S+)*) bin\/audenci\.js serve$/.exec(
    start ?? '',
  );
  if (!match) {
    throw new Error(
      `package.json's start script is not "[NAME=value …] exec node [--option …] bin/audenci.js serve": ${start}`,
    );
  }
  const env = Object.fromEntries(
    match[1]
      .split(' ')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  return { env, nodeOptions: match[2].split(' ').filter(Boolean) };
}

/** The sources tsconfig.build.json compiles, relative to root: src/**\/*.ts but *.test.ts, sorted. */
export function sourceFiles(root = ROOT) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(rel);
    }
  };
  walk('src');
  return out.sort();
}

/** A fingerprint of the sources and the compiler settings: path, size and mtime of each. */
export function sourceFingerprint(root = ROOT) {
  const hash = createHash('sha256');
  const files = [...CONFIGS, ...sourceFiles(root)];
  for (const file of files) {
    const stat = fs.statSync(path.join(root, file), { throwIfNoEntry: false });
    hash.update(`${file}\0${stat ? `${stat.size}\0${stat.mtimeMs}` : '-'}\n`);
  }
  return hash.digest('hex');
}

/** The stamp the last successful build wrote, or null. */
export function readStamp(root = ROOT) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP), 'utf8'));
    return typeof stamp?.fingerprint === 'string' ? stamp : null;
  } catch {
    return null;
  }
}

/** True when a package resolves from root (typescript to build, tsx to run the source). */
export function installed(name, root = ROOT) {
  try {
    createRequire(path.join(root, 'package.json')).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * What bin/audenci.js does, from what it found: `built` — dist/cli.js and a stamp exist; `fresh` — the
 * stamp's fingerprint is the sources' one; `typescript`, `tsx` — installed. Returns the action (`run`
 * dist/, `build` then run dist/, run the source through `tsx`, or `fail`) and the line to print first
 * (null when there is nothing to say).
 */
export function decide({ built, fresh, typescript, tsx }) {
  if (built && fresh) return { action: 'run', notice: null };
  const why = built ? 'src/ changed since the last build' : 'dist/ is not built';
  if (typescript) return { action: 'build', notice: `${why}: compiling…` };
  if (tsx) {
    return {
      action: 'tsx',
      notice: `${why} and typescript is not installed (a production install?): running src/ through tsx`,
    };
  }
  return {
    action: 'fail',
    notice:
      `${why}, and neither typescript (to compile it) nor tsx (to run src/) is installed: ` +
      'run `npm install` (with the dev dependencies), or `npm run build` where they are, and copy dist/ with src/',
  };
}

/**
 * The file bin/audenci.js runs once decide() said `run`: the bundle when the last build made one (its
 * stamp says so) and it is there, else dist/cli.js.
 */
export function entryOf(root = ROOT) {
  const bundle = readStamp(root)?.bundle;
  if (bundle === BUNDLE && fs.existsSync(path.join(root, BUNDLE))) return path.join(root, BUNDLE);
  return path.join(root, ENTRY);
}

/** What decide() needs, read from the disk. */
export function inspect(root = ROOT) {
  const stamp = readStamp(root);
  return {
    built: stamp !== null && fs.existsSync(path.join(root, ENTRY)),
    fresh: stamp !== null && stamp.fingerprint === sourceFingerprint(root),
    typescript: installed('typescript', root),
    tsx: installed('tsx', root),
  };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Runs fn holding dist/.build-lock, so that two processes starting at once do not compile together. */
async function withLock(root, fn) {
  const lock = path.join(root, LOCK);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let holder, age;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8')) || 0;
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      // A holder that died (or a lock whose pid was never written) leaves it behind: take it over.
      if (holder > 0 ? alive(holder) : age < 10_000) await sleep(200);
      else fs.rmSync(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Packages left out of the bundle, loaded from node_modules as before: native addons (better-sqlite3,
 * argon2, sharp); what only some configurations load, where it is first used (pg, ioredis, undici,
 * nodemailer, the S3 SDK — test/startup-footprint.test.ts checks they stay unloaded); pino, whose
 * transports start worker threads from its own files. ajv and fast-json-stringify are shared with what
 * src/http/lazy-compile.ts loads from fastify's own dependencies: bundled, they would be loaded twice.
 */
const EXTERNAL = [
  'better-sqlite3',
  '@node-rs/argon2',
  'sharp',
  'pg',
  'pg-*',
  'ioredis',
  'undici',
  'nodemailer',
  '@aws-sdk/*',
  'pino',
  'pino/*',
  'ajv',
  'ajv/*',
  'ajv-formats',
  'fast-json-stringify',
  '@fastify/fast-json-stringify-compiler',
];

/**
 * A bundled package module that finds files next to itself (`__dirname`: @fastify/swagger-ui serves its
 * static files from there) gets its directory in node_modules, found when the bundle runs.
 */
const packageDirs = {
  name: 'package-dirs',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!/\b__(?:dirname|filename)\b/.test(text)) return undefined;
      const at = args.path.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules/'.length;
      const parts = args.path.slice(at).split(path.sep);
      const name = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      const rel = parts.slice(name.split('/').length, -1).join('/');
      const file = parts.at(-1);
      const prelude =
        `var __dirname = __audenciPackageDir(${JSON.stringify(name)}, ${JSON.stringify(rel)}), ` +
        `__filename = __dirname + ${JSON.stringify(`/${file}`)};`;
      return { contents: `${prelude}${text}`, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/** At the top of each file of the bundle: `require` for the CommonJS packages in it, and their dirs. */
const BANNER = [
  "import { createRequire as __audenciCreateRequire } from 'node:module';",
  "import { dirname as __audenciDirname, join as __audenciJoin } from 'node:path';",
  'const require = __audenciCreateRequire(import.meta.url);',
  'const __audenciPackageDir = (name, rel) =>',
  "  __audenciJoin(__audenciDirname(require.resolve(name + '/package.json')), rel);",
].join('\n');

/** `\uXXXX` of each UTF-16 code unit of a character (an astral one: its two surrogates). */
const escapeUnitsOf = (c) =>
  Array.from(
    { length: c.length },
    (_, i) => `\\u${c.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`,
  ).join('');

/**
 * Makes one JavaScript file of the bundle pure ASCII (issue #20): V8 keeps a module's source as long as
 * the module lives, in one byte per character when every character is Latin-1 and in two otherwise, so
 * one full-width `＃` in a regular expression doubled the ~3.7 MB bundle's share of the heap. esbuild
 * escapes string literals (its default `charset: 'ascii'`) but prints regular expressions, comments it
 * keeps (in class bodies and object literals) and template literals as written. Here, with acorn's
 * tokenizer: in a comment each non-ASCII code unit becomes `?` (one for one: the source map's columns
 * stay right, and the text is src/'s); in a regular expression literal each becomes its `\uXXXX` escape,
 * which means the same character with or without the `u` flag (`\＃`, an identity escape, becomes
 * `\uFF03`); the columns after it on that line shift in the source map. Anything else — a tagged
 * template such as `String.raw` (where an escape would change the text), an identifier — throws,
 * naming the line: write the escape in src/ there. Answers the new text.
 */
export function asciiOnly(text, acorn, file = 'the bundle') {
  if (!/[\u0080-\uffff]/.test(text)) return text;
  const edits = [];
  const onComment = (block, value, start, end) => {
    if (/[\u0080-\uffff]/.test(value))
      edits.push([start, end, text.slice(start, end).replace(/[\u0080-\uffff]/g, '?')]);
  };
  const tokens = acorn.tokenizer(text, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    allowHashBang: true,
    onComment,
  });
  for (const token of tokens) {
    if (token.type !== acorn.tokTypes.regexp) continue;
    const literal = text.slice(token.start, token.end);
    if (!/[\u0080-\uffff]/.test(literal)) continue;
    // A non-ASCII character after an odd run of backslashes is an identity escape: `\＃` is `＃`.
    const escaped = literal.replace(/(\\*)([\u{80}-\u{10ffff}])/gu, (_, slashes, c) =>
      slashes.length % 2 ? `${slashes.slice(1)}${escapeUnitsOf(c)}` : `${slashes}${escapeUnitsOf(c)}`,
    );
    edits.push([token.start, token.end, escaped]);
  }
  let out = '';
  let at = 0;
  for (const [start, end, replacement] of edits.sort((a, b) => a[0] - b[0])) {
    out += text.slice(at, start) + replacement;
    at = end;
  }
  out += text.slice(at);
  const left = /[\u0080-\uffff]/.exec(out);
  if (left) {
    const line = out.slice(0, left.index).split('\n').length;
    const shown = out.slice(out.lastIndexOf('\n', left.index) + 1, out.indexOf('\n', left.index)).trim();
    throw new Error(
      `${file}:${line}: a non-ASCII character (${escapeUnitsOf(left[0])}) outside a comment, string or ` +
        `regular expression literal; write it as an escape in src/: ${shown.slice(0, 200)}`,
    );
  }
  return out;
}

/**
 * Bundles src/cli.ts into dist/bundle/ with esbuild: one ES module (and a chunk for each part imported
 * only on demand, e.g. the S3 storage), two levels below the root as dist/'s own files are, so that code
 * finding files relative to itself (package.json, web/dist) finds the same ones. Source maps are linked
 * (`node --enable-source-maps` maps stack traces to src/), names are kept for profiles and traces.
 * Each file is then made ASCII-only (asciiOnly(), with acorn: a dev dependency, as esbuild is).
 * Answers null when esbuild is not installed, else esbuild's (or asciiOnly()'s) errors or ''.
 */
async function bundle(root) {
  if (!installed('esbuild', root)) return null;
  const esbuild = await import(
    pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('esbuild')).href
  );
  const out = path.join(root, `${BUNDLE_DIR}.${process.pid}`);
  fs.rmSync(out, { recursive: true, force: true });
  try {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: { cli: 'src/cli.ts' },
      outdir: out,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      plugins: [packageDirs],
      banner: { js: BANNER },
      keepNames: true,
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
    });
    const acorn = await import(
      pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('acorn')).href
    );
    for (const name of fs.readdirSync(out).filter((f) => f.endsWith('.mjs'))) {
      const file = path.join(out, name);
      const text = fs.readFileSync(file, 'utf8');
      const ascii = asciiOnly(text, acorn, `${BUNDLE_DIR}/${name}`);
      if (ascii !== text) fs.writeFileSync(file, ascii);
    }
  } catch (error) {
    fs.rmSync(out, { recursive: true, force: true });
    return String(error?.message ?? error);
  } finally {
    // esbuild's service process would otherwise live as long as this one: the server, when
    // bin/audenci.js built before starting it.
    await esbuild.stop();
  }
  fs.rmSync(path.join(root, BUNDLE_DIR), { recursive: true, force: true });
  fs.renameSync(out, path.join(root, BUNDLE_DIR));
  return '';
}

/**
 * Compiles src/ into dist/ with tsc (incremental: dist/.tsbuildinfo; `full` drops it first) and writes
 * the stamp when tsc succeeds — or, with `allowTypeErrors`, when it emitted despite type errors (as tsx
 * would run such a source; `typeErrors` counts them). With `ifStale`, does nothing when the stamp matches
 * the sources (another process may have built while this one waited for the lock). Then bundles
 * (bundle()) where esbuild is installed; a bundle that fails leaves dist/cli.js to run (`bundleError`
 * says why). Returns { ok, built, bundled, bundleError, seconds, typeErrors, output }.
 */
export async function build({ root = ROOT, full = false, ifStale = false, allowTypeErrors = false } = {}) {
  return withLock(root, async () => {
    const fingerprint = sourceFingerprint(root);
    if (ifStale && readStamp(root)?.fingerprint === fingerprint && fs.existsSync(path.join(root, ENTRY))) {
      return {
        ok: true,
        built: false,
        bundled: false,
        bundleError: null,
        seconds: 0,
        typeErrors: 0,
        output: '',
      };
    }
    const buildInfo = path.join(root, 'dist/.tsbuildinfo');
    if (full) fs.rmSync(buildInfo, { force: true });
    const tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', buildInfo],
      { cwd: root, encoding: 'utf8' },
    );
    const seconds = (performance.now() - started) / 1000;
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
    // tsc exits 2 when it reported errors but emitted every file. Type errors (TS2xxx, TS4xxx, TS7xxx)
    // leave runnable JavaScript; syntax (TS1xxx) and settings (TS5xxx, TS6xxx) errors do not.
    const codes = [...output.matchAll(/error TS(\d)\d*:/g)].map((m) => m[1]);
    const typeErrors = codes.filter((c) => ['2', '4', '7'].includes(c)).length;
    const ok =
      result.status === 0 ||
      (allowTypeErrors && result.status === 2 && codes.length > 0 && typeErrors === codes.length);
    if (!ok)
      return { ok: false, built: false, bundled: false, bundleError: null, seconds, typeErrors, output };
    // The stamp goes first: a failed bundle leaves a build that runs dist/cli.js.
    fs.rmSync(path.join(root, STAMP), { force: true });
    const bundleError = await bundle(root);
    const bundled = bundleError === '';
    const stamp = path.join(root, STAMP);
    fs.writeFileSync(
      `${stamp}.tmp`,
      `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString(), bundle: bundled ? BUNDLE : null })}\n`,
    );
    fs.renameSync(`${stamp}.tmp`, stamp);
    return {
      ok: true,
      built: true,
      bundled,
      bundleError: bundleError || null,
      seconds: (performance.now() - started) / 1000,
      typeErrors,
      output,
    };
  });
}

/** "12.3 s" */
export const duration = (seconds) => `${seconds.toFixed(1)} s`;

// `node bin/build.mjs`: a full build, tsc's errors on failure.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await build({ full: true });
  process.stderr.write(result.output);
  if (!result.ok) {
    process.stderr.write('build: tsc failed; dist/ is not up to date\n');
    process.exit(1);
  }
  if (result.bundleError) process.stderr.write(`build: ${BUNDLE_FAILED}\n${result.bundleError}\n`);
  const bundled = result.bundled ? `, ${BUNDLE}` : '';
  process.stdout.write(`build: src/ → dist/${bundled} (${duration(result.seconds)})\n`);
}
