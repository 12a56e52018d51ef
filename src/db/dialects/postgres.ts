import { createRequire } from 'node:module';
import type pg from 'pg';
import {
  Kysely,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type PostgresDialectConfig,
  type TableMetadata,
} from 'kysely';
import type { Database } from '../database.js';
import { unitAware } from '../unit-of-work.js';
import { prepareRepeatedStatements } from './pg-prepared.js';
import type { DbHandle, Notifier } from './types.js';

/** The pg driver, loaded when a PostgreSQL database is opened: an embedded (SQLite) server never loads it. */
let pgModule: typeof pg | undefined;
const loadPg = (): typeof pg => (pgModule ??= createRequire(import.meta.url)('pg') as typeof pg);

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** How long a query waits for a free pooled connection (or a new one) before failing. */
  connectTimeoutMs?: number;
  /** Use this schema (created if missing) instead of `public`: lets tests share one database. */
  schema?: string;
  /**
   * Cancel a statement that runs longer than this (PostgreSQL `statement_timeout`, set per connection
   * when it opens); 0 or unset: no limit. A cancelled statement fails with SQLSTATE 57014.
   */
  statementTimeoutMs?: number;
  /**
   * How long the client waits for the answer to one query (pg's `query_timeout`); 0 or unset: no
   * limit. A query past it fails with `Query read timeout` and its connection is destroyed.
   */
  queryTimeoutMs?: number;
  /** Send the data statements a connection repeats as named statements (pg-prepared.ts); default on. */
  preparedStatements?: boolean;
}

/** The message pg gives a query that outlived `query_timeout`. */
const READ_TIMEOUT = 'Query read timeout';

/**
 * Idle connections are probed (TCP keepalive) after this long, so that one to a host that vanished
 * (a partition, a failover) is found dead and replaced rather than handed to a request.
 */
const KEEPALIVE_IDLE_MS = 10_000;

/**
 * The connection settings every client of ours uses: bounded connection set-up and answers, and
 * keepalive. Without them a frozen or partitioned server holds the caller for as long as it lasts.
 */
function clientBounds(options: PostgresOptions, pgTimer = true): pg.ClientConfig {
  return {
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    // The pool's clients are bounded by `ReadDeadlines` instead; the notifier's rare queries by pg.
    ...(options.queryTimeoutMs && pgTimer ? { query_timeout: options.queryTimeoutMs } : {}),
  };
}

/**
 * The pool's bound on each answer (`queryTimeoutMs`), kept by one watcher for every client instead of
 * pg's `query_timeout`, which starts a timer for each query. Under load after idle spells, those timers
 * made the rows of queries in flight survive the young generation (issue #20, sixth round: 35–52 MB
 * promoted in 4 s of a PostgreSQL list; 3.7 MB without the timers, 2.8 MB with this watcher; garbage
 * collection 17 → 7–10 % of the time).
 *
 * A client whose query outlived the bound is never used again. Its socket is destroyed: the lost query
 * may still be in progress on the server, later queries would queue behind it, and a transaction it was
 * part of would stay open for the next user of the connection, whose COMMIT would commit the write this
 * request was told had failed. pg then fails the client's pending queries, which answer
 * `Query read timeout`; the pool drops a client that is not queryable on release, and a server that
 * comes back sees the connection closed and rolls back what it held open.
 */
class ReadDeadlines {
  private readonly clients = new Set<{ starts: number[]; expire(): void }>();
  private timer: NodeJS.Timeout | undefined;
  /** How often the watcher looks: a tenth of the bound, between 10 and 500 ms. */
  private readonly period: number;

  constructor(private readonly boundMs: number) {
    this.period = Math.min(500, Math.max(10, Math.floor(boundMs / 10)));
  }

