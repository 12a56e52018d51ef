/**
 * The hand-written reference's data access: plain SQL on better-sqlite3 (statements prepared once and
 * cached by their text) and on `pg` (named prepared statements, which pg prepares once per connection).
 * No query builder and no Audenci module: the tables are those Audenci's migrations created.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

export interface KeyRow {
  id: string;
  organization_id: string;
  environment: 'live' | 'test';
  scope: 'read' | 'read_write' | 'admin';
  revoked_at: number | null;
  expires_at: number | null;
  plan: string;
  rate_limit_override: number | null;
}

export interface PostRow {
  id: string;
  organization_id: string;
  environment: string;
  brand_id: string;
  platform: string;
  social_account_id: string | null;
  caption: string;
  media_ids: string;
  link: string | null;
  first_comment: string | null;
  campaign_id: string | null;
  status: string;
  scheduled_for: number | null;
  published_at: number | null;
  platform_post_id: string | null;
  platform_url: string | null;
  error_code: string | null;
  error_message: string | null;
  metadata: string;
  publish_attempts: number;
  publish_started_at: number | null;
  created_at: number;
  updated_at: number;
  post_date: number;
}

export interface EventRow {
  id: string;
  organization_id: string;
  environment: string;
  type: string;
  brand_id: string | null;
  data: string;
  created_at: number;
}

export interface Tenant {
  organizationId: string;
  environment: string;
}

/** Equality filters of `GET /posts` (column → value), in a fixed order so one SQL text per combination. */
export type PostFilters = Array<[column: 'status' | 'platform' | 'brand_id' | 'campaign_id', value: string]>;

export interface ListQuery {
  filters: PostFilters;
  /** The sort key's SQL, as the index declares it (`coalesce(scheduled_for, -1)`). */
  sortExpression: string;
  order: 'asc' | 'desc';
  /** Rows to fetch (the page size plus one, to know whether there is more). */
  limit: number;
  offset: number;
  /** Keyset continuation: rows after (value, id) in the sort order. */
  after?: { value: string | number; id: string };
}

export interface Store {
  keyByHash(hash: string): Promise<KeyRow | undefined>;
  post(tenant: Tenant, id: string): Promise<PostRow | undefined>;
  posts(tenant: Tenant, query: ListQuery): Promise<PostRow[]>;
  countPosts(tenant: Tenant, filters: PostFilters): Promise<number>;
  brandExists(tenant: Tenant, id: string): Promise<boolean>;
  /** The post and its events in one transaction. */
  createPost(post: PostRow, events: EventRow[]): Promise<void>;
  close(): Promise<void>;
}

const KEY_BY_HASH =
  'select k.id, k.organization_id, k.environment, k.scope, k.revoked_at, k.expires_at, o.plan, o.rate_limit_override ' +
  'from api_keys k join organizations o on o.id = k.organization_id where k.key_hash = $1';
const POST_BY_ID = 'select * from posts where organization_id = $1 and environment = $2 and id = $3';
const BRAND_EXISTS =
  'select 1 as found from brands where organization_id = $1 and environment = $2 and id = $3';
const POST_COLUMNS = [
  'id',
  'organization_id',
  'environment',
  'brand_id',
  'platform',
  'social_account_id',
  'caption',
  'media_ids',
  'link',
  'first_comment',
  'campaign_id',
  'status',
  'scheduled_for',
  'published_at',
  'platform_post_id',
  'platform_url',
  'error_code',
  'error_message',
  'metadata',
  'publish_attempts',
  'publish_started_at',
  'created_at',
  'updated_at',
  'post_date',
] as const;
const placeholders = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
const INSERT_POST = `insert into posts (${POST_COLUMNS.join(', ')}) values (${placeholders(POST_COLUMNS.length)})`;
const EVENT_COLUMNS = [
  'id',
  'organization_id',
  'environment',
  'type',
  'brand_id',
  'data',
  'created_at',
] as const;
const INSERT_EVENT = `insert into events (${EVENT_COLUMNS.join(', ')}) values (${placeholders(EVENT_COLUMNS.length)})`;

