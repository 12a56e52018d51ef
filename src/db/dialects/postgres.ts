import pg from 'pg';
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
import type { DbHandle, Notifier } from './types.js';

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
  return {
    async notify(db, channel) {
      await sql`select pg_notify(${name(channel)}, '')`.execute(db);
    },
    async subscribe(channel, listener) {
      let client: pg.Client | undefined;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const connect = async (): Promise<void> => {
        const next = new pg.Client({ connectionString: options.url });
        next.on('notification', () => listener());
        next.on('error', () => {
          if (stopped || client !== next) return;
          client = undefined;
          void next.end().catch(() => undefined);
          reconnect();
          // Work may have been enqueued while we were not listening.
          listener();
        });
        try {
          await next.connect();
          await next.query(`listen "${name(channel)}"`);
        } catch (error) {
          void next.end().catch(() => undefined);
          throw error;
        }
        if (stopped) {
          // Unsubscribed while connecting: an open connection would keep the process alive.
          await next.end().catch(() => undefined);
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
        await client?.end().catch(() => undefined);
      };
    },
  };
}

export function openPostgres(options: PostgresOptions): DbHandle {
  // Timestamps are stored as epoch milliseconds in BIGINT columns; they fit a JS number exactly.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    types,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor one that loses it while checked out: its query fails, and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
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
    capabilities: { name: 'postgres', supportsSkipLocked: true, supportsNotify: true, singleWriter: false },
    notifier: pgNotifier(options),
    async serverVersion() {
      const row = await sql<{ v: string }>`select version() as v`.execute(db);
      return row.rows[0]!.v;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    destroy: () => db.destroy(),
  };
}