  /** Bounds `client`'s queries from now on. */
  watch(client: pg.Client): void {
    // When each pending query was sent, oldest first: pg runs a client's queries one after the other.
    const starts: number[] = [];
    let expired = false;
    const watched = {
      starts,
      expire: () => {
        expired = true;
        this.clients.delete(watched);
        client.connection.stream.destroy();
      },
    };
    this.clients.add(watched);
    this.timer ??= setInterval(() => this.sweep(), this.period).unref();
    client.once('end', () => this.forget(watched));
    const failure = (error: unknown) => (expired ? new Error(READ_TIMEOUT, { cause: error }) : error);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    // Kysely uses the promise form; the callback form is pg-pool's own. Both are covered.
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const callback = args[args.length - 1];
      if (typeof callback === 'function') {
        args[args.length - 1] = (error: unknown, result: unknown) => {
          starts.shift();
          (callback as (error: unknown, result: unknown) => void)(error ? failure(error) : error, result);
        };
      }
      starts.push(Date.now());
      let result: unknown;
      try {
        result = query(...args);
      } catch (error) {
        starts.pop();
        throw error;
      }
      if (typeof callback === 'function') return result;
      if (!(result instanceof Promise)) {
        starts.shift();
        return result;
      }
      return result.then(
        (value: unknown) => {
          starts.shift();
          return value;
        },
        (error: unknown) => {
          starts.shift();
          throw failure(error);
        },
      );
    };
  }

  private forget(watched: { starts: number[]; expire(): void }): void {
    this.clients.delete(watched);
    if (this.clients.size === 0) this.stop();
  }

  private sweep(): void {
    const now = Date.now();
    for (const watched of this.clients) {
      const oldest = watched.starts[0];
      if (oldest !== undefined && now - oldest >= this.boundMs) watched.expire();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Ends `client` in order (Terminate, then wait for the server to close), or destroys its socket after
 * `boundMs`: a frozen server never closes its side.
 */
async function endWithin(client: pg.Client, boundMs: number): Promise<void> {
  const cut = setTimeout(() => client.connection.stream.destroy(), boundMs);
  try {
    await client.end();
  } catch {
    // Ended already, or cut: either way it is closed.
  } finally {
    clearTimeout(cut);
  }
}

/**
 * Introspection limited to the schema in use. Kysely's migrator looks for its own tables in every
 * schema, so another schema's `kysely_migration_lock` (a test running alongside) made it skip creating
 * this schema's tables and then fail on them.
 */
class SchemaScopedDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string,
  ) {
    super(config);
  }

  override createIntrospector(
    db: Parameters<PostgresDialect['createIntrospector']>[0],
  ): DatabaseIntrospector {
    const inner = super.createIntrospector(db);
    const schema = this.schema;
    // Kysely's own query reads every schema's columns (with functions such as pg_get_serial_sequence
    // on each), and fails when another test drops its schema meanwhile; this one reads ours only.
    const getTables = async (options?: { withInternalKyselyTables?: boolean }): Promise<TableMetadata[]> => {
      const rows = await sql<{
        table: string;
        kind: string;
        column: string;
        type: string;
        type_schema: string;
        not_null: boolean;
        has_default: boolean;
        identity: string;
      }>`
        select c.relname as "table", c.relkind as kind, a.attname as "column", t.typname as type,
               tn.nspname as type_schema, a.attnotnull as not_null, a.atthasdef as has_default,
               a.attidentity as identity
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        join pg_catalog.pg_type t on t.oid = a.atttypid
        join pg_catalog.pg_namespace tn on tn.oid = t.typnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'v', 'p')
        order by c.relname, a.attnum`.execute(db);
      const tables = new Map<string, TableMetadata>();
      for (const row of rows.rows) {
        if (!options?.withInternalKyselyTables && row.table.startsWith('kysely_')) continue;
        let table = tables.get(row.table);
        if (!table) {
          table = { name: row.table, schema, isView: row.kind === 'v', columns: [] };
          tables.set(row.table, table);
        }
        (table.columns as TableMetadata['columns'][number][]).push({
          name: row.column,
          dataType: row.type,
          dataTypeSchema: row.type_schema,
          isNullable: !row.not_null,
          hasDefaultValue: row.has_default,
          isAutoIncrementing: row.identity !== '',
        });
      }
      return [...tables.values()];
    };
    return {
      getSchemas: () => inner.getSchemas(),
      getTables,
      getMetadata: async (options) => ({ tables: await getTables(options) }),
    };
  }
}

