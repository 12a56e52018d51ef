import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { UnitOfWork } from '../unit-of-work.js';

/**
 * What the rest of the code may ask about the database it runs on. Nothing outside `db/dialects` asks
 * for the dialect's name to branch on it; it asks for a capability.
 */
export interface DialectCapabilities {
  /** Human-readable name, for logs, `/readyz` and tests — never for branching. */
  readonly name: 'sqlite' | 'postgres';
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available (several workers may claim jobs concurrently). */
  readonly supportsSkipLocked: boolean;
  /** `LISTEN/NOTIFY` (or equivalent) can wake workers faster than polling. */
  readonly supportsNotify: boolean;
  /** Only one connection writes at a time (SQLite): the worker runs in-process. */
  readonly singleWriter: boolean;
  /**
   * Data-modifying statements in `WITH` (PostgreSQL): several writes and a read in one statement, one
   * round trip instead of one each while a transaction holds its connection.
   */
  readonly writingCtes: boolean;
}

/**
 * What a failed query says about the database, when it says "try again shortly" (the request's
 * transaction did not commit, or for a COMMIT that got no answer its outcome is unknown):
 * - `unavailable`: the database cannot be reached or refuses connections (full, restarting, cut off);
 * - `timeout`: a statement ran, or waited for its answer, longer than allowed;
 * - `conflict`: the transaction lost to a concurrent one (serialization failure, deadlock);
 * - `busy`: another connection holds the lock (SQLite's single writer).
 * Each dialect classifies its own errors (`dialects/<name>.errors.ts`); see `db/errors.ts`.
 */
export type DatabaseErrorKind = 'unavailable' | 'timeout' | 'conflict' | 'busy';

/**
 * Wakes workers when work is enqueued. PostgreSQL uses `LISTEN/NOTIFY` (a notification sent inside a
 * transaction is delivered when it commits, to every process); SQLite, whose worker is in-process, an
 * in-memory event.
 */
export interface Notifier {
  /** Signals `channel`; inside a transaction, take effect when it commits. */
  notify(db: Kysely<Database>, channel: string): Promise<void>;
  /** Calls `listener` on each signal; answers a function that stops listening. */
  subscribe(channel: string, listener: () => void): Promise<() => Promise<void>>;
}

export interface DbHandle {
  db: Kysely<Database>;
  /** A new unit of work on `db` (see unit-of-work.ts): writes run in it commit together, or not at all. */
  beginUnit(): UnitOfWork;
  capabilities: DialectCapabilities;
  notifier: Notifier;
  /** The server's own description of itself, e.g. `PostgreSQL 15.19 …` or `SQLite 3.53.2`. */
  serverVersion(): Promise<string>;
  /** Is the database reachable right now. */
  ping(): Promise<void>;
  destroy(): Promise<void>;
}
