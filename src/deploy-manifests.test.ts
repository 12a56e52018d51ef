import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
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
});
