import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES, loadConfig } from './index.js';

/**
 * The configuration table of docs/operations.md is the reference operators read: it names every variable
 * `loadConfig` reads, gives each a default, and every default written as a literal is the one the code
 * uses (setting the variable to it changes nothing).
 */

const OPERATIONS = path.resolve(fileURLToPath(import.meta.url), '../../../docs/operations.md');

interface Row {
  variables: string[];
  /** One cell part per variable (or one for all of them). */
  defaults: string[];
}

function configurationTable(markdown: string): Row[] {
  const section = /^## Configuration\n([\s\S]*?)^## /m.exec(markdown)?.[1];
  assert.ok(section, 'docs/operations.md has a Configuration section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // the header and its rule
    .map((line) => line.split('|').map((cell) => cell.trim()));
  return rows.map(([, names = '', defaults = '']) => ({
    variables: [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!),
    // Parts are separated by ", " outside parentheses (a part may explain itself in them).
    defaults: defaults.split(/,\s(?![^(]*\))/).map((part) => part.trim()),
  }));
}

/** A part that is exactly one literal (and perhaps an explanation in parentheses): the literal. */
function literal(part: string): string | undefined {
  const m = /^`([^`$]+)`(?:\s*\([^)]*\))?$/.exec(part);
  return m?.[1];
}

const rows = configurationTable(fs.readFileSync(OPERATIONS, 'utf8'));

describe('the configuration table of docs/operations.md', () => {
  it('names every variable the configuration reads, once', () => {
    const named = rows.flatMap((r) => r.variables);
    const missing = CONFIG_VARIABLES.filter((v) => !named.includes(v));
    assert.deepEqual(missing, [], 'variables without a row');
    const twice = named.filter((v, i) => named.indexOf(v) !== i);
    assert.deepEqual(twice, [], 'variables with two rows');
    const unknown = named.filter((v) => !(CONFIG_VARIABLES as readonly string[]).includes(v));
    assert.deepEqual(unknown, [], 'rows for variables the configuration does not read');
  });

  it('gives every variable a default, pointing at nothing outside the repository', () => {
    for (const row of rows) {
      const label = row.variables.join(', ');
      assert.ok(row.variables.length > 0, 'every row names its variables in backticks');
      assert.ok(
        row.defaults.length === row.variables.length || row.defaults.length === 1,
        `${label}: one default per variable, or one for all (got ${row.defaults.length})`,
      );
      for (const part of row.defaults) {
        assert.ok(part !== '', `${label}: a default`);
        assert.doesNotMatch(part, /\bsee\b|CONTRACT|STYLE/i, `${label}: the default itself`);
      }
    }
  });

  it('documents the defaults the code uses', () => {
    const base = { AUDENCI_DATA_DIR: path.resolve('./data') };
    const s3 = { ...base, AUDENCI_MEDIA_STORAGE: 's3', S3_BUCKET: 'audenci-media' };
    let checked = 0;
    for (const row of rows) {
      row.variables.forEach((variable, i) => {
        const part = row.defaults.length === 1 ? row.defaults[0]! : row.defaults[i]!;
        const value = literal(part);
        if (value === undefined) return;
        // S3 settings are read only when S3 storage is selected.
        const env = variable.startsWith('S3_') ? s3 : base;
        assert.deepEqual(
          loadConfig({ ...env, [variable]: value }),
          loadConfig(env),
          `${variable}=${value} (the documented default) is what an unset ${variable} gives`,
        );
        checked++;
      });
    }
    // Most defaults are literals: a table that lost them would pass the loop above with nothing checked.
    assert.ok(checked >= 40, `${checked} literal defaults checked`);
  });
});
