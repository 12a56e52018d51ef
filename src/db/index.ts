import path from 'node:path';
import type { Config } from '../config/index.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';
import type { DbHandle } from './dialects/types.js';

export type { DbHandle, DialectCapabilities } from './dialects/types.js';
export type { Database } from './database.js';

export interface CreateDbOptions {
  /** PostgreSQL only: a schema of its own (tests). */
  schema?: string;
  /** SQLite only: database file (default `$AUDENCI_DATA_DIR/audenci.db`). */
  sqliteFile?: string;
}

/** PostgreSQL when `DATABASE_URL` is set, otherwise the embedded SQLite file in the data dir. */
export function createDb(config: Config, options: CreateDbOptions = {}): DbHandle {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      schema: options.schema,
    });
  }
  return openSqlite(options.sqliteFile ?? path.join(config.dataDir, 'audenci.db'));
}

export function isEmbedded(config: Config): boolean {
  return !config.databaseUrl;
}
