import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openSqlite } from './sqlite.js';
import { rowMaker, shapedStatement } from './sqlite-rows.js';

// `%HasFastProperties` in functions compiled from here on: whether V8 keeps an object's properties
// in-object (fast) or in a dictionary.
v8.setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

/** A table as wide as `posts`, with every kind of value SQLite returns. */
const COLUMNS = Array.from({ length: 24 }, (_, i) => `c${i}`);
const CREATE = `create table wide (${COLUMNS.map((c, i) => `${c} ${i % 4 === 0 ? 'integer' : i % 4 === 1 ? 'real' : i % 4 === 2 ? 'text' : 'blob'}`).join(', ')})`;
const value = (row: number, column: number) =>
  (row + column) % 5 === 0
    ? null
    : column % 4 === 0
      ? row * 1000 + column
      : column % 4 === 1
        ? row + column / 8
        : column % 4 === 2
          ? `text ${row}:${column} é ✓`
          : Buffer.from([row, column]);

function fill(db: SQLite.Database, rows = 5) {
  db.exec(CREATE);
  const insert = db.prepare(`insert into wide values (${COLUMNS.map(() => '?').join(', ')})`);
  for (let r = 0; r < rows; r++) insert.run(COLUMNS.map((_, c) => value(r, c)));
}

const dirs: string[] = [];
after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
function tempFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-sqlite-rows-'));
  dirs.push(dir);
  return path.join(dir, 'rows.db');
}

describe('SQLite rows made as objects of one shape', () => {
  it('gives the rows better-sqlite3 gives: same keys in the same order, same values', () => {
    const db = new SQLite(':memory:');
    fill(db);
    const text = 'select * from wide order by c0';
    const expected = db.prepare(text).all([]);
    const rows = shapedStatement(db.prepare(text)).all([]);
    assert.equal(rows.length, 5);
    assert.deepStrictEqual(rows, expected);
    for (let i = 0; i < rows.length; i++) {
      assert.deepStrictEqual(Object.keys(rows[i] as object), Object.keys(expected[i] as object));
    }
    assert.deepStrictEqual([...shapedStatement(db.prepare(text)).iterate([])], expected);
    db.close();
  });

  it("makes rows V8 keeps with fast properties, where better-sqlite3's own are dictionaries", () => {
    const db = new SQLite(':memory:');
    fill(db);
    const text = 'select * from wide';
    const own = db.prepare(text).all([]) as object[];
    // What this module is for: without it, a 24-column row is a dictionary-mode object.
    assert.equal(hasFastProperties(own[0]!), false);
    const rows = shapedStatement(db.prepare(text)).all([]) as object[];
    assert.ok(rows.every((row) => hasFastProperties(row)));
    db.close();
  });

  it('keeps better-sqlite3 rows where an object literal could not say the same', () => {
    assert.equal(rowMaker(['a', 'a']), undefined);
    assert.equal(rowMaker(['__proto__']), undefined);
    assert.equal(typeof rowMaker(['a', 'b"c', '\\', 'constructor']), 'function');
    const db = new SQLite(':memory:');
    for (const text of [
      'select 1 as a, 2 as a',
      'select 1 as "__proto__", 2 as b',
      `select 1 as "b""c", 2 as "\\", 3 as "constructor", 4 as "}; throw 1; ({"`,
    ]) {
      assert.deepStrictEqual(shapedStatement(db.prepare(text)).all([]), db.prepare(text).all([]), text);
    }
    db.close();
  });

  it('leaves statements that return no rows alone, and binds parameters as given', () => {
    const db = new SQLite(':memory:');
    fill(db, 0);
    const insert = shapedStatement(db.prepare('insert into wide (c0, c2) values (?, ?)'));
    assert.equal(insert.reader, false);
    assert.equal(insert.run([7, 'seven']).changes, 1);
    const returning = shapedStatement(db.prepare('insert into wide (c0, c2) values (?, ?) returning c0, c2'));
    assert.equal(returning.reader, true);
    assert.deepStrictEqual(returning.all([8, 'eight']), [{ c0: 8, c2: 'eight' }]);
    const select = shapedStatement(db.prepare('select c0, c2 from wide where c0 > ? order by c0'));
    assert.deepStrictEqual(select.all([7]), [{ c0: 8, c2: 'eight' }]);
    assert.deepStrictEqual(select.all([0]), [
      { c0: 7, c2: 'seven' },
      { c0: 8, c2: 'eight' },
    ]);
    db.close();
  });

  it('follows a schema change made through the connection (the statement cache is emptied)', async () => {
    const handle = openSqlite(':memory:');
    try {
      await sql.raw('create table t (a integer, b text)').execute(handle.db);
      await sql`insert into t values (1, 'one')`.execute(handle.db);
      const read = () => sql<Record<string, unknown>>`select * from t`.execute(handle.db);
      assert.deepStrictEqual((await read()).rows, [{ a: 1, b: 'one' }]);
      await sql.raw("alter table t add column c text default 'x'").execute(handle.db);
      assert.deepStrictEqual((await read()).rows, [{ a: 1, b: 'one', c: 'x' }]);
      await sql.raw('alter table t drop column b').execute(handle.db);
      assert.deepStrictEqual((await read()).rows, [{ a: 1, c: 'x' }]);
      // As many columns as before, another name: only the emptied cache tells.
      await sql.raw('alter table t drop column c').execute(handle.db);
      await sql.raw("alter table t add column d text default 'y'").execute(handle.db);
      assert.deepStrictEqual((await read()).rows, [{ a: 1, d: 'y' }]);
    } finally {
      await handle.destroy();
    }
  });

  it('follows a schema change made by another connection (a row of another length)', async () => {
    const file = tempFile();
    const handle = openSqlite(file);
    const other = new SQLite(file);
    try {
      await sql.raw('create table t (a integer, b text)').execute(handle.db);
      await sql`insert into t values (1, 'one')`.execute(handle.db);
      const read = () => sql<Record<string, unknown>>`select * from t`.execute(handle.db);
      assert.deepStrictEqual((await read()).rows, [{ a: 1, b: 'one' }]);
      other.exec("alter table t add column c text default 'x'");
      const rows = (await read()).rows;
      assert.deepStrictEqual(rows, [{ a: 1, b: 'one', c: 'x' }]);
      assert.ok(hasFastProperties(rows[0]!));
      other.exec('alter table t drop column a');
      assert.deepStrictEqual((await read()).rows, [{ b: 'one', c: 'x' }]);
    } finally {
      other.close();
      await handle.destroy();
    }
  });
});
