import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { openSqlite } from './dialects/sqlite.js';
import { migrateToLatest } from './migrate.js';

/**
 * The tenant scope check: every query on a tenant table (one with `organization_id` and `environment`)
 * in src/ starts from `scoped(db, tenant)` or from `unscoped(db, 'reason')` of `db/tenant.ts`. A query
 * written on the bare database could forget the filter and show one organization's rows to another.
 */

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERBS = /\b(selectFrom|updateTable|deleteFrom|insertInto|replaceInto|mergeInto)\(\s*/g;

/** The tenant tables, as the migrations make them. */
async function tenantTables(): Promise<Set<string>> {
  const handle = openSqlite(':memory:');
  try {
    await migrateToLatest(handle.db);
    const tables = await handle.db.introspection.getTables();
    const names = tables
      .filter((t) => ['organization_id', 'environment'].every((c) => t.columns.some((col) => col.name === c)))
      .map((t) => t.name);
    return new Set(names);
  } finally {
    await handle.destroy();
  }
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Index of the `(` matching the `)` at `close`, or -1. Strings and comments are not parsed: not needed. */
function openingParen(text: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

/** Whether the statement at `at` (the verb's name) is called on `scoped(…)` or `unscoped(…, reason)`. */
function hasScope(text: string, at: number): boolean {
  const before = text.slice(0, at).replace(/(\s|\/\/[^\n]*\n)*$/, '');
  if (!before.endsWith('.')) return false;
  const receiver = before.slice(0, -1).replace(/\s*$/, '');
  if (!receiver.endsWith(')')) return false;
  const open = openingParen(receiver, receiver.length - 1);
  const callee = /([A-Za-z_$][\w$]*)\s*$/.exec(receiver.slice(0, open))?.[1];
  if (callee === 'scoped') return true;
  // The reason: a non-empty string, or a constant holding one (the type asks for a string).
  return callee === 'unscoped' && /,\s*((['"`])\S[^]*\2|[A-Z][A-Z0-9_]*)\s*\)$/.test(receiver.slice(open));
}

/** `file:line verb(table)` for each query on a tenant table without its scope. */
export function bypasses(file: string, text: string, tables: Set<string>): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(VERBS)) {
    const arg = text.slice(match.index + match[0].length);
    const literal = /^(['"`])(\w+)/.exec(arg);
    // A table named by a variable may be a tenant table: it needs a scope too.
    const table = literal?.[2] ?? arg.slice(0, arg.search(/[),]/));
    if (literal && !tables.has(table)) continue;
    if (hasScope(text, match.index)) continue;
    const line = text.slice(0, match.index).split('\n').length;
    found.push(`${file}:${line} ${match[1]}(${table})`);
  }
  return found;
}

describe('tenant scope', () => {
  it('every query on a tenant table in src/ starts from scoped() or unscoped(reason)', async () => {
    const tables = await tenantTables();
    assert.ok(
      tables.has('posts') && tables.has('api_keys'),
      `tenant tables found: ${[...tables].join(', ')}`,
    );
    assert.ok(!tables.has('organizations'), 'organizations is no tenant table');
    const found = sourceFiles(SRC)
      .filter((file) => !file.endsWith(path.join('db', 'tenant.ts')))
      .flatMap((file) => bypasses(path.relative(SRC, file), fs.readFileSync(file, 'utf8'), tables));
    assert.deepEqual(found, [], 'queries on tenant tables outside db/tenant.ts scoped() / unscoped()');
  });

  it('finds a bypass, and accepts the two scopes', () => {
    const tables = new Set(['posts']);
    const check = (text: string) => bypasses('x.ts', text, tables);
    assert.deepEqual(check("return db\n  .selectFrom('posts')\n  .selectAll();"), [
      'x.ts:2 selectFrom(posts)',
    ]);
    assert.deepEqual(check('await trx.deleteFrom(table).execute();'), ['x.ts:1 deleteFrom(table)']);
    assert.deepEqual(check("exists(selectFrom('posts').select('id'))"), ['x.ts:1 selectFrom(posts)']);
    assert.deepEqual(check("unscoped(db, '').updateTable('posts')"), ['x.ts:1 updateTable(posts)']);
    assert.deepEqual(check("db.selectFrom('organizations')"), []);
    assert.deepEqual(check("scoped(db, tenant)\n  .selectFrom('posts')"), []);
    assert.deepEqual(
      check("scoped(ctx.db, { organizationId: o, environment: e }).insertInto('posts', row)"),
      [],
    );
    assert.deepEqual(
      check("unscoped(db, 'the worker claims any tenant’s job')\n  .updateTable('posts')"),
      [],
    );
  });
});
