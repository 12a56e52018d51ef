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
}

const STALE_PLAN = new Set(['0A000', '26000']);

/** Makes `client` send repeated data statements as named statements (see above). */
export function prepareRepeatedStatements(client: pg.Client): void {
  const state: Prepared = { seen: new Set(), named: new Map(), poisoned: new Set() };
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    // Only the promise form with a text (Kysely's); pg-pool's callbacks and config objects pass through.
    if (typeof text !== 'string' || args.length > 2 || (values !== undefined && !Array.isArray(values))) {
      return query(...args);
    }
    const name = nameFor(state, text);
    if (name === undefined) return query(...args);
    return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !STALE_PLAN.has(code)) throw error;
      state.named.delete(text);
      state.poisoned.add(text);
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
