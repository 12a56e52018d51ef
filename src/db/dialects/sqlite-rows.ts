import type SQLite from 'better-sqlite3';
import type { SqliteStatement } from 'kysely';

/*
 * Rows as ordinary objects. better-sqlite3 makes each row object by adding its columns one at a time
 * through V8's API; past a dozen or so columns V8 gives such an object dictionary properties, which are
 * larger to allocate and slower to read (a `posts` row has 24 columns: 21 of them read as a page of the
 * list and used took ~275 µs, against ~160 µs made as below, under the server's 2 MB young generation).
 * Here a statement that returns rows hands them over as arrays (`raw` mode) and a function written for
 * its columns (`{ "id": v[0], "caption": v[1], … }`) makes each an object literal: one shape for every
 * row of the statement, its properties in-object, as any object the code builds itself.
 *
 * The objects are what better-sqlite3 would have made: the same own properties, in the same order, with
 * the same values. A statement whose columns could not be written so (two columns of one name, or a
 * column named `__proto__`, which an object literal would take as the prototype) keeps better-sqlite3's
 * own objects.
 *
 * A statement's columns are read when it is prepared. SQLite prepares a statement again when the schema
 * changes under it, and `select *` then returns the table's new columns: a row of another length than
 * the function was written for makes it written again from the statement's columns (added or dropped
 * columns), and a schema change made through this connection (CREATE, ALTER, DROP) forgets every cached
 * statement (sqlite.ts). A schema change by another process that keeps a table's number of columns while
 * it renames or reorders them would go unnoticed until a restart: Audenci migrates before it serves, and
 * one process owns an SQLite database.
 */

type Maker = (values: readonly unknown[]) => Record<string, unknown>;

/** The function making a row object from its column values, or undefined when none can be written. */
export function rowMaker(columns: readonly string[]): Maker | undefined {
  if (new Set(columns).size !== columns.length || columns.includes('__proto__')) return undefined;
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ');
  // Code written from column names only, each a JSON string literal: nothing else reaches the source.
  return new Function('v', `return { ${fields} };`) as Maker;
}

/** A row made property by property (the later of two columns of one name wins, as in better-sqlite3). */
function plainRow(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    Object.defineProperty(row, names[i]!, {
      value: values[i],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return row;
}

const columnNames = (statement: SQLite.Statement) => statement.columns().map((column) => column.name);

/**
 * A prepared statement as Kysely's SQLite driver uses it (`reader`, `all`, `run`, `iterate`), its rows
 * made by `rowMaker` when it returns rows and its columns allow it; any other statement as it is.
 */
export function shapedStatement(statement: SQLite.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  const columns = columnNames(statement);
  const first = rowMaker(columns);
  if (!first) return statement;
  let make: Maker = first;
  let arity = columns.length;
  statement.raw(true);
  const shape = (values: unknown[]) => {
    if (values.length !== arity) {
      // Prepared again by SQLite after a schema change: other columns.
      const names = columnNames(statement);
      make = rowMaker(names) ?? ((row) => plainRow(names, row));
      arity = names.length;
    }
    return make(values);
  };
  return {
    reader: true,
    all(parameters) {
      const rows = statement.all(parameters) as unknown[][];
      const out = new Array<Record<string, unknown>>(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = shape(rows[i]!);
      return out;
    },
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield shape(values);
    },
  };
}