/** The list's SQL and its parameters; `$n` placeholders (SQLite takes them as numbered parameters). */
function listSql(tenant: Tenant, q: ListQuery): { text: string; values: Array<string | number> } {
  const values: Array<string | number> = [tenant.organizationId, tenant.environment];
  let where = 'organization_id = $1 and environment = $2';
  for (const [column, value] of q.filters) {
    values.push(value);
    where += ` and ${column} = $${values.length}`;
  }
  if (q.after) {
    values.push(q.after.value, q.after.id);
    const cmp = q.order === 'asc' ? '>' : '<';
    where += ` and (${q.sortExpression}, id) ${cmp} ($${values.length - 1}, $${values.length})`;
  }
  values.push(q.limit, q.offset);
  const text =
    `select * from posts where ${where} order by ${q.sortExpression} ${q.order}, id ${q.order} ` +
    `limit $${values.length - 1} offset $${values.length}`;
  return { text, values };
}

function countSql(tenant: Tenant, filters: PostFilters): { text: string; values: string[] } {
  const values = [tenant.organizationId, tenant.environment];
  let where = 'organization_id = $1 and environment = $2';
  for (const [column, value] of filters) {
    values.push(value);
    where += ` and ${column} = $${values.length}`;
  }
  return { text: `select count(*) as n from posts where ${where}`, values };
}

/** `$n` → `?`: each placeholder appears once, in order, so both dialects share the SQL. */
const sqliteText = (text: string) => text.replace(/\$\d+/g, '?');

export function openSqliteStore(file: string): Store {
  const db = new Database(file);
  // Audenci's connection settings (src/db/dialects/sqlite.ts).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const statements = new Map<string, Database.Statement>();
  const prepared = (text: string) => {
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = db.prepare(sqliteText(text))));
    return statement;
  };
  const insertPost = prepared(INSERT_POST);
  const insertEvent = prepared(INSERT_EVENT);
  const create = db.transaction((post: PostRow, events: EventRow[]) => {
    insertPost.run(POST_COLUMNS.map((c) => post[c]));
    for (const event of events) insertEvent.run(EVENT_COLUMNS.map((c) => event[c]));
  });
  return {
    async keyByHash(hash) {
      return prepared(KEY_BY_HASH).get(hash) as KeyRow | undefined;
    },
    async post(tenant, id) {
      return prepared(POST_BY_ID).get(tenant.organizationId, tenant.environment, id) as PostRow | undefined;
    },
    async posts(tenant, query) {
      const { text, values } = listSql(tenant, query);
      return prepared(text).all(values) as PostRow[];
    },
    async countPosts(tenant, filters) {
      const { text, values } = countSql(tenant, filters);
      return (prepared(text).get(values) as { n: number }).n;
    },
    async brandExists(tenant, id) {
      return prepared(BRAND_EXISTS).get(tenant.organizationId, tenant.environment, id) !== undefined;
    },
    async createPost(post, events) {
      create(post, events);
    },
    async close() {
      db.close();
    },
  };
}

const INT8_OID = 20;

export function openPostgresStore(url: string, schema: string | undefined, poolSize: number): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // bigint columns (epoch milliseconds) as numbers, as Audenci reads them.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // One name per SQL text: pg prepares a named statement once per connection and reuses it.
  const names = new Map<string, string>();
  const named = (text: string) => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `ref_${names.size}`));
    return name;
  };
  const query = async <R extends pg.QueryResultRow>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    values: unknown[],
  ) => (await client.query<R>({ name: named(text), text, values })).rows;
  return {
    async keyByHash(hash) {
      return (await query<KeyRow>(pool, KEY_BY_HASH, [hash]))[0];
    },
    async post(tenant, id) {
      return (await query<PostRow>(pool, POST_BY_ID, [tenant.organizationId, tenant.environment, id]))[0];
    },
    async posts(tenant, q) {
      const { text, values } = listSql(tenant, q);
      return query<PostRow>(pool, text, values);
    },
    async countPosts(tenant, filters) {
      const { text, values } = countSql(tenant, filters);
      return (await query<{ n: number }>(pool, text, values))[0]!.n;
    },
    async brandExists(tenant, id) {
      return (await query(pool, BRAND_EXISTS, [tenant.organizationId, tenant.environment, id])).length > 0;
    },
    async createPost(post, events) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await query(
          client,
          INSERT_POST,
          POST_COLUMNS.map((c) => post[c]),
        );
        for (const event of events)
          await query(
            client,
            INSERT_EVENT,
            EVENT_COLUMNS.map((c) => event[c]),
          );
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
