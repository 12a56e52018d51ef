import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../config/index.js';
import { createTestDatabase, dialects, startApp, type TestApp } from '../../../../test/helpers/app.js';
import { drivers, startStorage, type StorageFixture } from '../../../../test/helpers/media.js';
import { createMediaStorage, type MediaStorage } from './index.js';
import { temporaryName } from './temporary.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The pid of a process that has ended (a child started and waited for). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** A running process (until `stop`), standing for another process of this machine with an upload going. */
function livingProcess(): { pid: number; stop(): void } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

/** A temporary name as a process with `pid` on this machine makes it (`temporaryName` is this one's). */
const nameOf = (pid: number) => temporaryName().replace(/\.\d+\./, `.${pid}.`);

/** Storage fixture and the driver over it, with a data dir of its own. */
async function open(driver: 'local' | 's3') {
  const fixture = await startStorage(driver);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-storage-'));
  const config = loadConfig({ AUDENCI_DATA_DIR: dataDir, ...fixture.env });
  const storage = await createMediaStorage(config);
  // The fixture lists through a test app; these tests have none, only the data dir.
  const t = { runtime: { config } } as unknown as TestApp;
  return {
    fixture,
    storage,
    dataDir,
    list: () => fixture.list(t),
    putRaw: (key: string, data: Buffer) => fixture.putRaw(t, key, data),
  };
}

for (const driver of drivers) {
  describe(`media storage: staging and the temporary area (${driver})`, () => {
    let fixture: StorageFixture;
    let storage: MediaStorage;
    let dataDir: string;
    let list: () => Promise<string[]>;
    let putRaw: (key: string, data: Buffer) => Promise<void>;

    before(async () => {
      ({ fixture, storage, dataDir, list, putRaw } = await open(driver));
    });
    after(async () => {
      await storage.close();
      await fixture.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    // Local files are staged as temporary files; on S3 a body under 8 MiB is held in memory and a
    // larger one is a temporary object.
    for (const [label, bytes, inTmp] of [
      ['a small body', 64 * 1024, driver === 'local'],
      ['a body of several parts', 9 * 1024 * 1024, true],
    ] as const) {
      it(`${label}: staged bytes are readable, stored under their key only on commit`, async () => {
        const data = Buffer.alloc(bytes, 7);
        data.write('audenci', 100);
        const staged = await storage.stage(Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
        assert.equal(staged.key, sha256(data));
        assert.equal(staged.size, data.length);
        assert.deepEqual(await readAll(await staged.read({ start: 100, end: 106 })), Buffer.from('audenci'));
        assert.equal(await storage.stat(staged.key), null, 'not under its key before the commit');
        const held = await list();
        assert.equal(held.length, inTmp ? 1 : 0, held.join());
        if (inTmp) assert.match(held[0]!, /(^|\/)tmp\/[0-9a-f]{12}\.\d+\.[0-9a-f-]{36}$/);

        await staged.commit();
        assert.deepEqual(await storage.stat(staged.key), { size: data.length });
        assert.ok((await readAll(await storage.get(staged.key))).equals(data));
        const blob =
          driver === 'local'
            ? [`${staged.key.slice(0, 2)}/${staged.key.slice(2, 4)}/${staged.key}`]
            : [`media/${staged.key.slice(0, 2)}/${staged.key.slice(2, 4)}/${staged.key}`];
        assert.deepEqual(await list(), blob, 'the blob, and nothing temporary');
        await staged.discard(); // after a commit: nothing to do
        assert.deepEqual(await storage.stat(staged.key), { size: data.length });
        await storage.delete(staged.key);
        assert.deepEqual(await list(), []);
      });

      it(`${label}: a discarded staging leaves nothing`, async () => {
        const staged = await storage.stage(Readable.from([Buffer.alloc(bytes, 3)]));
        await staged.discard();
        await staged.discard();
        assert.deepEqual(await list(), []);
        assert.equal(await storage.stat(staged.key), null);
      });
    }

    it('a body that fails while staging leaves nothing', async () => {
      const failing = Readable.from(
        (async function* () {
          yield Buffer.alloc(9 * 1024 * 1024, 1);
          throw new Error('the client went away');
        })(),
      );
      await assert.rejects(storage.stage(failing), /the client went away/);
      assert.deepEqual(await list(), []);
    });

    it('a sweep removes what ended processes of this machine left and what is stale, nothing else', async () => {
      const living = livingProcess();
      try {
        const entries = {
          ended: nameOf(await deadPid()),
          living: nameOf(living.pid),
          own: temporaryName(),
          otherMachine: `0123456789ab.${living.pid}.${randomUUID()}`,
          earlierVersion: randomUUID(),
        };
        const tmp = (name: string) => (driver === 'local' ? `tmp/${name}` : `media/tmp/${name}`);
        for (const name of Object.values(entries)) await putRaw(tmp(name), Buffer.from(name));
        const sorted = (names: string[]) => [...names].sort();

        assert.deepEqual(await storage.sweepTemporary(60_000), { removed: 1, kept: 4 });
        const left = [entries.living, entries.own, entries.otherMachine, entries.earlierVersion];
        assert.deepEqual(sorted(await list()), sorted(left.map(tmp)));

        // Untouched for longer than the bound: no running upload can own them, whoever made them.
        await sleep(1100);
        assert.deepEqual(await storage.sweepTemporary(1000), { removed: 4, kept: 0 });
        assert.deepEqual(await list(), []);
      } finally {
        living.stop();
      }
    });
  });
}

for (const dialect of dialects) {
  describe(`media: the temporary area is swept at start (${dialect}, local storage)`, () => {
    it('an upload a crashed process left in media/tmp is gone once the app has started; a running one stays', async () => {
      const database = createTestDatabase(dialect);
      const tmpDir = path.join(database.config.dataDir, 'media', 'tmp');
      fs.mkdirSync(tmpDir, { recursive: true });
      const living = livingProcess();
      const crashed = nameOf(await deadPid());
      const running = nameOf(living.pid);
      fs.writeFileSync(path.join(tmpDir, crashed), Buffer.alloc(1024));
      fs.writeFileSync(path.join(tmpDir, running), Buffer.alloc(1024));
      let t: TestApp | undefined;
      try {
        t = await startApp(database);
        assert.deepEqual(fs.readdirSync(tmpDir), [running]);
        assert.equal(t.runtime.media.temporaryStaleAfterMs, 600_000, '10 minutes by default');
      } finally {
        living.stop();
        await t?.close();
        await database.drop();
      }
    });
  });
}
