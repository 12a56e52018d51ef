import { Migrator, type MigrationResult } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

function migrator(db: Kysely<Database>, list: typeof migrations = migrations): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => list } });
}

export interface MigrationReport {
  applied: string[];
}

/**
 * Applies every pending migration (of `list`, default the project's); throws, leaving the database at
 * the last good step, on failure.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  list: typeof migrations = migrations,
): Promise<MigrationReport> {
  const { error, results } = await migrator(db, list).migrateToLatest();
  const applied = (results ?? [])
    .filter((r: MigrationResult) => r.status === 'Success')
    .map((r) => r.migrationName);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { applied };
}

/** Names of migrations that exist in the code but are not applied to the database. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
