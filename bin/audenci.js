#!/usr/bin/env node
// The `audenci` command: runs the compiled CLI when the project is built, the TypeScript source otherwise.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let entry = `${root}dist/cli.js`;
if (!existsSync(entry)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = `${root}src/cli.ts`;
}
const { main } = await import(pathToFileURL(entry).href);
process.exit(await main(process.argv.slice(2)));
