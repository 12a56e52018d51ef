import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuLimitUnavailable, limitCpu } from '../bench/cpu-limit.js';

/**
 * The bench's CPU limit for worker children (bench/cpu-limit.ts), which its limited publish runs rely
 * on: a process moved into the group gets no more than its share. Skipped where cgroups cannot be
 * written (the bench then leaves those runs out, saying why).
 */
const unavailable = process.platform === 'linux' ? cpuLimitUnavailable() : 'Linux only';

/** User + system CPU seconds of `pid` so far (/proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('bench CPU limit', { skip: unavailable ?? false }, () => {
  it('holds a busy process to its share of a CPU, and removes its group after the process exits', async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    let release = () => {};
    try {
      const group = limitCpu(child.pid!, 0.2, 'test');
      release = group.release;
      assert.ok(group.dir.endsWith(`audenci-bench-${process.pid}-test`), group.dir);
      assert.deepEqual(readFileSync(path.join(group.dir, 'cgroup.procs'), 'utf8').trim().split('\n'), [
        String(child.pid),
      ]);
      await sleep(300);
      const before = cpuSeconds(child.pid!);
      await sleep(1_500);
      const used = cpuSeconds(child.pid!) - before;
      // Unlimited, a busy loop takes about 1.5 s of CPU here; limited to 20 %, about 0.3 s.
      assert.ok(used <= 0.5, `${used.toFixed(2)} s of CPU in 1.5 s`);
      child.kill('SIGKILL');
      await exited;
      release();
      assert.equal(existsSync(group.dir), false, `${group.dir} left behind`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      release();
    }
  });
});
