import { createQueryId, SelectQueryNode, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * A database's synchronous reads, where its driver has them (SQLite): the rows of a statement run at
 * once, or undefined when the read must wait its turn through Kysely (a transaction or a unit of work is
 * in progress: the read must see what they see, or wait for them).
 */
export interface DirectReads {
  all(sql: string, parameters: readonly unknown[]): unknown[] | undefined;
}

/** By database (the root Kysely instance only: a transaction is another instance and never has them). */
const directReads = new WeakMap<object, DirectReads>();

/** Lets `compiledOnce` reads on `db` run through `reads` (the SQLite dialect does, when it opens `db`). */
export function allowDirectReads(db: Kysely<Database>, reads: DirectReads): void {
  directReads.set(db, reads);
}

/**
 * A query whose SQL is compiled once per dialect and then run with new values: building a Kysely query
 * and compiling it to SQL cost more than a primary-key lookup itself, on every request.
 *
 * `build` makes the query from its values; it is called once per dialect with placeholder values, and
 * each value must be used as a bound value (`= ?`), never as an identifier, a list's length or in a
 * branch of `build` — then the SQL cannot depend on the values, and the compiled query is the one
 * `build` would make with them (checked when it is compiled: each placeholder appears as a parameter).
 * The query runs through `db.executeQuery`, so a transaction, the unit of work and Kysely's plugins see
 * it as any other — except a plain `SELECT` on a database with direct reads (SQLite, see
 * `allowDirectReads`) while no transaction or unit of work is in progress, which runs its prepared
 * statement at once (no plugin is installed on Audenci's databases).
 */
export function compiledOnce<P extends readonly string[], R>(
  build: (db: Kysely<Database>, ...values: P) => Compilable<R>,
): (db: Kysely<Database>, ...values: P) => Promise<R[]> {
  /** By the dialect's adapter (shared by a database and its transactions): the SQL and where values go. */
  const compiled = new WeakMap<
    object,
    { query: CompiledQuery<R>; slots: (number | { constant: unknown })[]; plainSelect: boolean }
  >();
  return async (db, ...values) => {
    const adapter = db.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (!entry) {
      const placeholders = values.map((_, i) => `\u0000compiled-once:${i}\u0000`) as unknown as P;
      const query = build(db, ...placeholders).compile();
      const slots = query.parameters.map((parameter) => {
        const at = (placeholders as readonly string[]).indexOf(parameter as string);
        return at >= 0 ? at : { constant: parameter };
      });
      for (let i = 0; i < values.length; i++) {
        if (!slots.includes(i))
          throw new Error(`compiledOnce: value ${i} is not a bound parameter of the query`);
      }
      // A SELECT without a WITH (which could write): what a direct read may run.
      const plainSelect = SelectQueryNode.is(query.query) && query.query.with === undefined;
      entry = { query, slots, plainSelect };
      compiled.set(adapter, entry);
    }
    const { query, slots, plainSelect } = entry;
    const parameters = slots.map((slot) => (typeof slot === 'number' ? values[slot] : slot.constant));
    // SQLite: the prepared statement at once, without Kysely's executor (its connection lock's promise,
    // the driver's and plugins' passes: ~6 µs of a ~10 µs primary-key read), when nothing is in progress.
    const direct = plainSelect ? directReads.get(db) : undefined;
    if (direct) {
      const rows = direct.all(query.sql, parameters);
      if (rows !== undefined) return rows as R[];
    }
    const result = await db.executeQuery<R>({
      query: query.query,
      sql: query.sql,
      parameters,
      queryId: createQueryId(),
    });
    return result.rows;
  };
}
