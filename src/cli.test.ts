/* eslint-disable @typescript-eslint/no-explicit-any -- CLI answers are JSON of any shape */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { CONFIG_VARIABLES, loadConfig } from './config/index.js';
import { createDb } from './db/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test/fakes/webhook-receiver.js';
import { signedHeaders } from '../test/helpers/webhooks.js';

// The real CLI, as child processes from the repository root, with a temporary data dir, no stdin and an
// environment stripped of every Audenci variable.

const ROOT = path.resolve(fileURLToPath(import.meta.url), '../..');

/** True when `npm run build` output exists for every source file and is not older than it. */
function distIsFresh(dir = 'src'): boolean {
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const source = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!distIsFresh(source)) return false;
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      const built = path.join(ROOT, 'dist', source.slice('src/'.length).replace(/\.ts$/, '.js'));
      if (!fs.existsSync(built)) return false;
      if (fs.statSync(built).mtimeMs < fs.statSync(path.join(ROOT, source)).mtimeMs) return false;
    }
  }
  return true;
}

// The npm bin runs the compiled CLI; CI builds before testing, and a child then starts in about half the
// time it takes through tsx. Without a fresh build the sources run through tsx.
const CLI = distIsFresh() ? ['bin/audenci.js'] : ['--import', 'tsx', 'src/cli.ts'];
const KEY_LINE = /^sk_prod_[0-9A-Za-z]{38}$/;
const SHUTDOWN_TIMEOUT_MS = 5_000;
const COMMANDS = [
  'serve',
  'api',
  'worker',
  'migrate',
  'orgs create',
  'orgs list',
  'keys create',
  'keys list',
  'keys revoke',
  'setup-link',
  'password-reset-link',
  'import posts',
  'jobs get',
  'listen',
  'secrets generate',
  'secrets rotate',
];

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-cli-'));
  tempDirs.push(dir);
  return dir;
}

function baseEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  delete env.NODE_TEST_CONTEXT;
  return { ...env, AUDENCI_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extra };
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv, entry = CLI): ChildProcess {
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// Short commands run a few at a time: a burst of Node start-ups on a small machine is slower than a queue.
// Last in, first out: the next step of a sequence (orgs → keys → list → revoke) goes before the rest of
// the independent burst queued at the start, so the sequences do not wait for all of it.
const MAX_RUNNING = Math.max(2, Math.min(4, os.availableParallelism()));
let running = 0;
const queue: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queue.pop()?.();
  }
}

/** Runs a command to completion (killed after 30 s). */
function run(
  args: string[],
  options: { dataDir?: string; env?: Record<string, string>; entry?: string[] } = {},
): Promise<Result> {
  return limited(() => runNow(args, options));
}

function runNow(
  args: string[],
  options: { dataDir?: string; env?: Record<string, string>; entry?: string[] },
): Promise<Result> {
  const child = spawnCli(args, baseEnv(options.dataDir ?? tempDir(), options.env), options.entry);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The single JSON object a `--json` command prints. */
function onlyJson(result: Result): any {
  assert.equal(result.code, 0, `exit 0 expected; stderr: ${result.stderr}`);
  assert.equal(result.stderr, '');
  const lines = result.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `exactly one line on stdout, got: ${result.stdout}`);
  const value = JSON.parse(lines[0]!);
  assert.equal(typeof value, 'object');
  assert.ok(value !== null && !Array.isArray(value));
  return value;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  port: number;
  lines: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts a long-running role (`serve`, `api`, `worker`) on a free port. */
async function startServer(
  role: string,
  dataDir: string,
  extra: Record<string, string> = {},
): Promise<Server> {
  const port = await freePort();
  const child = spawnCli(
    [role],
    baseEnv(dataDir, {
      PORT: String(port),
      HOST: '127.0.0.1',
      AUDENCI_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...extra,
    }),
  );
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    port,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(pattern, timeoutMs = 45_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`timed out waiting for ${pattern}; output:\n${lines.join('\n')}\n${stderr}`)),
          timeoutMs,
        );
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        void exited.then(() => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(
              new Error(
                `process exited while waiting for ${pattern}; output:\n${lines.join('\n')}\n${stderr}`,
              ),
            );
          }
        });
      });
    },
  };
}

