import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteStatement } from 'kysely';
import type { Database } from '../database.js';
import { EventEmitter } from 'node:events';
import type { DbHandle, Notifier } from './types.js';
import { inUnit, unitAware } from '../unit-of-work.js';
import { allowDirectReads } from '../compiled-once.js';
import { shapedStatement } from './sqlite-rows.js';
import { ensurePrivateFile, PRIVATE_DIR_MODE, tightenFile } from '../../shared/private-files.js';

const STATEMENT_CACHE_SIZE = 500;

/** Statements that change the schema: the columns of a cached `select *` may change after one. */
const SCHEMA_CHANGE = /^\s*(create|alter|drop)\b/i;

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing is most of
 * the cost of a primary-key lookup. Statements are cached by SQL text (bounded, least recently used),
 * their rows made as objects of one shape (sqlite-rows.ts). A schema change made through the connection
 * empties the cache.
 */
function cachingDatabase(raw: SQLite.Database) {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => raw.close(),
    prepare(text: string): SqliteStatement {
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text);
      } else {
        const prepared = raw.prepare(text);
        if (!prepared.reader && SCHEMA_CHANGE.test(text)) {
          // Kysely runs it as soon as it is prepared: the statements cached are prepared again after it.
          cache.clear();
          return prepared;
        }
        statement = shapedStatement(prepared);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

/** One process owns an SQLite database: its worker is woken by an in-memory event. */
function localNotifier(): Notifier {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return {
    async notify(_db, channel) {
      setImmediate(() => events.emit(channel));
    },
    async subscribe(channel, listener) {
      events.on(channel, listener);
      return async () => {
        events.off(channel, listener);
      };
    },
  };
}

export interface SqliteOptions {
  /** The page cache's bound, in MB (`AUDENCI_SQLITE_CACHE_MB`); unset: the driver's (16 MB). */
  cacheMb?: number;
}

export function openSqlite(file: string, options: SqliteOptions = {}): DbHandle {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    // Owner-only before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
    ensurePrivateFile(file);
    for (const suffix of ['-wal', '-shm', '-journal']) tightenFile(`${file}${suffix}`);
  }
  const raw = new SQLite(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  // A negative cache_size is in KiB.
  if (options.cacheMb !== undefined) raw.pragma(`cache_size = -${Math.round(options.cacheMb * 1024)}`);
  const statements = cachingDatabase(raw);
  const { dialect, units } = unitAware(new SqliteDialect({ database: statements }));
  const db = new Kysely<Database>({ dialect });
  // Reads compiled once run on the connection at once while no transaction is open on it (one that is,
  // awaiting between its statements, has Kysely's lock: the read waits for it there) and no unit of work
  // is running (its reads must see its writes). JavaScript runs one statement at a time, so the read
  // sees what Kysely's executor would have given it.
  allowDirectReads(db, {
    all: (text, parameters) =>
      raw.inTransaction || inUnit() ? undefined : statements.prepare(text).all(parameters),
  });
  return {
    db,
    beginUnit: units,
    capabilities: {
      name: 'sqlite',
      supportsSkipLocked: false,
      supportsNotify: false,
      singleWriter: true,
      writingCtes: false,
    },
    notifier: localNotifier(),
    async serverVersion() {
      const row = await sql<{ v: string }>`select sqlite_version() as v`.execute(db);
      return `SQLite ${row.rows[0]!.v}`;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    destroy: () => db.destroy(),
  };
}
