import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * A query whose SQL is compiled once per dialect and then run with new values: building a Kysely query
 * and compiling it to SQL cost more than a primary-key lookup itself, on every request.
 *
 * `build` makes the query from its values; it is called once per dialect with placeholder values, and
 * each value must be used as a bound value (`= ?`), never as an identifier, a list's length or in a
 * branch of `build` — then the SQL cannot depend on the values, and the compiled query is the one
 * `build` would make with them (checked when it is compiled: each placeholder appears as a parameter).
 * The query runs through `db.executeQuery`, so a transaction, the unit of work and Kysely's plugins see
 * it as any other.
 */
export function compiledOnce<P extends readonly string[], R>(
  build: (db: Kysely<Database>, ...values: P) => Compilable<R>,
): (db: Kysely<Database>, ...values: P) => Promise<R[]> {
  /** By the dialect's adapter (shared by a database and its transactions): the SQL and where values go. */
  const compiled = new WeakMap<
    object,
    { query: CompiledQuery<R>; slots: (number | { constant: unknown })[] }
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
      entry = { query, slots };
      compiled.set(adapter, entry);
    }
    const { query, slots } = entry;
    const parameters = slots.map((slot) => (typeof slot === 'number' ? values[slot] : slot.constant));
    const result = await db.executeQuery<R>({
      query: query.query,
      sql: query.sql,
      parameters,
      queryId: createQueryId(),
    });
    return result.rows;
  };
}
