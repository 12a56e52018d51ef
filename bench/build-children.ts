/**
 * The bench's child processes as plain JavaScript: each entry (the server child, the worker child) and
 * everything it imports from `src/` and `bench/` bundled into one ES module under `bench/.build/`,
 * packages left to `node_modules` as in production. The children then run on plain `node`, as
 * `npm start` does: under `node --import tsx`, tsx's loader thread alone adds ~50 MB to a process's
 * RSS and its hooks sit in every import, which is not what a deployment pays.
 *
 * The bundles sit two levels below the repository, as `dist/` files do below it, so that code finding
 * files relative to its own module (`package.json` for the version, `web/dist`) finds the same ones.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = path.join(ROOT, 'bench', '.build');

/**
 * Bundles `entries` (paths under bench/) and answers each bundle's path, in order. What an entry imports
 * dynamically goes in chunks of its own, loaded only when imported (the baseline and reference children
 * never load Audenci's code, as before).
 */
export async function buildChildren(entries: string[]): Promise<string[]> {
  await build({
    entryPoints: entries,
    outdir: BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Function names stay as written, so that CPU profiles name them.
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'error',
  });
  return entries.map((entry) => path.join(BUILD_DIR, `${path.basename(entry, '.ts')}.mjs`));
}
