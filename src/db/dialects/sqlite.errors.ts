import type { DatabaseErrorKind } from './types.js';

/**
 * What a failure of SQLite says about the database, if anything: another connection held the write
 * lock past `busy_timeout` (`SQLITE_BUSY`), or a table is locked within this connection
 * (`SQLITE_LOCKED`).
 */
export function classifySqliteError(error: unknown): DatabaseErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' ? 'busy' : undefined;
}