const LISTENING = /"msg":"Audenci API listening"/;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A raw HTTP/1.1 connection: everything the server writes, until it closes the connection. */
function rawConnection(
  port: number,
): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8').on('data', (d: string) => (data += d));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`audenci CLI (${CLI.at(-1)})`, { concurrency: true }, () => {
  describe('help and usage', () => {
    it('--help and <command> --help exit 0 and print usage', async () => {
      const results = await Promise.all([
        run(['--help'], { entry: ['--import', 'tsx', 'src/cli.ts'] }),
        run(['--help'], { entry: ['bin/audenci.js'] }),
        ...COMMANDS.map((c) => run([...c.split(' '), '--help'])),
      ]);
      const [top, bin, ...perCommand] = results;
      for (const r of [top!, bin!]) {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Usage: audenci <command>/);
        for (const c of COMMANDS) assert.ok(r.stdout.includes(`  ${c} `), `${c} listed`);
      }
      perCommand.forEach((r, i) => {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.match(r.stdout, new RegExp(`^Usage: audenci ${COMMANDS[i]}\\b`));
        assert.match(r.stdout, /\nOptions:\n {2}(--|-h)/, `${COMMANDS[i]}: options`);
        assert.match(
          r.stdout,
          new RegExp(`\\nExample:\\n {2}(\\w+=\\S+ )*audenci ${COMMANDS[i]}\\b`),
          `${COMMANDS[i]}: example`,
        );
        assert.match(r.stdout, /\nEnvironment:\n {2}\S/, `${COMMANDS[i]}: environment`);
        // Every option of the usage line is described under Options.
        for (const flag of r.stdout.split('\n')[0]!.match(/--[a-z-]+/g) ?? []) {
          assert.match(r.stdout, new RegExp(`\\n {2}${flag}\\b`), `${COMMANDS[i]}: ${flag}`);
        }
      });
      // Every option a command takes is described in its help.
      const listen = perCommand[COMMANDS.indexOf('listen')]!.stdout;
      for (const flag of [
        '--forward-to',
        '--events',
        '--secret',
        '--after',
        '--interval',
        '--base-url',
        '--key',
        '--json',
      ]) {
        assert.match(listen, new RegExp(`\\n {2}${flag}\\b`), flag);
      }
      assert.match(listen, /AUDENCI_BASE_URL/);
      assert.match(listen, /AUDENCI_API_KEY/);
      for (const code of ['0', '1', '2', '3', '4', '78'])
        assert.match(top!.stdout, new RegExp(`\\n {2}${code} +\\w`));
    });

    it('help <command> is <command> --help; --version prints the version', async () => {
      const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as any).version;
      const [viaHelp, viaFlag, text, asJson, helpJson] = await Promise.all([
        run(['help', 'keys', 'create']),
        run(['keys', 'create', '--help']),
        run(['--version']),
        run(['--version', '--json']),
        run(['help', 'listen', '--json']),
      ]);
      assert.equal(viaHelp.code, 0, viaHelp.stderr);
      assert.equal(viaHelp.stdout, viaFlag.stdout);
      assert.equal(text.code, 0);
      assert.equal(text.stdout, `audenci ${version}\n`);
      assert.deepEqual(onlyJson(asJson), { version });
      const help = onlyJson(helpJson);
      assert.equal(help.command, 'listen');
      assert.match(help.help, /^Usage: audenci listen --forward-to/);
    });

    it('--json: a usage error, an unknown command, a bad setting and an unreachable server each print one error object, with distinct exit codes', async () => {
      const port = await freePort();
      const unreachable = { AUDENCI_BASE_URL: `http://127.0.0.1:${port}`, AUDENCI_API_KEY: 'sk_test_x' };
      const [usage, unknown, noCommand, config, jobs, listen] = await Promise.all([
        run(['keys', 'create', '--scope', 'read', '--bogus', '--json']),
        run(['frobnicate', '--json']),
        run(['--json']),
        run(['migrate', '--json'], { env: { PORT: 'abc' } }),
        run(['jobs', 'get', 'job_x', '--json'], { env: unreachable }),
        run(['listen', '--forward-to', 'http://127.0.0.1:9/hook', '--json'], { env: unreachable }),
      ]);
      const error = (r: Result, exitCode: number, code: string) => {
        assert.equal(r.code, exitCode, `${code}: ${r.stdout}${r.stderr}`);
        assert.equal(r.stderr, '', code);
        const lines = r.stdout.split('\n').filter(Boolean);
        assert.equal(lines.length, 1, r.stdout);
        const value = JSON.parse(lines[0]!);
        assert.deepEqual(Object.keys(value), ['error']);
        assert.equal(value.error.code, code);
        assert.equal(value.error.exitCode, exitCode);
        assert.equal(typeof value.error.message, 'string');
        return value.error;
      };
      assert.match(error(usage, 2, 'USAGE_ERROR').usage, /^audenci keys create/);
      error(unknown, 2, 'UNKNOWN_COMMAND');
      error(noCommand, 2, 'USAGE_ERROR');
      assert.equal(error(config, 78, 'CONFIG_ERROR').variable, 'PORT');
      assert.match(
        error(jobs, 3, 'CONNECTION_ERROR').message,
        new RegExp(`cannot reach http://127.0.0.1:${port}/`),
      );
      error(listen, 3, 'CONNECTION_ERROR');
    });

    it('an unknown command exits 2; a usage error exits 2 with the usage', async () => {
      const [unknown, bogus] = await Promise.all([
        run(['frobnicate']),
        run(['keys', 'create', '--scope', 'read', '--bogus']),
      ]);
      assert.equal(unknown.code, 2);
      assert.equal(unknown.stdout, '');
      assert.match(unknown.stderr, /unknown command 'frobnicate'/);
      assert.equal(bogus.code, 2);
      assert.equal(bogus.stdout, '');
      assert.match(bogus.stderr, /bogus.*\nUsage: audenci keys create/);
    });
  });

  describe('organizations and keys', { concurrency: false }, () => {
    const dataDir = tempDir();
    let orgId = '';
    let keyId = '';
    let fullKey = '';

    it('orgs create --json prints one object; --rate-limit is reflected; a bad plan fails cleanly', async () => {
      const [created, limited, bad, badJson] = await Promise.all([
        run(['orgs', 'create', '--name', 'Acme', '--plan', 'growth', '--json'], { dataDir }),
        run(['orgs', 'create', '--name', 'Limited', '--plan', 'starter', '--rate-limit', '42', '--json']),
        run(['orgs', 'create', '--name', 'Bad', '--plan', 'platinum']),
        run(['orgs', 'create', '--name', 'Bad', '--plan', 'platinum', '--json']),
      ]);
      const org = onlyJson(created);
      assert.match(org.id, /^org_[0-9A-Z]{26}$/);
      assert.equal(org.name, 'Acme');
      assert.equal(org.plan, 'growth');
      assert.equal(org.rateLimit.limit, 500);
      orgId = org.id;

      const custom = onlyJson(limited);
      assert.equal(custom.plan, 'starter');
      assert.equal(custom.rateLimit.limit, 42);

      assert.notEqual(bad.code, 0);
      assert.equal(bad.stdout, '');
      assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1, bad.stderr);
      assert.match(bad.stderr, /^audenci: .*plan/);
      // With --json the same failure is one error object on stdout, exit 1.
      assert.equal(badJson.code, 1);
      assert.equal(badJson.stderr, '');
      const { error } = JSON.parse(badJson.stdout);
      assert.equal(error.code, 'INVALID_INPUT');
      assert.equal(error.details.field, 'plan');
    });

    it('keys create --test --json prints the key once, with its id, scope and environment', async () => {
      const key = onlyJson(
        await run(['keys', 'create', '--org', orgId, '--scope', 'read_write', '--test', '--json'], {
          dataDir,
        }),
      );
      assert.match(key.id, /^key_[0-9A-Z]{26}$/);
      assert.match(key.key, /^sk_test_[0-9A-Za-z]{32,}$/);
      assert.equal(key.scope, 'read_write');
      assert.equal(key.environment, 'test');
      keyId = key.id;
      fullKey = key.key;
    });

    it('keys list --json and orgs list --json show it without the full key', async () => {
      const [keysOut, orgsOut] = await Promise.all([
        run(['keys', 'list', '--json'], { dataDir }),
        run(['orgs', 'list', '--json'], { dataDir }),
      ]);
      assert.ok(!keysOut.stdout.includes(fullKey), 'the full key is never listed');
      assert.ok(!keysOut.stdout.includes(fullKey.slice(12, -4)), 'not even its middle');
      const listed = onlyJson(keysOut);
      const key = listed.data.find((k: any) => k.id === keyId);
      assert.ok(key, 'the key is listed');
      assert.equal(key.key, undefined);
      assert.equal(key.status, 'active');
      assert.equal(key.last4, fullKey.slice(-4));
      assert.ok(fullKey.startsWith(key.prefix));
      assert.ok(onlyJson(orgsOut).data.some((o: any) => o.id === orgId));
    });

    it('keys revoke --json answers status revoked', async () => {
      const key = onlyJson(await run(['keys', 'revoke', keyId, '--json'], { dataDir }));
      assert.equal(key.id, keyId);
      assert.equal(key.status, 'revoked');
      assert.ok(key.revokedAt);
      assert.equal(key.key, undefined);
    });

    it("keys create --scope takes the seed's spellings (read-write, read-only) and prints the canonical name", async () => {
      const [readWrite, readOnly, readUnderscore, bad] = await Promise.all([
        run(['keys', 'create', '--org', orgId, '--scope', 'read-write', '--json'], { dataDir }),
        run(['keys', 'create', '--org', orgId, '--scope', 'read-only', '--json'], { dataDir }),
        run(['keys', 'create', '--org', orgId, '--scope', 'read_only', '--json'], { dataDir }),
        run(['keys', 'create', '--org', orgId, '--scope', 'write'], { dataDir }),
      ]);
      const rw = onlyJson(readWrite);
      assert.equal(rw.scope, 'read_write');
      assert.match(rw.key, KEY_LINE);
      assert.equal(onlyJson(readOnly).scope, 'read');
      assert.equal(onlyJson(readUnderscore).scope, 'read');
      const listed = onlyJson(await run(['keys', 'list', '--org', orgId, '--json'], { dataDir }));
      assert.equal(listed.data.find((k: any) => k.id === rw.id)?.scope, 'read_write');

      assert.notEqual(bad.code, 0);
      assert.equal(bad.stdout, '');
      assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1, bad.stderr);
      assert.match(
        bad.stderr,
        /^audenci: .*scope.*read, read_write, admin \(aliases: read-only, read_only, read-write\)/,
      );
    });
  });

  describe('secrets', () => {
    it('generate prints a new 32-byte hex key; rotate --json reports what it re-encrypted', async () => {
      const dataDir = tempDir();
      const [generated, other] = await Promise.all([
        run(['secrets', 'generate']),
        run(['secrets', 'generate']),
      ]);
      assert.equal(generated.code, 0, generated.stderr);
      assert.match(generated.stdout, /^[0-9a-f]{64}\n$/);
      assert.notEqual(generated.stdout, other.stdout);
      const env = {
        AUDENCI_SECRET_KEY: generated.stdout.trim(),
        AUDENCI_SECRET_KEY_PREVIOUS: other.stdout.trim(),
      };
      const report = onlyJson(await run(['secrets', 'rotate', '--json'], { dataDir, env }));
      assert.deepEqual(report, { scanned: 0, resealed: 0, unreadable: [] });
      const bad = await run(['secrets', 'rotate'], {
        dataDir,
        env: { ...env, AUDENCI_SECRET_KEY_PREVIOUS: 'too-short' },
      });
      assert.equal(bad.code, 78);
      assert.match(bad.stderr, /AUDENCI_SECRET_KEY_PREVIOUS/);
      assert.ok(!bad.stderr.includes('too-short'), 'the value is not echoed');
    });
  });

  describe('setup-link', { concurrency: false }, () => {
    it('prints a new link for the organization without an owner, or --org; refuses when there is none', async () => {
      const dataDir = tempDir();
      const none = await run(['setup-link'], { dataDir });
      assert.equal(none.code, 1, none.stderr);
      assert.match(none.stderr, /^audenci: No organization without an owner/);
      const org = onlyJson(
        await run(['orgs', 'create', '--name', 'Acme', '--plan', 'growth', '--json'], { dataDir }),
      );
      const first = onlyJson(await run(['setup-link', '--json'], { dataDir }));
      assert.equal(first.organizationId, org.id);
      assert.match(first.url, /^http:\/\/localhost:3000\/setup\?token=[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(first.expiresAt) > Date.now() + 6 * 86_400_000);
      const text = await run(['setup-link', '--org', org.id], { dataDir });
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stdout,
        new RegExp(`^Set up an owner of ${org.id} .*\\nhttp://localhost:3000/setup\\?token=`),
      );
      const unknown = await run(['setup-link', '--org', 'org_nope'], { dataDir });
      assert.equal(unknown.code, 1, unknown.stderr);
    });
  });

  describe('password-reset-link', { concurrency: false }, () => {
    it('prints a one-time reset link for the person of an email; an unknown email fails', async () => {
      const dataDir = tempDir();
      const org = onlyJson(
        await run(['orgs', 'create', '--name', 'Acme', '--plan', 'growth', '--json'], { dataDir }),
      );
      // A person, as accepting an invitation would have stored them.
      const config = loadConfig({ AUDENCI_DATA_DIR: dataDir });
      const handle = createDb(config);
      const now = Date.now();
      try {
        await handle.db
          .insertInto('users')
          .values({
            id: 'usr_cli',
            email: 'ada@example.com',
            name: 'Ada',
            password_hash: 'not used here',
            created_at: now,
            updated_at: now,
          })
          .execute();
        await handle.db
          .insertInto('memberships')
          .values({
            id: 'mem_cli',
            organization_id: org.id,
            user_id: 'usr_cli',
            role: 'owner',
            created_at: now,
            updated_at: now,
          })
          .execute();
      } finally {
        await handle.destroy();
      }
      const link = onlyJson(
        await run(['password-reset-link', '--email', 'Ada@Example.com', '--json'], { dataDir }),
      );
      assert.equal(link.userId, 'usr_cli');
      assert.match(link.url, /^http:\/\/localhost:3000\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
      const expiresAt = Date.parse(link.expiresAt);
      assert.ok(expiresAt > now + 3_500_000 && expiresAt < Date.now() + 3_700_000);
      const text = await run(['password-reset-link', '--email', 'ada@example.com'], { dataDir });
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stdout,
        /^Reset the password of ada@example\.com .*\nhttp:\/\/localhost:3000\/reset-password\?token=/,
      );
      const unknown = await run(['password-reset-link', '--email', 'nobody@example.com'], { dataDir });
      assert.equal(unknown.code, 1, unknown.stderr);
      assert.match(unknown.stderr, /No account with the email/);
      const missing = await run(['password-reset-link'], { dataDir });
      assert.equal(missing.code, 2, missing.stderr);

      const check = createDb(config);
      try {
        const resets = await check.db.selectFrom('password_resets').selectAll().execute();
        assert.equal(resets.length, 2);
        assert.ok(resets.every((r) => r.user_id === 'usr_cli' && !link.url.includes(r.token_hash)));
        const entries = await check.db
          .selectFrom('audit_log')
          .selectAll()
          .where('action', '=', 'user.password_reset_requested')
          .execute();
        assert.equal(entries.length, 2);
        assert.equal(entries[0]!.actor_type, 'system');
        assert.equal(entries[0]!.organization_id, org.id);
      } finally {
        await check.destroy();
      }
    });
  });

  describe('migrate', { concurrency: false }, () => {
    it('migrate --json applies every migration once, then nothing', async () => {
      const dataDir = tempDir();
      const first = onlyJson(await run(['migrate', '--json'], { dataDir }));
      assert.equal(first.database, 'sqlite');
      assert.ok(Array.isArray(first.applied) && first.applied.length > 0);
      assert.ok(first.applied.every((name: unknown) => typeof name === 'string'));
      const second = onlyJson(await run(['migrate', '--json'], { dataDir }));
      assert.deepEqual(second, { database: 'sqlite', applied: [] });
    });

    it('migrate --json against PostgreSQL', { skip: !process.env.TEST_DATABASE_URL }, async () => {
      const admin = new URL(process.env.TEST_DATABASE_URL!);
      admin.pathname = '/postgres';
      const name = `audenci_cli_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: admin.href });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
        const target = new URL(admin.href);
        target.pathname = `/${name}`;
        const env = { DATABASE_URL: target.href, AUDENCI_SECRET_KEY: randomBytes(32).toString('hex') };
        const first = onlyJson(await run(['migrate', '--json'], { env }));
        assert.equal(first.database, 'postgres');
        assert.ok(first.applied.length > 0);
        const second = onlyJson(await run(['migrate', '--json'], { env }));
        assert.deepEqual(second, { database: 'postgres', applied: [] });
        const org = onlyJson(
          await run(['orgs', 'create', '--name', 'PG', '--plan', 'scale', '--json'], { env }),
        );
        assert.match(org.id, /^org_/);
      } finally {
        await client.query(`drop database if exists ${name} with (force)`);
        await client.end();
      }
    });
  });

  describe('configuration errors', () => {
    it('a bad environment variable stops serve with one line on stderr naming it', async () => {
      const result = await run(['serve'], { env: { PORT: 'abc' } });
      assert.notEqual(result.code, 0);
      assert.equal(result.stdout, '');
      const lines = result.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /PORT/);
      assert.match(lines[0]!, /abc/);
    });
  });

  describe('serve: first start, second start and graceful shutdown', { concurrency: false }, () => {
    const dataDir = tempDir();
    let adminKey = '';

    it('the first start on an empty data dir prints an admin live key, an admin test key and a setup link', async () => {
      const server = await startServer('serve', dataDir);
      await server.waitForLine(LISTENING);
      const keys = server.lines.filter((l) => KEY_LINE.test(l));
      assert.equal(keys.length, 1, server.lines.join('\n'));
      adminKey = keys[0]!;
      assert.equal(server.lines.filter((l) => l.includes('sk_prod_')).length, 1, 'the key appears once');

      const base = `http://127.0.0.1:${server.port}`;
      const brands = await fetch(`${base}/api/v1/brands`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      assert.equal(brands.status, 200);
      const body = (await brands.json()) as any;
      assert.deepEqual(body.data, []);
      assert.equal(body.pagination.totalCount, 0);
      const anonymous = await fetch(`${base}/api/v1/brands`);
      assert.equal(anonymous.status, 401);

      // Beside it, an admin test key, as two lines to paste into a shell: the base URL and the key.
      const exports = server.lines.filter((l) => l.startsWith('export AUDENCI_'));
      assert.deepEqual(
        exports.map((l) => l.split('=')[0]),
        ['export AUDENCI_BASE_URL', 'export AUDENCI_API_KEY'],
        server.lines.join('\n'),
      );
      assert.equal(exports[0], `export AUDENCI_BASE_URL=http://localhost:${server.port}`);
      const testKey = exports[1]!.slice('export AUDENCI_API_KEY='.length);
      assert.match(testKey, /^sk_test_[0-9A-Za-z]{38}$/);
      assert.equal(server.lines.filter((l) => l.includes('sk_test_')).length, 1, 'the test key appears once');
      const post = (key: string, path: string, body: unknown) =>
        fetch(`${base}/api/v1${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const testBrand = await post(testKey, '/brands', { name: 'Sandbox brand' });
      assert.equal(testBrand.status, 201, await testBrand.clone().text());
      const brandId = ((await testBrand.json()) as any).data.id as string;
      const sandbox = await post(testKey, '/social-accounts', {
        brandId,
        platform: 'twitter',
        name: 'Sandbox',
      });
      assert.equal(sandbox.status, 201, await sandbox.clone().text());
      // The same request with the live key says how to get a test key, naming this organization.
      const liveBrand = ((await (await post(adminKey, '/brands', { name: 'Live brand' })).json()) as any)
        .data;
      const refused = await post(adminKey, '/social-accounts', {
        brandId: liveBrand.id,
        platform: 'twitter',
        name: 'Live',
      });
      assert.equal(refused.status, 400);
      const orgId = /created organization (org_\w+)/.exec(server.lines.join('\n'))![1]!;
      assert.ok(
        ((await refused.json()) as any).error.message.includes(
          `npm run audenci -- keys create --org ${orgId} --scope admin --test`,
        ),
      );

      // Beside the key, a setup link that makes its holder the first owner, once.
      const setupLines = server.lines.filter((l) => l.startsWith('Set up the first owner: '));
      assert.equal(setupLines.length, 1, server.lines.join('\n'));
      const link = new URL(setupLines[0]!.slice('Set up the first owner: '.length));
      assert.equal(link.pathname, '/setup');
      const setup = (token: string | null) =>
        fetch(`${base}/auth/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            token,
            name: 'First Owner',
            email: 'owner@example.com',
            password: 'a long passphrase',
          }),
        });
      const accepted = await setup(link.searchParams.get('token'));
      assert.equal(accepted.status, 200, await accepted.clone().text());
      assert.equal(((await accepted.json()) as any).data.role, 'owner');
      assert.match(accepted.headers.get('set-cookie') ?? '', /^audenci_session=/);
      assert.equal((await setup(link.searchParams.get('token'))).status, 410);

      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      assert.equal(code, 0, server.stderr());
    });

    it('a second start does not print a key; SIGTERM lets an accepted request finish, then exits 0', async () => {
      assert.ok(adminKey, 'the first start ran');
      const server = await startServer('serve', dataDir);
      await server.waitForLine(LISTENING);
      assert.ok(!server.lines.some((l) => /sk_(prod|test)_/.test(l)), 'no key on a second start');

      // An idle keep-alive connection: the server must close it instead of waiting for it.
      const idle = await rawConnection(server.port);
      idle.socket.write(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
      for (let i = 0; i < 1500 && !/\r\n\r\n[\s\S]*\}/.test(idle.received()); i++) await sleep(20);
      assert.match(idle.received(), /^HTTP\/1\.1 200/);

      // An accepted request in flight: headers and part of the body sent, the rest after SIGTERM. The
      // server answers `100 Continue` when it dispatches the request; a pause lets authentication finish.
      const body = JSON.stringify({ name: 'Created during shutdown' });
      const inflight = await rawConnection(server.port);
      inflight.socket.write(
        [
          'POST /api/v1/brands HTTP/1.1',
          'Host: localhost',
          `Authorization: Bearer ${adminKey}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
          'Expect: 100-continue',
          '',
          body.slice(0, 10),
        ].join('\r\n'),
      );
      for (let i = 0; i < 1500 && !inflight.received().startsWith('HTTP/1.1 100'); i++) await sleep(20);
      assert.match(inflight.received(), /^HTTP\/1\.1 100 Continue/);
      await sleep(500);

      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      await server.waitForLine(/"msg":"shutting down"/, 5_000);

      // The listening socket closes: new connections are refused.
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        refused = !(await canConnect(server.port));
        if (!refused) await sleep(50);
      }
      assert.ok(refused, 'the port stops accepting connections after SIGTERM');
      await idle.closed; // closed by the server, not by us
      assert.equal(server.child.exitCode, null, 'still running while a request is in flight');

      inflight.socket.write(body.slice(10));
      await inflight.closed;
      assert.match(inflight.received(), /\r\n\r\nHTTP\/1\.1 201 /);
      assert.match(inflight.received(), /"name":"Created during shutdown"/);

      const { code, at } = await server.exited;
      assert.equal(code, 0, server.stderr());
      assert.ok(at - signalledAt < SHUTDOWN_TIMEOUT_MS, `exited within ${SHUTDOWN_TIMEOUT_MS} ms`);
      assert.ok(server.lines.some((l) => l.includes('"msg":"shut down cleanly"')));
      assert.ok(!server.lines.some((l) => l.includes('shutdown timed out')));
    });
  });

  describe('worker', () => {
    it('starts, stays up and exits 0 on SIGTERM', async () => {
      const server = await startServer('worker', tempDir());
      await server.waitForLine(/"msg":"worker started/);
      await sleep(1_000);
      assert.equal(server.child.exitCode, null, 'the worker stays up');
      assert.ok(!(await canConnect(server.port)), 'the worker does not listen');
      assert.ok(!server.lines.some((l) => l.includes('sk_prod_')), 'the worker creates no key');
      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      const { code, at } = await server.exited;
      assert.equal(code, 0, server.stderr());
      assert.ok(at - signalledAt < SHUTDOWN_TIMEOUT_MS);
      assert.ok(server.lines.some((l) => l.includes('"msg":"shut down cleanly"')));
    });
  });
});

describe('audenci import posts (through a running server)', { concurrency: false }, () => {
  const dataDir = tempDir();
  let server: Server;
  let api: Record<string, string> = {};
  let brandId = '';

  after(() => server?.child.kill('SIGTERM'));

  it('starts a server and makes a brand to import into', async () => {
    server = await startServer('serve', dataDir);
    await server.waitForLine(LISTENING);
    const key = server.lines.find((l) => KEY_LINE.test(l))!;
    api = { AUDENCI_BASE_URL: `http://127.0.0.1:${server.port}`, AUDENCI_API_KEY: key };
    const res = await fetch(`${api.AUDENCI_BASE_URL}/api/v1/brands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Imports' }),
    });
    assert.equal(res.status, 201);
    brandId = ((await res.json()) as any).data.id;
  });

  it('imports a JSON file: progress on stderr (a line per 10 %), a summary, exit 0', async () => {
    const file = path.join(tempDir(), 'posts.json');
    const posts = Array.from({ length: 1200 }, (_, i) => ({ platform: 'twitter', caption: `Post ${i}` }));
    fs.writeFileSync(file, JSON.stringify({ posts }));
    const result = await run(['import', 'posts', file, '--brand', brandId], { env: api, dataDir });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split('\n').filter(Boolean);
    assert.match(lines[0]!, /^Submitted job_[0-9A-Z]{26}$/);
    const progress = lines.slice(1);
    assert.ok(progress.length >= 1 && progress.length <= 11, result.stderr);
    assert.match(progress.at(-1)!, /^succeeded 1200\/1200 \(100 %\): 1200 succeeded, 0 failed$/);
    assert.ok(!result.stderr.includes('\r'), 'no carriage returns when stderr is not a terminal');
    assert.match(result.stdout, /^Job job_\w+ succeeded: 1200 of 1200 items succeeded, 0 failed\n$/);

    const listed = await fetch(`${api.AUDENCI_BASE_URL}/api/v1/posts?brandId=${brandId}&limit=1`, {
      headers: { authorization: `Bearer ${api.AUDENCI_API_KEY}` },
    });
    assert.equal(((await listed.json()) as any).pagination.totalCount, 1200);
  });

  it('a CSV with a bad row: the summary names the item, exit 1; --json prints only the final job', async () => {
    const file = path.join(tempDir(), 'posts.csv');
    fs.writeFileSync(file, 'platform,caption\ntwitter,Fine one\nmyspace,Bad platform\nfacebook,Fine two\n');
    const [text, asJson] = await Promise.all([
      run(['import', 'posts', file, '--brand', brandId], { env: api, dataDir }),
      run(['import', 'posts', file, '--brand', brandId, '--json'], { env: api, dataDir }),
    ]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /succeeded: 2 of 3 items succeeded, 1 failed/);
    assert.match(text.stdout, /\n {2}item 1: INVALID_INPUT/);

    assert.equal(asJson.code, 1);
    assert.equal(asJson.stderr, '');
    const lines = asJson.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, asJson.stdout);
    const job = JSON.parse(lines[0]!);
    assert.equal(job.type, 'posts.import');
    assert.equal(job.status, 'succeeded');
    assert.deepEqual(job.progress, { total: 3, processed: 3, succeeded: 2, failed: 1 });
    assert.equal(job.errors[0].index, 1);

    const shown = await run(['jobs', 'get', job.id, '--json'], { env: api, dataDir });
    assert.equal(onlyJson(shown).id, job.id);
  });

  it('--json: a refused key exits 4, an unknown job exits 1, each with the API error object', async () => {
    const [refused, missing, human] = await Promise.all([
      run(['jobs', 'get', 'job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', '--json'], {
        env: { ...api, AUDENCI_API_KEY: 'sk_prod_000000000000000000000000000000000000000' },
        dataDir,
      }),
      run(['jobs', 'get', 'job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', '--json'], { env: api, dataDir }),
      run(['jobs', 'get', 'job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'], { env: api, dataDir }),
    ]);
    for (const [r, exitCode, status] of [
      [refused, 4, 401],
      [missing, 1, 404],
    ] as const) {
      assert.equal(r.code, exitCode, r.stdout + r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, r.stdout);
      const { error } = JSON.parse(lines[0]!);
      assert.equal(error.status, status);
      assert.equal(error.exitCode, exitCode);
      assert.match(error.code, /^[A-Z_]+$/);
    }
    assert.equal(JSON.parse(refused.stdout).error.code, 'UNAUTHORIZED');
    assert.equal(JSON.parse(missing.stdout).error.code, 'NOT_FOUND');
    assert.equal(human.code, 1);
    assert.equal(human.stdout, '');
    assert.match(human.stderr, /^audenci: NOT_FOUND: /);
  });

  describe('listen', () => {
    let receiver: WebhookReceiver;
    after(() => receiver?.close());

    it('forwards a new event, signed so that standardwebhooks verifies it; retries a 503; Ctrl-C stops it cleanly', async () => {
      receiver = await startWebhookReceiver();
      // The receiver fails the first attempt; the CLI retries.
      receiver.script('/hook', [{ status: 503 }]);
      const child = spawnCli(
        [
          'listen',
          '--forward-to',
          receiver.url('/hook'),
          '--events',
          'post.created',
          '--interval',
          '250',
          '--json',
        ],
        baseEnv(dataDir, api),
      );
      const lines: any[] = [];
      let stderr = '';
      let buffered = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buffered += d;
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) lines.push(JSON.parse(line));
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const waitFor = async (predicate: (line: any) => boolean) => {
        for (let i = 0; i < 1500; i++) {
          const found = lines.find(predicate);
          if (found) return found;
          await sleep(20);
        }
        throw new Error(`timed out; stdout: ${JSON.stringify(lines)}; stderr: ${stderr}`);
      };

      const { listening } = await waitFor((l) => l.listening);
      assert.match(listening.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(listening.forwardTo, receiver.url('/hook'));
      assert.deepEqual(listening.events, ['post.created']);

      // Earlier events (the imports above) are not forwarded: only the post made now.
      const res = await fetch(`${api.AUDENCI_BASE_URL}/api/v1/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.AUDENCI_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ brandId, platform: 'twitter', caption: 'Forwarded by audenci listen' }),
      });
      assert.equal(res.status, 201);
      const postId = ((await res.json()) as any).data.id;

      const forwarded = await waitFor((l) => l.event);
      assert.equal(forwarded.event.type, 'post.created');
      assert.equal(forwarded.status, 200);
      assert.equal(forwarded.attempts, 2);
      const hits = await receiver.waitFor((r) => r.path === '/hook', 2);
      assert.equal(hits.length, 2, 'the 503, then the retry');
      for (const hit of hits) {
        const verified = new Webhook(listening.secret).verify(hit.body, signedHeaders(hit)) as any;
        assert.equal(verified.id, forwarded.event.id);
        assert.equal(verified.type, 'post.created');
        assert.equal(verified.data.id, postId);
        assert.equal(hit.headers['webhook-id'], forwarded.event.id);
      }
      // What GET /events shows for the event is the body, byte for byte.
      const shown = await fetch(`${api.AUDENCI_BASE_URL}/api/v1/events/${forwarded.event.id}`, {
        headers: { authorization: `Bearer ${api.AUDENCI_API_KEY}` },
      });
      assert.equal(hits[1]!.body, JSON.stringify(((await shown.json()) as any).data));
      assert.throws(
        () =>
          new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(
            hits[1]!.body,
            signedHeaders(hits[1]!),
          ),
        /signature/,
      );

      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.equal(stderr, '');
      assert.deepEqual(lines.at(-1), { stopped: { forwarded: 1, lastEventId: forwarded.event.id } });
      assert.equal(lines.filter((l) => l.event).length, 1, JSON.stringify(lines));
    });

    it('usage errors exit 2: no --forward-to, a bad URL, an unknown event type, a bad --secret or --interval', async () => {
      const results = await Promise.all([
        run(['listen', '--json'], { env: api, dataDir }),
        run(['listen', '--forward-to', 'ftp://x', '--json'], { env: api, dataDir }),
        run(['listen', '--forward-to', receiver.url('/'), '--events', 'post.exploded', '--json'], {
          env: api,
          dataDir,
        }),
        run(['listen', '--forward-to', receiver.url('/'), '--secret', 'hunter2', '--json'], {
          env: api,
          dataDir,
        }),
        run(['listen', '--forward-to', receiver.url('/'), '--interval', '5', '--json'], {
          env: api,
          dataDir,
        }),
      ]);
      const messages = results.map((r) => {
        assert.equal(r.code, 2, r.stdout + r.stderr);
        const { error } = JSON.parse(r.stdout);
        assert.equal(error.code, 'USAGE_ERROR');
        assert.match(error.usage, /^audenci listen/);
        return error.message as string;
      });
      assert.match(messages[0]!, /--forward-to is required/);
      assert.match(messages[1]!, /http\(s\)/);
      assert.match(messages[2]!, /post\.exploded/);
      assert.match(messages[3]!, /--secret/);
      assert.match(messages[4]!, /--interval/);
    });
  });

  it('usage errors exit 2: no --brand, no key, a missing or unsupported file', async () => {
    const csv = path.join(tempDir(), 'x.txt');
    fs.writeFileSync(csv, 'hello');
    const deep = path.join(tempDir(), 'deep.json');
    fs.writeFileSync(deep, `[{"metadata":${'['.repeat(50_000)}${']'.repeat(50_000)}}]`);
    const results = await Promise.all([
      run(['import', 'posts', 'posts.csv'], { env: api, dataDir }),
      run(['import', 'posts', 'posts.csv', '--brand', brandId], { env: { ...api, AUDENCI_API_KEY: '' } }),
      run(['import', 'posts', '/nonexistent/posts.csv', '--brand', brandId], { env: api, dataDir }),
      run(['import', 'posts', csv, '--brand', brandId], { env: api, dataDir }),
      run(['import', 'posts', deep, '--brand', brandId], { env: api, dataDir }),
    ]);
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /Usage: audenci import posts/);
    }
    assert.match(results[0]!.stderr, /--brand is required/);
    assert.match(results[1]!.stderr, /API key/);
    assert.match(results[4]!.stderr, /deep\.json: JSON may nest objects and arrays at most 32 levels deep/);
  });
});
