import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig, SQLITE_CACHE_MB } from '../config/index.js';
import { createDb, type DbHandle } from './index.js';
import { openSqlite } from './dialects/sqlite.js';

/**
 * The embedded database's page cache is bounded by AUDENCI_SQLITE_CACHE_MB: better-sqlite3 builds SQLite
 * with 16 MB, which a server writing posts filled within seconds (issue #20's memory under load).
 */
describe('SQLite page cache', () => {
  const dirs: string[] = [];
  const handles: DbHandle[] = [];
  after(async () => {
    for (const handle of handles) await handle.destroy();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = (env: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-cache-'));
    dirs.push(dir);
    const handle = createDb(loadConfig({ AUDENCI_DATA_DIR: dir, ...env }));
    handles.push(handle);
    return handle;
  };
  const cacheSize = async (handle: DbHandle) =>
    (await sql<{ cache_size: number }>`pragma cache_size`.execute(handle.db)).rows[0]!.cache_size;

  it('is the default bound, in KiB, on a database the server opens', async () => {
    assert.equal(SQLITE_CACHE_MB, 4);
    assert.equal(await cacheSize(open({})), -4 * 1024);
  });

  it('follows AUDENCI_SQLITE_CACHE_MB', async () => {
    assert.equal(await cacheSize(open({ AUDENCI_SQLITE_CACHE_MB: '32' })), -32 * 1024);
  });

  it("is the driver's own when no bound is given (what the server no longer uses)", async () => {
    const handle = openSqlite(':memory:');
    handles.push(handle);
    assert.equal(await cacheSize(handle), -16_000);
  });
});
