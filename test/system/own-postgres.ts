/**
 * A PostgreSQL cluster of the test's own (never the shared server on 5432), that a test may freeze:
 * `initdb` into a temporary directory, then `postgres -D <dir> -p <free port> -k <dir>` in the
 * foreground as a child of the test (so its pid is the postmaster's, and it dies with the test).
 *
 * `initdb` and `postgres` refuse to run as root ("cannot be run as root"; the tests run as root in CI),
 * so as root both run as the `postgres` system user (or `nobody`), through spawn's `uid`/`gid`, in a
 * directory that user owns. As any other user they run as that user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './harness.js';

const ROOT = '/usr/lib/postgresql';

/** The bin directory of the newest installed PostgreSQL (Debian layout), or undefined. */
function binDir(): string | undefined {
  if (!fs.existsSync(ROOT)) return undefined;
  const versions = fs
    .readdirSync(ROOT)
    .filter((v) => fs.existsSync(path.join(ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(ROOT, versions[0], 'bin');
}

const BIN = binDir();

/** Why the tests on an own cluster are skipped, or false. */
export const skipOwnPostgres: string | false = BIN
  ? false
  : `no PostgreSQL server binaries under ${ROOT}/*/bin: the frozen-PostgreSQL system test is skipped`;

/** The unprivileged user the server runs as when the test runs as root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL');
}

/** Pids of every descendant of `pid` (the postmaster's backends and auxiliary processes). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

export interface OwnPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/audenci` */
  url: string;
  port: number;
  /** The postmaster. */
  pid: number;
  /** SIGSTOP to the postmaster, then to every backend: nothing answers, connections stay open. */
  freeze(): number[];
  /** SIGCONT to every process frozen. */
  thaw(): void;
  /** The server's own log (its last lines). */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) {
    try {
      for (const pid of [child.pid!, ...descendants(child.pid!)]) process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
    child.kill('SIGKILL');
  }
});

export async function startOwnPostgres(): Promise<OwnPostgres> {
  if (!BIN) throw new Error(String(skipOwnPostgres));
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-pg-'));
  const data = path.join(dir, 'data');
  if (user) fs.chownSync(dir, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const init = spawnSync(
    path.join(BIN, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    { ...as, encoding: 'utf8', timeout: 60_000 },
  );
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr}${init.stdout}`);
  const port = await freePort();
  const child = spawn(
    path.join(BIN, 'postgres'),
    // The socket directory is the test's own: nothing of the machine's server (/var/run/postgresql).
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { ...as, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let log = '';
  const collect = (d: Buffer) => (log = (log + d.toString('utf8')).slice(-32 * 1024));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('create database audenci');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`PostgreSQL on port ${port} did not start: ${String(error)}\n${log}`);
      }
      await sleep(100);
    }
  }
  let frozen: number[] = [];
  const own: OwnPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/audenci`,
    port,
    pid: child.pid!,
    freeze() {
      // The postmaster first, so that it forks nothing new meanwhile.
      process.kill(child.pid!, 'SIGSTOP');
      frozen = [child.pid!, ...descendants(child.pid!)];
      for (const pid of frozen.slice(1)) {
        try {
          process.kill(pid, 'SIGSTOP');
        } catch {
          // a backend that ended just now
        }
      }
      return frozen;
    },
    thaw() {
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // exited meanwhile
        }
      }
      frozen = [];
    },
    log: () => log,
    async stop() {
      own.thaw();
      // SIGINT: PostgreSQL's fast shutdown (sessions are ended, nothing is waited for).
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      running.delete(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return own;
}