/**
 * `LISTEN/NOTIFY` on a dedicated connection, reconnected after errors. Channel names carry the schema so
 * that databases shared by tests do not wake each other.
 */
function pgNotifier(options: PostgresOptions): Notifier {
  const prefix = options.schema ?? 'public';
  const name = (channel: string) => `${prefix}_${channel}`.replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase();
  const bound = options.connectTimeoutMs ?? 10_000;
  return {
    async notify(db, channel) {
      await sql`select pg_notify(${name(channel)}, '')`.execute(db);
    },
    async subscribe(channel, listener) {
      let client: pg.Client | undefined;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const connect = async (): Promise<void> => {
        const next = new (loadPg().Client)({ connectionString: options.url, ...clientBounds(options) });
        next.on('notification', () => listener());
        next.on('error', () => {
          if (stopped || client !== next) return;
          client = undefined;
          void endWithin(next, bound);
          reconnect();
          // Work may have been enqueued while we were not listening.
          listener();
        });
        try {
          await next.connect();
          await next.query(`listen "${name(channel)}"`);
        } catch (error) {
          void endWithin(next, bound);
          throw error;
        }
        if (stopped) {
          // Unsubscribed while connecting: an open connection would keep the process alive.
          await endWithin(next, bound);
          return;
        }
        client = next;
      };
      // Until it listens again: a failed attempt schedules the next one.
      const reconnect = () => {
        retry = setTimeout(() => {
          connect().then(
            () => {
              // Work may have been enqueued while we were reconnecting.
              if (!stopped) listener();
            },
            () => {
              if (!stopped) reconnect();
            },
          );
        }, 1000);
      };
      await connect();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        if (client) await endWithin(client, bound);
      };
    },
  };
}

export function openPostgres(options: PostgresOptions): DbHandle {
  // Timestamps are stored as epoch milliseconds in BIGINT columns; they fit a JS number exactly.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === INT8_OID ? (v: string) => Number(v) : loadPg().types.getTypeParser(oid, format as 'text'),
  };
  // `connectionTimeoutMillis` bounds both the wait for a free pooled connection and the opening of a
  // new one (TCP, start-up and authentication): a frozen server accepts TCP but never answers.
  const pool = new (loadPg().Pool)({
    connectionString: options.url,
    max: options.poolSize,
    ...clientBounds(options, false),
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    types,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const open = new Set<pg.PoolClient>();
  const deadlines = options.queryTimeoutMs ? new ReadDeadlines(options.queryTimeoutMs) : undefined;
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    open.add(client);
    // Nor one that loses it while checked out: its query fails, and the pool drops it on release.
    client.on('error', () => undefined);
    // Named statements first: the read-timeout cut wraps them too (it sees their promises).
    if (options.preparedStatements !== false) prepareRepeatedStatements(client, loadPg());
    deadlines?.watch(client);
  });
  pool.on('remove', (client) => open.delete(client));
  const config: PostgresDialectConfig = {
    pool: async () => {
      if (options.schema) {
        const client = await pool.connect();
        try {
          await client.query(`create schema if not exists "${options.schema}"`);
        } finally {
          client.release();
        }
      }
      return pool;
    },
  };
  const { dialect, units } = unitAware(
    options.schema ? new SchemaScopedDialect(config, options.schema) : new PostgresDialect(config),
  );
  const db = new Kysely<Database>({ dialect });
  return {
    db,
    beginUnit: units,
    capabilities: {
      name: 'postgres',
      supportsSkipLocked: true,
      supportsNotify: true,
      singleWriter: false,
      writingCtes: true,
    },
    notifier: pgNotifier(options),
    async serverVersion() {
      const row = await sql<{ v: string }>`select version() as v`.execute(db);
      return row.rows[0]!.v;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async destroy() {
      // Ending a connection waits for the server to close it, which a frozen server never does: past
      // the bound the sockets are cut, so a shutdown is not held by the database.
      const cut = setTimeout(() => {
        for (const client of open) client.connection.stream.destroy();
      }, options.connectTimeoutMs ?? 10_000);
      try {
        await db.destroy();
      } finally {
        clearTimeout(cut);
        deadlines?.stop();
      }
    },
  };
}
