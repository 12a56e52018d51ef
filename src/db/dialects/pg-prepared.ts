import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Named (server-side prepared) statements for the queries a connection keeps sending: PostgreSQL then
 * parses and plans such a query once per connection instead of on every execution, which is a large
 * share of a primary-key lookup's cost on the server.
 *
 * Kysely sends `client.query(text, values)`. A data statement (SELECT, INSERT, UPDATE, DELETE, WITH) whose
 * exact text this connection has already sent once is sent as a named statement from its second use
 * on; DDL and one-off texts never are. Each connection names at most `PREPARED_PER_CONNECTION` texts, so
 * the server's memory for them is bounded (texts past the bound run as before). A statement whose cached
 * plan no longer fits (a migration changed a table it reads: SQLSTATE 0A000, or the server lost it:
 * 26000) is run again unnamed and never named again on that connection — no answer changes.
 *
 * Off (`AUDENCI_DB_PREPARED_STATEMENTS=false`) behind a pooler in transaction mode (PgBouncer before
 * 1.21), where a connection's statements do not follow its client.
 */
export const PREPARED_PER_CONNECTION = 256;

const DATA_STATEMENT = /^\s*(select|insert|update|delete|with)\b/i;

/** A statement name from its text: the same on every connection, never clashing in practice. */
function nameOf(text: string): string {
  return `a_${createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
}

interface Prepared {
  /** Texts sent once, not named yet (bounded like the named ones). */
  seen: Set<string>;
  /** Named texts and their names. */
  named: Map<string, string>;
  /** Texts whose named statement failed: always unnamed from now on. */
  poisoned: Set<string>;
  /** The rows a named statement last answered, by its name (see `describedQuery`). */
  described: Map<string, Description>;
}

/** A row description as pg's parser gives it (the fields this code reads). */
interface Field {
  name: string;
  dataTypeID: number;
  format: string;
}

/**
 * What reading the rows of a row description takes: the column names and each column's value parser,
 * worked out once per named statement instead of on every execution.
 */
interface Description {
  fields: readonly Field[];
  names: string[];
  parsers: ((raw: string) => unknown)[];
}

function sameFields(a: readonly Field[], b: readonly Field[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.dataTypeID !== y.dataTypeID || x.format !== y.format) return false;
  }
  return true;
}

/** pg's result as this code uses it (the methods pg's query calls, and the types pg's client sets). */
interface PgResult {
  fields: readonly Field[];
  _types?: { getTypeParser(oid: number, format: string): (raw: string) => unknown };
  addFields(fields: readonly Field[]): void;
  parseRow(raw: (string | null)[]): Record<string, unknown>;
}
type PgResultClass = new (rowMode: unknown, types: unknown) => PgResult;
type PgQueryClass = new (
  text: string,
  values?: unknown[],
) => {
  name?: string;
  callback?: (error: Error | null, result: unknown) => void;
  _result: PgResult;
  _results: unknown;
};

/**
 * The query pg sends for a named statement, reading its rows with the statement's last row description
 * when the server describes them alike (the same names, types and formats, compared field by field):
 * the parsers are not looked up again and each row is built directly. Another description (the table
 * changed) is worked out anew and kept. Text-format rows in object mode only (Kysely's): binary fields
 * are read by pg's own code.
 */
function describedQuery(pg: { Query: unknown; Result: unknown }, described: Map<string, Description>) {
  const Result = pg.Result as PgResultClass;
  class DescribedResult extends Result {
    private description: Description | undefined;

    constructor(private readonly statement: string) {
      super(undefined, undefined);
    }

    override addFields(fields: readonly Field[]): void {
      const known = described.get(this.statement);
      if (known && sameFields(known.fields, fields)) {
        this.fields = fields;
        this.description = known;
        return;
      }
      this.description = undefined;
      super.addFields(fields);
      if (fields.some((field) => field.format === 'binary') || !this._types) return;
      const types = this._types;
      this.description = {
        fields,
        names: fields.map((field) => field.name),
        parsers: fields.map((field) => types.getTypeParser(field.dataTypeID, field.format || 'text')),
      };
      described.set(this.statement, this.description);
    }

    override parseRow(raw: (string | null)[]): Record<string, unknown> {
      const description = this.description;
      if (!description) return super.parseRow(raw);
      const { names, parsers } = description;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const value = raw[i];
        row[names[i]!] = value === null || value === undefined ? null : parsers[i]!(value);
      }
      return row;
    }
  }
  const Query = pg.Query as PgQueryClass;
  return (name: string, text: string, values: unknown[] | undefined) => {
    const query = new Query(text, values);
    query.name = name;
    query._result = new DescribedResult(name);
    query._results = query._result;
    const done = new Promise((resolve, reject) => {
      query.callback = (error, result) => (error ? reject(error) : resolve(result));
    });
    return { query, done };
  };
}

const STALE_PLAN = new Set(['0A000', '26000']);

/**
 * Makes `client` send repeated data statements as named statements (see above). `pg` is the driver's
 * module (its `Query` and `Result`).
 */
export function prepareRepeatedStatements(
  client: pg.Client,
  pgModule: { Query: unknown; Result: unknown },
): void {
  const state: Prepared = { seen: new Set(), named: new Map(), poisoned: new Set(), described: new Map() };
  const namedQuery = describedQuery(pgModule, state.described);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    // Only the promise form with a text (Kysely's); pg-pool's callbacks and config objects pass through.
    if (typeof text !== 'string' || args.length > 2 || (values !== undefined && !Array.isArray(values))) {
      return query(...args);
    }
    const name = nameFor(state, text);
    if (name === undefined) return query(...args);
    const named = namedQuery(name, text, values as unknown[] | undefined);
    query(named.query);
    return named.done.catch((error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !STALE_PLAN.has(code)) throw error;
      state.named.delete(text);
      state.poisoned.add(text);
      state.described.delete(name);
      return query(text, values);
    });
  };
}

function nameFor(state: Prepared, text: string): string | undefined {
  const known = state.named.get(text);
  if (known !== undefined) return known;
  if (state.poisoned.has(text) || !DATA_STATEMENT.test(text)) return undefined;
  if (!state.seen.has(text)) {
    if (state.seen.size < PREPARED_PER_CONNECTION) state.seen.add(text);
    return undefined;
  }
  // A poisoned statement stays prepared on the server: it counts against the bound too.
  if (state.named.size + state.poisoned.size >= PREPARED_PER_CONNECTION) return undefined;
  state.seen.delete(text);
  const name = nameOf(text);
  state.named.set(text, name);
  return name;
}
