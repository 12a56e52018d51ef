import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serverLaunch } from '../bin/build.mjs';
import { main } from './cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every process manifest runs a command the CLI knows, with the env file and restart policy it needs. */
describe('deployment manifests', () => {
  const files = [
    'Procfile',
    ...fs.readdirSync(path.join(ROOT, 'deploy/systemd')).map((f) => path.join('deploy/systemd', f)),
  ];

  it('run commands the CLI knows', async () => {
    const commands = new Set<string>();
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/bin\/audenci\.js ([a-z]+)/g)) commands.add(match[1]!);
    }
    assert.deepEqual([...commands].sort(), ['api', 'migrate', 'worker']);
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    try {
      for (const command of commands) assert.equal(await main([command, '--help']), 0, command);
    } finally {
      process.stdout.write = write;
    }
  });

  it('systemd services read the shared env file and restart long-running processes', () => {
    for (const file of files.filter((f) => f.endsWith('.service'))) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      assert.match(text, /^EnvironmentFile=\/etc\/audenci\/audenci\.env$/m, file);
      if (!file.includes('migrate')) {
        assert.match(text, /^Restart=always$/m, file);
        assert.match(text, /^After=.*audenci-migrate\.service/m, file);
      }
    }
  });

  it('start the server as npm start does: the same Node.js options and environment everywhere', () => {
    // The one place they are written is package.json's start script (bin/build.mjs's serverLaunch());
    // the bench's children and bench/startup.ts read them from there.
    const { env, nodeOptions } = serverLaunch();
    const options = nodeOptions.join(' ');
    const units = files.filter((f) => f.endsWith('.service'));
    assert.ok(units.length >= 3);
    for (const file of units) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const exec = /^ExecStart=\/usr\/bin\/node((?: --\S+)*) \/opt\/audenci\/bin\/audenci\.js [a-z]+$/m.exec(
        text,
      );
      assert.ok(exec, `${file}: ExecStart=/usr/bin/node [options] /opt/audenci/bin/audenci.js <command>`);
      assert.equal(exec[1]!.trim(), options, `${file}: the Node.js options of package.json's start script`);
      const unitEnv = [...text.matchAll(/^Environment=([A-Z_][A-Z0-9_]*)=(\S*)$/gm)].map((m) => [m[1], m[2]]);
      for (const [name, value] of Object.entries(env))
        assert.ok(
          unitEnv.some(([n, v]) => n === name && v === value),
          `${file}: Environment=${name}=${value}`,
        );
    }
    const procfile = fs.readFileSync(path.join(ROOT, 'Procfile'), 'utf8').trim().split('\n');
    const prefix = Object.entries(env)
      .map(([name, value]) => `${name}=${value} `)
      .join('');
    for (const line of procfile) {
      const [kind, command] = line.split(/: (.*)/s) as [string, string];
      assert.match(command, /bin\/audenci\.js [a-z]+$/, line);
      const expected = `${prefix}node ${options ? `${options} ` : ''}bin/audenci.js`;
      assert.equal(command.slice(0, command.lastIndexOf(' ')), expected, `Procfile ${kind}`);
    }
  });

  it("the start script's options are ones node accepts, and they bound V8's young generation", () => {
    const { env, nodeOptions } = serverLaunch();
    const semi = nodeOptions.find((o) => o.startsWith('--max-semi-space-size='));
    assert.ok(semi, 'the young generation stays small (issue #20: 32 MB of the idle RSS otherwise)');
    const megabytes = Number(semi.split('=')[1]);
    const child = spawnSync(
      process.execPath,
      [
        ...nodeOptions,
        '-e',
        // Short-lived objects, some surviving a scavenge: V8 grows the young generation to its bound.
        'let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i, s: `x${i}` }); if (keep.length > 2e4) keep = []; }' +
          "process.stdout.write(String(require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size))",
      ],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    // Two semi-spaces of at most the size given (32 MB in all without the option).
    assert.ok(Number(child.stdout) <= 2 * megabytes * 1024 * 1024, `new space: ${child.stdout} bytes`);
  });

  it("the start script's options keep a request's short-lived rows out of the old generation", () => {
    // V8 allocates straight into the old generation from an object literal whose objects once mostly
    // survived a scavenge (a large result being read), and it keeps doing so while the old generation
    // stays mostly alive, as a server's does. Every later request's rows then go to the old generation:
    // issue #20 measured a PostgreSQL list's garbage collection at 23 % of its time, 12 % without.
    const { env, nodeOptions } = serverLaunch();
    const child = spawnSync(
      process.execPath,
      [
        ...nodeOptions,
        '-e',
        "const v8 = require('node:v8');" +
          "const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;" +
          "function row(i) { return { id: 'p' + i, a: i, b: null, c: 'x', d: i * 2, e: true }; }" +
          // A large result, alive across scavenges.
          'let big = []; for (let i = 0; i < 300000; i++) big.push(row(i)); big = null;' +
          // Then requests' rows, a page of them alive at a time.
          'const before = old(); let page = [];' +
          'for (let i = 0; i < 400000; i++) { page.push(row(i)); if (page.length > 20) page = []; }' +
          'process.stdout.write(String(old() - before));',
      ],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    // About 39 MB when the literal's objects are allocated old, 4 MB when they are not.
    assert.ok(Number(child.stdout) < 16 * 1024 * 1024, `old generation grew by ${child.stdout} bytes`);
  });
});
