// `node --import tsx --import ./test/helpers/loaded-modules.mjs …`: records every module the process
// loads — each URL an `import` resolves to (a resolve hook, registered last so that it sees the URL tsx
// resolved) and every CommonJS file in require's cache (what those packages require, and what
// `createRequire` loads) — and answers an IPC message `{ type: 'loaded-modules' }` with
// `{ type: 'loaded-modules', files: [absolute paths] }`. test/startup-footprint.test.ts uses it.
import { createRequire, register } from 'node:module';
import { setImmediate } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const imported = new Set();
port1.on('message', (url) => imported.add(url));
port1.unref();
register('./loaded-modules.hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

const requireCache = createRequire(import.meta.url).cache;

process.on('message', (message) => {
  if (message?.type !== 'loaded-modules') return;
  // The hooks thread posts each URL as it resolves it; a macrotask lets the last ones arrive.
  setImmediate(() => {
    const files = new Set(Object.keys(requireCache));
    for (const url of imported) if (url.startsWith('file:')) files.add(fileURLToPath(url));
    process.send?.({ type: 'loaded-modules', files: [...files].sort() });
  });
});
