import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Two tables of sums of `post_metrics_latest`, per tenant, brand, campaign and platform and per period of
 * `published_at`: one row per such group, with its number of posts and the sum of each metric (a null
 * metric adds 0).
 *
 * - `post_metrics_daily`: per UTC day (`day` = `published_at / 86400000`).
 * - `post_metrics_slots`: per 15-minute slot (`slot` = `published_at / 900000`), the unit `GET /analytics`
 *   places posts in periods by.
 *
 * `GET /analytics` sums whole UTC days of a range from the first, the parts of days cut by a period
 * boundary from the second, and only the slots cut by the range's own ends from `post_metrics_latest`
 * (analytics.repository.ts, `dailyPlan`): about 3,600 + 5,000 rows instead of 100,000 for 1,000 posts a
 * day over 90 days, whatever the grouping.
 *
 * Both are kept by triggers on `post_metrics_latest` (insert, update, delete), so they agree with that
 * table in every transaction that writes it, whatever the writer (the sync's upsert, a backfill, a test).
 * A group's row is added to (`insert … on conflict do update`), and deleted when its last post leaves it.
 * `campaign_id` is `''` for posts without a campaign (a key column cannot be null). Posts are published
 * after 1970 (the integer division truncates toward zero).
 *
 * On PostgreSQL the primary key INCLUDEs the sums, so that `GET /analytics` reads its slot and day rows
 * by index-only scans (no heap row fetched per group: 1 M snapshots, 90 days cut at Paris midnights,
 * ~4,100 slot rows, the slot read's server time 11.6 → 4.6 ms). SQLite has no INCLUDE.
 *
 * The triggers are created before the backfill, in the migration's transaction (PostgreSQL: creating a
 * trigger locks out writers of the table until the commit; SQLite: one transaction), so no write is
 * missed or counted twice.
 */

const METRICS = ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks', 'video_views'];

interface Rollup {
  table: string;
  /** The period column and its width in milliseconds. */
  column: string;
  ms: number;
}

const ROLLUPS: Rollup[] = [
  { table: 'post_metrics_daily', column: 'day', ms: 86_400_000 },
  { table: 'post_metrics_slots', column: 'slot', ms: 900_000 },
];

const keyColumns = (r: Rollup) => [
  'organization_id',
  'environment',
  r.column,
  'brand_id',
  'campaign_id',
  'platform',
];

/** The group's key as `post_metrics_latest`'s row `row` (`new`, `old`, or the table) gives it. */
function keyList(r: Rollup, row: string): string[] {
  return [
    `${row}.organization_id`,
    `${row}.environment`,
    `${row}.published_at / ${r.ms}`,
    `${row}.brand_id`,
    `coalesce(${row}.campaign_id, '')`,
    `${row}.platform`,
  ];
}

/** Adds `values` (posts, then each metric) to the group of `row`, as one upsert. */
function upsert(r: Rollup, row: string, values: string[]): string {
  const columns = [...keyColumns(r), 'posts', ...METRICS].join(', ');
  const sets = ['posts', ...METRICS].map((c) => `${c} = ${r.table}.${c} + excluded.${c}`).join(', ');
  return `insert into ${r.table} (${columns}) values (${[...keyList(r, row), ...values].join(', ')})
      on conflict (${keyColumns(r).join(', ')}) do update set ${sets}`;
}

/** Adds row `row`'s figures to its group (`sign` 1) or takes them away (-1). */
function apply(r: Rollup, row: string, sign: 1 | -1): string {
  const op = sign === 1 ? '' : '-';
  return upsert(r, row, [`${op}1`, ...METRICS.map((m) => `${op}coalesce(${row}.${m}, 0)`)]);
}

/** Deletes row `row`'s group when no post is left in it. */
function prune(r: Rollup, row: string): string {
  const where = keyColumns(r).map((c, i) => `${c} = ${keyList(r, row)[i]}`);
  return `delete from ${r.table} where ${where.join(' and ')} and posts = 0`;
}

/** Whether `old` and `new` fall in the same group. */
const sameGroup = (r: Rollup) =>
  keyList(r, 'old')
    .map((old, i) => `${old} = ${keyList(r, 'new')[i]}`)
    .join(' and ');

/** `new`'s figures minus `old`'s, added to their common group. */
const delta = (r: Rollup) =>
  upsert(r, 'new', ['0', ...METRICS.map((m) => `coalesce(new.${m}, 0) - coalesce(old.${m}, 0)`)]);

/** The PostgreSQL trigger function's body for one table; two groups are written in key order. */
function postgresBody(r: Rollup): string {
  return `if tg_op = 'INSERT' then
    ${apply(r, 'new', 1)};
  elsif tg_op = 'DELETE' then
    ${apply(r, 'old', -1)};
    ${prune(r, 'old')};
  elsif ${sameGroup(r)} then
    ${delta(r)};
  elsif row(${keyList(r, 'old').join(', ')}) < row(${keyList(r, 'new').join(', ')}) then
    ${apply(r, 'old', -1)};
    ${prune(r, 'old')};
    ${apply(r, 'new', 1)};
  else
    ${apply(r, 'new', 1)};
    ${apply(r, 'old', -1)};
    ${prune(r, 'old')};
  end if;`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const steps = async (trx: Kysely<unknown>) => {
    for (const r of ROLLUPS) {
      await sql
        .raw(
          `create table ${r.table} (
      organization_id text not null,
      environment text not null,
      ${r.column} bigint not null,
      brand_id text not null,
      campaign_id text not null,
      platform text not null,
      posts bigint not null,
      ${METRICS.map((m) => `${m} bigint not null`).join(',\n      ')},
      primary key (${keyColumns(r).join(', ')})${postgres ? ` include (posts, ${METRICS.join(', ')})` : ''}
    )`,
        )
        .execute(trx);
    }

    if (postgres) {
      // Two transactions moving posts between the same groups write them in the same order: no deadlock.
      await sql
        .raw(
          `create function post_metrics_rollups_sync() returns trigger language plpgsql as $$
begin
  ${ROLLUPS.map(postgresBody).join('\n  ')}
  return null;
end
$$`,
        )
        .execute(trx);
      await sql`create trigger post_metrics_rollups_sync after insert or update or delete on post_metrics_latest
        for each row execute function post_metrics_rollups_sync()`.execute(trx);
    } else {
      const each = (f: (r: Rollup) => string) => ROLLUPS.map((r) => `  ${f(r)};`).join('\n');
      const triggers = [
        `create trigger post_metrics_rollups_insert after insert on post_metrics_latest begin
${each((r) => apply(r, 'new', 1))}
end`,
        `create trigger post_metrics_rollups_delete after delete on post_metrics_latest begin
${each((r) => `${apply(r, 'old', -1)};\n  ${prune(r, 'old')}`)}
end`,
        // A slot lies in one day: the same slot is the same day.
        `create trigger post_metrics_rollups_update_same after update on post_metrics_latest
when ${sameGroup(ROLLUPS[1]!)} begin
${each(delta)}
end`,
        `create trigger post_metrics_rollups_update_moved after update on post_metrics_latest
when not (${sameGroup(ROLLUPS[1]!)}) begin
${each((r) => `${apply(r, 'old', -1)};\n  ${prune(r, 'old')};\n  ${apply(r, 'new', 1)}`)}
end`,
      ];
      for (const trigger of triggers) await sql.raw(trigger).execute(trx);
    }

    // The posts already there.
    for (const r of ROLLUPS) {
      const key = keyList(r, 'post_metrics_latest').join(', ');
      await sql
        .raw(
          `insert into ${r.table} (${keyColumns(r).join(', ')}, posts, ${METRICS.join(', ')})
      select ${key}, count(*), ${METRICS.map((m) => `coalesce(sum(${m}), 0)`).join(', ')}
      from post_metrics_latest
      group by ${key}`,
        )
        .execute(trx);
    }
  };
  // PostgreSQL runs each migration in a transaction already; SQLite's migrator does not.
  if (postgres) await steps(db);
  else await db.transaction().execute(steps);
}
