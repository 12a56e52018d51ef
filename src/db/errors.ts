import { classifyPostgresError } from './dialects/postgres.errors.js';
import { classifySqliteError } from './dialects/sqlite.errors.js';
import type { DatabaseErrorKind } from './dialects/types.js';

export type { DatabaseErrorKind } from './dialects/types.js';

/**
 * Each dialect's classifier. A failure comes from the database in use, and the dialects' codes do not
 * overlap (SQLSTATEs and socket errors vs `SQLITE_*`), so callers need no handle to ask.
 */
const CLASSIFIERS = [classifyPostgresError, classifySqliteError];

/** What a failure says about the database (see DatabaseErrorKind); `undefined` for anything else. */
export function classifyDatabaseError(error: unknown): DatabaseErrorKind | undefined {
  for (const classify of CLASSIFIERS) {
    const kind = classify(error);
    if (kind) return kind;
  }
  return undefined;
}

/**
 * True for failures that say "try again shortly" about the database: a full or unreachable pool, a
 * frozen server, a killed connection, a cancelled statement, a lost serialization race, a busy SQLite
 * file. The request's transaction did not commit (or, for a COMMIT that got no answer, its outcome is
 * unknown: a retry with the same `Idempotency-Key` finds out).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return classifyDatabaseError(error) !== undefined;
}
