import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: src/shared (or dist/shared once built) is two levels below it. */
const root = fileURLToPath(new URL('../..', import.meta.url));

function readText(name: string): string {
  return readFileSync(`${root}/${name}`, 'utf8');
}

/** The package version: the API document's `info.version`. */
export const VERSION: string = (JSON.parse(readText('package.json')) as { version: string }).version;
/** Served at `/changelog`; deprecation `Link` headers point there. */
export const CHANGELOG: string = readText('CHANGELOG.md');
