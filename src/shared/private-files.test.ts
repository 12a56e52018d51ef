import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createTenant,
  createTestDatabase,
  dialects,
  startApp,
  type TestApp,
} from '../../test/helpers/app.js';
import { upload } from '../../test/helpers/media.js';
import { makeImage } from '../../test/fixtures/media.js';
import { tightenDataDir } from './private-files.js';

const modeOf = (file: string) => fs.lstatSync(file).mode & 0o777;

/** Every file and directory under `root` (itself included), with its mode. */
function modes(root: string): Map<string, number> {
  const out = new Map<string, number>([['.', modeOf(root)]]);
  for (const relative of fs.readdirSync(root, { recursive: true }) as string[]) {
    out.set(relative, modeOf(path.join(root, relative)));
  }
  return out;
}

function assertOwnerOnly(root: string): void {
  for (const [relative, mode] of modes(root)) {
    const full = path.join(root, relative);
    const expected = fs.lstatSync(full).isDirectory() ? 0o700 : 0o600;
    assert.equal(mode.toString(8), expected.toString(8), `${relative} is ${mode.toString(8)}`);
  }
}

describe('data directory files are owner-only', () => {
  let umask: number;
  before(() => {
    // What most systems start a service with: group and others may read what is created.
    umask = process.umask(0o022);
  });
  after(() => {
    process.umask(umask);
  });

  for (const dialect of dialects) {
    describe(`after a real start and an upload (${dialect})`, () => {
      let t: TestApp;
      let dataDir: string;
      before(async () => {
        // SQLite: the secret key is generated into the data dir (PostgreSQL needs it configured).
        const database = createTestDatabase(dialect, {
          env: dialect === 'sqlite' ? { AUDENCI_SECRET_KEY: '' } : {},
        });
        dataDir = database.config.dataDir;
        // What an earlier version left behind: an open data dir, database file and media tree.
        fs.chmodSync(dataDir, 0o755);
        const oldBlobDir = path.join(dataDir, 'media', '00', '11');
        fs.mkdirSync(oldBlobDir, { recursive: true, mode: 0o755 });
        fs.writeFileSync(path.join(oldBlobDir, 'old-blob'), 'bytes', { mode: 0o644 });
        fs.writeFileSync(path.join(dataDir, 'notes.txt'), 'left by an operator', { mode: 0o644 });
        if (database.sqliteFile) fs.writeFileSync(database.sqliteFile, '', { mode: 0o644 });
        assert.equal(modeOf(path.join(oldBlobDir, 'old-blob')), 0o644, 'the umask let 0644 through');
        t = await startApp(database);
      });
      after(async () => {
        await t.close();
        await t.database.drop();
      });

      it('the database and its -wal/-shm, the secret key, media, thumbnails and folders are 0600/0700', async () => {
        const tenant = await createTenant(t);
        const uploaded = await upload(t.app, tenant.live.read_write, {
          // A PNG: its thumbnail (a JPEG) is a second blob.
          data: await makeImage('png', 64, 48),
          filename: 'photo.png',
          contentType: 'image/png',
        });
        assert.equal(uploaded.status, 201, uploaded.raw);

        const all = modes(dataDir);
        const files = [...all.keys()];
        if (dialect === 'sqlite') {
          for (const name of ['audenci.db', 'audenci.db-wal', 'audenci.db-shm', 'secret.key']) {
            assert.ok(all.has(name), `${name} exists`);
          }
        }
        const blobs = files.filter((f) => /^media\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f));
        assert.equal(blobs.length, 2, `the upload and its thumbnail are stored: ${files.join(', ')}`);
        assert.ok(all.has(path.join('media', 'tmp')), 'the upload went through the temporary folder');
        assertOwnerOnly(dataDir);
      });
    });
  }
});

describe('tightenDataDir', () => {
  it('does not follow symbolic links, and leaves a missing data dir missing', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-modes-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-outside-'));
    try {
      const target = path.join(outside, 'shared.txt');
      fs.writeFileSync(target, 'x');
      fs.chmodSync(target, 0o644);
      fs.chmodSync(root, 0o755);
      fs.chmodSync(outside, 0o755);
      fs.symlinkSync(target, path.join(root, 'link.txt'));
      fs.symlinkSync(outside, path.join(root, 'linked-dir'));
      await tightenDataDir(root);
      assert.equal(modeOf(root), 0o700);
      assert.equal(modeOf(target), 0o644, 'the file behind a link is not changed');
      assert.equal(modeOf(outside), 0o755, 'nor the folder behind a link');

      const missing = path.join(root, 'missing');
      await tightenDataDir(missing);
      assert.equal(fs.existsSync(missing), false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
