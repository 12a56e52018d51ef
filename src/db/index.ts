import path from 'node:path';
import type { Config } from '../config/index.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';
import type { DbHandle } from './dialects/types.js';
import { migrateToLatest, type MigrationReport } from './migrate.js';
import type { migrations as allMigrations } from './migrations/index.js';

export type { DbHandle, DialectCapabilities } from './dialects/types.js';
export type { Database } from './database.js';

export interface CreateDbOptions {
  /** PostgreSQL only: a schema of its own (tests). */
  schema?: string;
  /** SQLite only: database file (default `$AUDENCI_DATA_DIR/audenci.db`). */
  sqliteFile?: string;
  /** PostgreSQL only: instead of `AUDENCI_DB_STATEMENT_TIMEOUT_MS` (0: no limit). */
  statementTimeoutMs?: number;
  /** PostgreSQL only: instead of `AUDENCI_DB_POOL_SIZE`. */
  poolSize?: number;
  /**
   * PostgreSQL only: instead of `AUDENCI_DB_QUERY_TIMEOUT_MS` (0: no limit). A handle made without a
   * statement timeout (migrations) has no query timeout either, unless this says otherwise.
   */
  queryTimeoutMs?: number;
}

/** PostgreSQL when `DATABASE_URL` is set, otherwise the embedded SQLite file in the data dir. */
export function createDb(config: Config, options: CreateDbOptions = {}): DbHandle {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      poolSize: options.poolSize ?? config.databasePoolSize,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: options.statementTimeoutMs ?? config.databaseStatementTimeoutMs,
      queryTimeoutMs:
        options.queryTimeoutMs ?? (options.statementTimeoutMs === 0 ? 0 : config.databaseQueryTimeoutMs),
      schema: options.schema,
      preparedStatements: config.databasePreparedStatements,
    });
  }
  return openSqlite(options.sqliteFile ?? path.join(config.dataDir, 'audenci.db'), {
    cacheMb: config.sqliteCacheMb,
  });
}

export function isEmbedded(config: Config): boolean {
  return !config.databaseUrl;
}

/**
 * Applies pending migrations to `handle`'s database. On PostgreSQL with a statement timeout they run on
 * a connection of their own without it: a migration that rewrites or backfills a large table may take
 * longer than any request should. SQLite has no statement timeout and keeps its one handle (an
 * in-memory database exists only there).
 */
export async function migrateDatabase(
  config: Config,
  handle: DbHandle,
  options: CreateDbOptions = {},
  migrations?: typeof allMigrations,
): Promise<MigrationReport> {
  if (!config.databaseUrl || !config.databaseStatementTimeoutMs)
    return migrateToLatest(handle.db, migrations);
  const own = createDb(config, { ...options, statementTimeoutMs: 0, poolSize: 1 });
  try {
    return await migrateToLatest(own.db, migrations);
  } finally {
    await own.destroy();
  }
}
