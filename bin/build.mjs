// Compiles the server (src/ → dist/, `tsc -p tsconfig.build.json`) and records what it compiled, so that
// bin/audenci.js never runs a dist/ older than src/. `node bin/build.mjs` builds (what `npm run build`
// starts with); bin/audenci.js and `npm install` (scripts/prepare.mjs) build only when src/ changed.
//
// The record, dist/.build-stamp.json, holds a fingerprint of the sources taken when the build started:
// every src/**/*.ts but the tests, and the two tsconfig files, by path, size and modification time. Any
// edit, added, removed or renamed file, or checkout changes it; a file saved while tsc runs leaves the
// stamp behind it, so the next start builds again. Taking it stats ~330 files: a few milliseconds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = 'dist/.build-stamp.json';
const LOCK = 'dist/.build-lock';
const ENTRY = 'dist/cli.js';
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

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
 * Compiles src/ into dist/ with tsc (incremental: dist/.tsbuildinfo; `full` drops it first) and writes
 * the stamp when tsc succeeds — or, with `allowTypeErrors`, when it emitted despite type errors (as tsx
 * would run such a source; `typeErrors` counts them). With `ifStale`, does nothing when the stamp matches
 * the sources (another process may have built while this one waited for the lock).
 * Returns { ok, built, seconds, typeErrors, output }.
 */
export async function build({ root = ROOT, full = false, ifStale = false, allowTypeErrors = false } = {}) {
  return withLock(root, () => {
    const fingerprint = sourceFingerprint(root);
    if (ifStale && readStamp(root)?.fingerprint === fingerprint && fs.existsSync(path.join(root, ENTRY))) {
      return { ok: true, built: false, seconds: 0, typeErrors: 0, output: '' };
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
    if (!ok) return { ok: false, built: false, seconds, typeErrors, output };
    const stamp = path.join(root, STAMP);
    fs.writeFileSync(
      `${stamp}.tmp`,
      `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`,
    );
    fs.renameSync(`${stamp}.tmp`, stamp);
    return { ok: true, built: true, seconds, typeErrors, output };
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
  process.stdout.write(`build: src/ → dist/ (${duration(result.seconds)})\n`);
}
