#!/usr/bin/env node
// After `typedoc` (`npm run docs`): fails when a page of the API reference exceeds the budget, so that
// the reference stays browsable (it once documented the generated OpenAPI tables: one page of 15.8 MB).
// Prints the largest pages and the total.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_BYTES = 1024 * 1024;
const docs = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'docs');

function pages(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return pages(full);
    return entry.name.endsWith('.html')
      ? [{ file: path.relative(docs, full), size: fs.statSync(full).size }]
      : [];
  });
}

const all = pages(docs).sort((a, b) => b.size - a.size);
const total = all.reduce((sum, page) => sum + page.size, 0);
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
process.stdout.write(`API reference: ${all.length} pages, ${kb(total)} in all; the largest:\n`);
for (const page of all.slice(0, 5)) process.stdout.write(`  ${kb(page.size).padStart(8)}  ${page.file}\n`);
const over = all.filter((page) => page.size > BUDGET_BYTES);
if (over.length > 0) {
  process.stderr.write(`Pages over the ${kb(BUDGET_BYTES)} budget: ${over.map((p) => p.file).join(', ')}\n`);
  process.exit(1);
}
