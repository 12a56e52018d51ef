#!/usr/bin/env node
// The web app's initial JavaScript (the entry chunk and every chunk it imports statically, i.e. what a
// first visit downloads before anything renders), gzipped, against its budget. Reads the manifest Vite
// writes (web/dist/.vite/manifest.json); run after `npm run build`. Exits 1 over budget, when a page
// that a route loads with `lazyRouteComponent` ended up in the initial JavaScript anyway (a static import
// somewhere pulled it in), and when index.html holds an inline script or style (the server's
// Content-Security-Policy would refuse it).
//   node scripts/bundle-budget.mjs [budget KB, default 250]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = process.env.BUNDLE_DIST ?? path.join('web', 'dist');
const MANIFEST = path.join(DIST, '.vite', 'manifest.json');
const budgetKb = Number(process.argv[2] ?? 250);

if (!existsSync(MANIFEST)) {
  console.error(`bundle-budget: ${MANIFEST} is missing; run \`npm run build\` first`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));

// Static imports only: dynamic imports load later, on demand.
const initial = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const imported of chunk.imports ?? []) visit(imported);
};
const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry);
if (entries.length === 0) {
  console.error('bundle-budget: the manifest names no entry chunk');
  process.exit(1);
}
entries.forEach(visit);

const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
const inline = [
  ...[...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((tag) => !/\ssrc=/.test(tag)),
  ...(/<style\b/.test(html) ? ['<style>'] : []),
  ...(/\sstyle=/.test(html) ? ['style="…"'] : []),
];
if (inline.length > 0) {
  console.error(`bundle-budget: FAIL: index.html has inline code the CSP refuses: ${inline.join(', ')}`);
  process.exit(1);
}

// Every page a route loads lazily must be a chunk of its own, outside the initial JavaScript.
const sourceFiles = (dir) =>
  readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(entry) ? [full] : [];
  });
const lazyPages = new Set();
for (const file of sourceFiles(path.join('web', 'src'))) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/lazyRouteComponent\(\s*\(\)\s*=>\s*import\(\s*'([^']+)'\s*\)/g)) {
    const target = path.join(path.dirname(file), match[1]);
    const withExt = ['.tsx', '.ts'].map((ext) => target + ext).find((candidate) => existsSync(candidate));
    lazyPages.add(
      path
        .relative('web', withExt ?? target)
        .split(path.sep)
        .join('/'),
    );
  }
}
const eager = [...lazyPages].filter((page) => {
  const chunk = manifest[page];
  return !chunk || !chunk.isDynamicEntry || initial.has(chunk.file);
});
if (eager.length > 0) {
  console.error(
    `bundle-budget: FAIL: pages meant to load on first visit are not lazy chunks: ${eager.join(', ')}`,
  );
  process.exit(1);
}
console.log(`bundle-budget: ${lazyPages.size} pages load on first visit, each its own chunk`);

let total = 0;
for (const file of [...initial].sort()) {
  const bytes = gzipSync(readFileSync(path.join(DIST, file)), { level: 9 }).length;
  total += bytes;
  console.log(`  ${file}  ${(bytes / 1024).toFixed(1)} KB gzip`);
}
const kb = total / 1024;
console.log(`bundle-budget: initial JavaScript ${kb.toFixed(1)} KB gzip (budget ${budgetKb} KB)`);
if (kb > budgetKb) {
  console.error(`bundle-budget: FAIL: ${(kb - budgetKb).toFixed(1)} KB over budget`);
  process.exit(1);
}
